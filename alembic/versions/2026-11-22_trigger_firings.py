"""trigger firings

Revision ID: 0010
Revises: 0009

Time triggers (relative date, inactivity) fire once per record and occurrence.
Create Date: 2026-11-22 18:52:54.445195
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import runtime.db.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "trigger_firings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_key", sa.String(length=64), nullable=False),
        sa.Column("flow_key", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("occurrence", sa.String(length=64), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("at", runtime.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["flow_instances.id"],
            name=op.f("fk_trigger_firings_instance_id_flow_instances"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["records.id"],
            name=op.f("fk_trigger_firings_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trigger_firings")),
        sa.UniqueConstraint(
            "app_key",
            "flow_key",
            "record_id",
            "occurrence",
            name=op.f("uq_trigger_firings_app_key_flow_key_record_id_occurrence"),
        ),
    )


def downgrade() -> None:
    op.drop_table("trigger_firings")
