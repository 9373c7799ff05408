"""Expression indexes on `records.data` for the fields a form marks `indexed`. Shell.

The records table's columns change only through Alembic. These indexes are derived from
published form definitions, the way a search index is: the publisher creates the ones the
latest version asks for and drops the ones it no longer does (docs/decisions/0004). Their
names start with `ixf_` so they are never confused with the migrations' own.

On PostgreSQL the publisher also keeps **expression statistics** (`stxf_…`) on the text a filter
reads for each field (`data ->> 'key'`): without them the planner guesses a fixed, tiny selectivity
for any filter on a JSON field, and a list "newest first, company contains 科技" read the whole
table (35–60 ms at 100,000 leads) instead of walking the id index for 50 matches (0.1 ms).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from runtime.records import query as q

PREFIX = "ixf_"
STATISTICS_PREFIX = "stxf_"


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


def statistics_name(field_key: str) -> str:
    digest = hashlib.sha256(f"text/{field_key}".encode()).hexdigest()
    return f"{STATISTICS_PREFIX}{field_key}"[:50] + f"_{digest[:10]}"


def wanted_statistics(doc: Mapping[str, Any], dialect: str) -> dict[str, str]:
    """statistics name → CREATE STATISTICS statement for the form's scalar text fields.

    PostgreSQL only (SQLite's planner has no expression statistics). One object per field *key*,
    table-wide: statistics cannot be partial, so forms sharing a key share it, and it is never
    dropped (another form may use it; an unused one costs a little ANALYZE time). Numeric fields
    get none: a statistic on `(data ->> 'k')::double precision` would make ANALYZE fail on any
    other form's non-numeric value under the same key.
    """
    if dialect != "postgresql":
        return {}
    fields = doc.get("fields", [])
    numeric = q.numeric_fields(fields)
    statements = {}
    for field in fields:
        key = str(field.get("key", ""))
        if field.get("type") in q.LIST_TYPES or key in numeric or not q.SLUG.match(key):
            continue
        expression = q.value_sql(key, numeric=False, dialect=dialect)
        name = statistics_name(key)
        statements[name] = (
            f"CREATE STATISTICS IF NOT EXISTS {name} ON (({expression})) FROM records"
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


def create_statistics(db: Session, *, doc: Mapping[str, Any]) -> None:
    """Create the expression statistics a published form's filters need (PostgreSQL)."""
    connection = db.connection()
    want = wanted_statistics(doc, connection.dialect.name)
    if not want:
        return
    have = existing_statistics(db)
    for name, statement in sorted(want.items()):
        if name not in have:
            connection.execute(text(statement))


def existing_statistics(db: Session) -> set[str]:
    """Names of the expression statistics on `records` (PostgreSQL; empty elsewhere)."""
    connection = db.connection()
    if connection.dialect.name != "postgresql":
        return set()
    sql = (
        "SELECT stxname FROM pg_statistic_ext WHERE stxrelid = 'records'::regclass "
        "AND starts_with(stxname, :prefix)"
    )
    rows = connection.execute(text(sql), {"prefix": STATISTICS_PREFIX})
    return {str(name) for (name,) in rows}


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
