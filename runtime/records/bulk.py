"""Many new records written together: the PostgreSQL public submit's batches. Shell.

A public submission on PostgreSQL costs far more in the driver (each statement's Python and
round trip) than in the database. A batch of submissions that each create one record can share
its statements: one lookup finds every duplicate, one query takes every id, and each INSERT runs
once for all rows (`InsertMany`: one array per column), all sent in one round trip. Beside
each record's own row, what is written comes from `service.creation_rows`, as for one record.

PostgreSQL only: the lookup unnests arrays and the ids come from the records' sequence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, column, text
from sqlalchemy.orm import Session

from runtime.automation import events
from runtime.db.prepared import InsertMany, Prepared
from runtime.files.models import FileLink
from runtime.records import service as records
from runtime.records.models import Record, RecordEvent, RecordKey

# For each (ord, app, form, field, value): the oldest record_keys match per ord, one index
# seek each; only record_keys is read, as in `service.find_by_keys`. Then (-1, id) rows: fresh
# record ids, one per item, so the batch's writes need no further round trip.
_LOOK_UP = Prepared(
    text(
        "SELECT k.ord, min(rk.record_id) FROM unnest("
        "CAST(:ords AS integer[]), CAST(:apps AS varchar[]), CAST(:forms AS varchar[]), "
        "CAST(:fields AS varchar[]), CAST(:lookup_values AS varchar[])"
        ") AS k(ord, app_key, form_key, field_key, value) "
        "JOIN record_keys AS rk ON rk.app_key = k.app_key AND rk.form_key = k.form_key "
        "AND rk.field_key = k.field_key AND rk.value = k.value "
        "GROUP BY k.ord "
        "UNION ALL "
        "SELECT -1, nextval((SELECT pg_get_serial_sequence('records', 'id'))) "
        "FROM generate_series(1, :count)"
    ).columns(column("ord", Integer), column("record_id", Integer))
)
_INSERT_RECORDS = InsertMany(Record, columns=("id", *records.RECORD_COLUMNS))
_INSERT_KEYS = InsertMany(RecordKey, columns=records.INSERT_KEYS.columns or ())
_INSERT_FILE_LINKS = InsertMany(FileLink, columns=records.INSERT_FILE_LINKS.columns or ())
_INSERT_AUDIT = InsertMany(RecordEvent, columns=records.INSERT_AUDIT.columns or ())


@dataclass(frozen=True, slots=True)
class NewRecord:
    """Validated anonymous data for a new record (as `service.insert_data` takes it)."""

    form: records.FormVersion
    data: dict[str, Any]
    now: datetime


@dataclass(slots=True)
class Rows:
    """Every row a batch of new records writes, by table."""

    records: list[dict[str, Any]] = field(default_factory=list)
    keys: list[dict[str, Any]] = field(default_factory=list)
    file_links: list[dict[str, Any]] = field(default_factory=list)
    audit: list[dict[str, Any]] = field(default_factory=list)
    events: list[events.EventFields] = field(default_factory=list)


def look_up(db: Session, items: Sequence[NewRecord]) -> tuple[list[int | None], list[int]]:
    """For each item, the oldest live record sharing a lookup value with it (or None); and as
    many fresh record ids as there are items, ascending (the oldest-first rule of duplicates
    holds in arrival order). Ids a caller does not use are gaps, as after a rollback."""
    columns: dict[str, Any] = {
        "ords": [],
        "apps": [],
        "forms": [],
        "fields": [],
        "lookup_values": [],
        "count": len(items),
    }
    for ord_, item in enumerate(items):
        for field_key, value in records.lookup_pairs(item.form, item.data):
            columns["ords"].append(ord_)
            columns["apps"].append(item.form.app_key)
            columns["forms"].append(item.form.form_key)
            columns["fields"].append(field_key)
            columns["lookup_values"].append(value)
    found: list[int | None] = [None] * len(items)
    ids: list[int] = []
    for ord_, record_id in _LOOK_UP.rows(db.connection(), columns):
        if ord_ < 0:
            ids.append(int(record_id))
        else:
            found[int(ord_)] = int(record_id)
    return found, sorted(ids)


def rows_for(db: Session, items: Sequence[NewRecord], ids: Sequence[int], *, via: str) -> Rows:
    """The rows of `items` under `ids` (serial numbers are taken and owners looked up here)."""
    out = Rows()
    for item, record_id in zip(items, ids, strict=True):
        values = records.new_record_values(db, item.form, item.data, None, item.now)
        out.records.append({"id": record_id, **values})
        created = records.creation_rows(item.form, record_id, item.data, None, via, item.now)
        out.keys += created.keys
        out.file_links += created.file_links
        out.audit.append(created.audit)
        out.events.append(created.event)
    return out


def write(db: Session, rows: Rows) -> None:
    """One INSERT per table for all its rows; inside `pipelined`, one round trip for all."""
    conn = db.connection()
    _INSERT_RECORDS.run(conn, rows.records)
    _INSERT_KEYS.run(conn, rows.keys)
    _INSERT_FILE_LINKS.run(conn, rows.file_links)
    _INSERT_AUDIT.run(conn, rows.audit)
    events.emit_many_quietly(db, rows.events)


def lookup_claims(item: NewRecord) -> set[tuple[str, str, str, str]]:
    """The (app, form, field, value) lookups an item's record will answer once stored."""
    return {
        (item.form.app_key, item.form.form_key, field_key, value)
        for field_key, value in records.lookup_pairs(item.form, item.data)
    }
