"""record lookup keys

Revision ID: 0002
Revises: 0001

Adds record_keys (indexed dedupe values) and fills it for the records that exist.
Create Date: 2026-11-22 15:12:02.347527
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "record_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("app_key", sa.String(length=64), nullable=False),
        sa.Column("form_key", sa.String(length=64), nullable=False),
        sa.Column("field_key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["records.id"],
            name=op.f("fk_record_keys_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_keys")),
    )
    with op.batch_alter_table("record_keys", schema=None) as batch_op:
        batch_op.create_index(
            "ix_record_keys_lookup", ["app_key", "form_key", "field_key", "value"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_record_keys_record_id"), ["record_id"], unique=False)
    backfill()


def backfill() -> None:
    """Index the dedupe keys of live records, per the latest published version of each form."""
    conn = op.get_bind()
    definitions = sa.table(
        "definitions",
        sa.column("app_key"),
        sa.column("kind"),
        sa.column("key"),
        sa.column("version"),
        sa.column("status"),
        sa.column("doc", sa.JSON()),
    )
    records = sa.table(
        "records",
        sa.column("id"),
        sa.column("app_key"),
        sa.column("form_key"),
        sa.column("data", sa.JSON()),
        sa.column("deleted_at"),
    )
    keys = sa.table(
        "record_keys",
        sa.column("record_id"),
        sa.column("app_key"),
        sa.column("form_key"),
        sa.column("field_key"),
        sa.column("value"),
    )
    latest: dict[tuple[str, str], tuple[int, dict]] = {}
    for app_key, key, version, doc in conn.execute(
        sa.select(
            definitions.c.app_key, definitions.c.key, definitions.c.version, definitions.c.doc
        ).where(definitions.c.kind == "forms", definitions.c.status == "published")
    ):
        if (app_key, key) not in latest or latest[(app_key, key)][0] < version:
            latest[(app_key, key)] = (version, doc)
    for (app_key, form_key), (_version, doc) in latest.items():
        fields = ((doc.get("public") or {}).get("dedupe") or {}).get("keys") or []
        if not fields:
            continue
        rows = conn.execute(
            sa.select(records.c.id, records.c.data).where(
                records.c.app_key == app_key,
                records.c.form_key == form_key,
                records.c.deleted_at.is_(None),
            )
        )
        values = [
            {
                "record_id": record_id,
                "app_key": app_key,
                "form_key": form_key,
                "field_key": field,
                "value": str(data[field])[:255],
            }
            for record_id, data in rows
            for field in fields
            if data.get(field) not in (None, "", [])
        ]
        if values:
            conn.execute(sa.insert(keys), values)


def downgrade() -> None:
    with op.batch_alter_table("record_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_record_keys_record_id"))
        batch_op.drop_index("ix_record_keys_lookup")

    op.drop_table("record_keys")
