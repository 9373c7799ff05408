"""sequence enrolments

Revision ID: 0015
Revises: 0014

A record's enrolments in a sequence, numbered, unique per (app, flow, record, number): a
sequence may let a record that finished or exited enrol again (decision 0008).
Create Date: 2026-11-24 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import runtime.db.types

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sequence_enrolments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_key", sa.String(length=64), nullable=False),
        sa.Column("flow_key", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("enrolled_at", runtime.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["flow_instances.id"],
            name=op.f("fk_sequence_enrolments_instance_id_flow_instances"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["records.id"],
            name=op.f("fk_sequence_enrolments_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sequence_enrolments")),
        sa.UniqueConstraint(
            "app_key",
            "flow_key",
            "record_id",
            "number",
            name=op.f("uq_sequence_enrolments_app_key_flow_key_record_id_number"),
        ),
    )


def downgrade() -> None:
    op.drop_table("sequence_enrolments")
