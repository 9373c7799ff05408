"""Expression indexes on `records.data` for the fields a form marks `indexed`. Shell.

The records table's columns change only through Alembic. These indexes are derived from
published form definitions, the way a search index is: the publisher creates the ones the
latest version asks for and drops the ones it no longer does (docs/decisions/0004). Their
names start with `ixf_` so they are never confused with the migrations' own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from runtime.records import query as q

PREFIX = "ixf_"


SCHEME = "v3/"  # bumped whenever the index definition changes
OLD_SCHEMES = ("", "v2/")  # whole-table indexes; partial ones without leading app/form columns


def index_name(app_key: str, form_key: str, field_key: str, scheme: str = SCHEME) -> str:
    """A stable name within PostgreSQL's 63-character limit."""
    digest = hashlib.sha256(f"{scheme}{app_key}/{form_key}/{field_key}".encode()).hexdigest()
    return f"{PREFIX}{app_key}_{form_key}_{field_key}"[:50] + f"_{digest[:10]}"


def wanted(app_key: str, form_key: str, doc: Mapping[str, Any], dialect: str) -> dict[str, str]:
    """index name → CREATE INDEX statement for every indexed field of the form.

    Partial indexes: a form's field indexes cover only its own live records, so writing a record
    of one form never maintains another form's indexes.
    """
    if not (q.SLUG.match(app_key) and q.SLUG.match(form_key)):
        raise ValueError(f"not slugs: {app_key!r}, {form_key!r}")
    fields = doc.get("fields", [])
    numeric = q.numeric_fields(fields)
    statements = {}
    for field in fields:
        if not field.get("indexed") or field["type"] in q.LIST_TYPES:
            continue
        key = field["key"]
        name = index_name(app_key, form_key, key)
        expression = q.sort_sql(key, numeric=key in numeric, dialect=dialect)
        statements[name] = (
            # Leading app/form columns (constant here) let SQLite's planner match the equalities
            # and the ORDER BY together; without them it preferred sorting ix_records_form_live.
            f"CREATE INDEX IF NOT EXISTS {name} ON records (app_key, form_key, ({expression}), id) "
            f"WHERE app_key = '{app_key}' AND form_key = '{form_key}' AND deleted_at IS NULL"
        )
    return statements


def sync_indexes(db: Session, *, app_key: str, form_key: str, doc: Mapping[str, Any]) -> list[str]:
    """Create missing and drop unwanted field indexes of one form; return the names changed."""
    connection = db.connection()
    dialect = connection.dialect.name
    want = wanted(app_key, form_key, doc, dialect)
    mine = existing_names(db) & _names_for_form(app_key, form_key, doc, want)
    changed = []
    for name in sorted(mine - set(want)):
        connection.execute(text(f"DROP INDEX IF EXISTS {name}"))
        changed.append(name)
    for name, statement in sorted(want.items()):
        if name not in mine:
            connection.execute(text(statement))
            changed.append(name)
    return changed


def existing_names(db: Session) -> set[str]:
    """Index names on `records`, from the catalog (reflection skips expression indexes)."""
    connection = db.connection()
    if connection.dialect.name == "postgresql":
        sql = "SELECT indexname FROM pg_indexes WHERE tablename = 'records'"
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'records'"
    return {str(name) for (name,) in connection.execute(text(sql))}


def _names_for_form(
    app_key: str, form_key: str, doc: Mapping[str, Any], want: Mapping[str, str]
) -> set[str]:
    # Names for every field the form has or wants: a field that lost `indexed` is still listed.
    keys = [f["key"] for f in doc.get("fields", [])]
    return set(want) | {
        index_name(app_key, form_key, key, scheme)
        for key in keys
        for scheme in (SCHEME, *OLD_SCHEMES)
    }
