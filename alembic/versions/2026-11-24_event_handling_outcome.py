"""event handling outcome index

Revision ID: 0014
Revises: 0013

Incidents list the automation starts that failed (`outcome = 'failed'`, newest first) and an
operator's retry looks for the handling put back (`retrying`): an index on (outcome, id) keeps
both from scanning every handling ever written.
Create Date: 2026-11-24 09:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("event_handlings") as batch:
        batch.create_index("ix_event_handlings_outcome", ["outcome", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("event_handlings") as batch:
        batch.drop_index("ix_event_handlings_outcome")
