"""file links

Revision ID: 0013
Revises: 0012

Where each stored file is used (a record's attachment field, a task decision), so downloads
follow what uses a file and unused uploads can be collected. Existing attachments are linked.
Create Date: 2026-11-23 10:00:00.000000
"""

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "file_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.String(length=36), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("field_key", sa.String(length=64), nullable=True),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["file_id"], ["files.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["record_id"], ["records.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_file_links_file", "file_links", ["file_id"], unique=False)
    op.create_index("ix_file_links_record", "file_links", ["record_id"], unique=False)
    _link_existing()


def downgrade() -> None:
    op.drop_index("ix_file_links_record", table_name="file_links")
    op.drop_index("ix_file_links_file", table_name="file_links")
    op.drop_table("file_links")


def _doc(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _link_existing() -> None:
    """Link the files that records and task decisions already name."""
    conn = op.get_bind()
    known = {row[0] for row in conn.execute(sa.text("SELECT id FROM files"))}
    if not known:
        return
    attachment_fields: dict[tuple[str, str], set[str]] = {}
    definitions = conn.execute(
        sa.text("SELECT app_key, key, doc FROM definitions WHERE kind = 'forms'")
    )
    for app_key, key, doc in definitions:
        fields = _doc(doc).get("fields", [])
        keys = {f["key"] for f in fields if f.get("type") == "attachment"}
        attachment_fields.setdefault((app_key, key), set()).update(keys)
    links: list[dict[str, Any]] = []
    records = conn.execute(sa.text("SELECT id, app_key, form_key, data FROM records"))
    for record_id, app_key, form_key, data in records:
        fields = attachment_fields.get((app_key, form_key))
        if not fields:
            continue
        values = _doc(data)
        for field in fields:
            for item in values.get(field) or []:
                if isinstance(item, dict) and item.get("id") in known:
                    links.append(
                        {"file_id": item["id"], "record_id": record_id, "field_key": field}
                    )
    for task_id, attachments in conn.execute(
        sa.text("SELECT id, attachments FROM tasks WHERE attachments IS NOT NULL")
    ):
        for item in _doc(attachments) or []:
            if isinstance(item, dict) and item.get("id") in known:
                links.append({"file_id": item["id"], "task_id": task_id})
    table = sa.table(
        "file_links",
        sa.column("file_id"),
        sa.column("record_id"),
        sa.column("field_key"),
        sa.column("task_id"),
    )
    if links:
        full = [{"record_id": None, "field_key": None, "task_id": None, **link} for link in links]
        op.bulk_insert(table, full)
