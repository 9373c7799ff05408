"""subflow parent

Revision ID: 0006
Revises: 0005

A subflow instance points at its parent instance and the parent's waiting node key.
Create Date: 2026-11-22 18:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("flow_instances", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("parent_key", sa.String(length=128), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_flow_instances_parent_id_flow_instances"),
            "flow_instances",
            ["parent_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(
            batch_op.f("ix_flow_instances_parent"), ["parent_id", "status"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("flow_instances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_flow_instances_parent"))
        batch_op.drop_constraint(
            batch_op.f("fk_flow_instances_parent_id_flow_instances"), type_="foreignkey"
        )
        batch_op.drop_column("parent_key")
        batch_op.drop_column("parent_id")
