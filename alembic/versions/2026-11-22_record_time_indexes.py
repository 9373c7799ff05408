"""record time indexes

Revision ID: 0003
Revises: 0002

Indexes for listing records newest first (created_at, updated_at) within a form.
Create Date: 2026-11-22 15:19:19.346719
"""

from collections.abc import Sequence

from alembic import op


revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.create_index(
            "ix_records_form_created", ["app_key", "form_key", "created_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_records_form_updated", ["app_key", "form_key", "updated_at", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_index("ix_records_form_updated")
        batch_op.drop_index("ix_records_form_created")
