"""email tracking

Revision ID: 0012
Revises: 0011

Sequences: the emails their steps sent (opens, clicks, the links a click may go to) and the
addresses that unsubscribed.
Create Date: 2026-11-23 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import runtime.db.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[object]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "email_sends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("app_key", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("flow_key", sa.String(length=64), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("links", _json(), nullable=False),
        sa.Column("opened_at", runtime.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("clicked_at", runtime.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", runtime.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["flow_instances.id"],
            name=op.f("fk_email_sends_instance_id_flow_instances"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["records.id"],
            name=op.f("fk_email_sends_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_sends")),
        sa.UniqueConstraint("key", name=op.f("uq_email_sends_key")),
    )
    op.create_index(
        "ix_email_sends_record", "email_sends", ["record_id", "flow_key", "step"], unique=False
    )
    op.create_table(
        "unsubscribes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_key", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("send_id", sa.Integer(), nullable=True),
        sa.Column("at", runtime.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["send_id"],
            ["email_sends.id"],
            name=op.f("fk_unsubscribes_send_id_email_sends"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unsubscribes")),
        sa.UniqueConstraint("app_key", "address", name=op.f("uq_unsubscribes_app_key_address")),
    )


def downgrade() -> None:
    op.drop_table("unsubscribes")
    op.drop_index("ix_email_sends_record", table_name="email_sends")
    op.drop_table("email_sends")
