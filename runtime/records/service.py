"""Records: validated writes with optimistic locking and a field-level audit trail. Shell."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, delete, func, insert, select, union_all, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, make_transient_to_detached

from runtime.automation import events
from runtime.db.prepared import Prepared, pipelined, store_versioned
from runtime.db.types import iso_utc
from runtime.definitions import store
from runtime.definitions.models import Definition
from runtime.errors import Conflict, InvalidInput, NotFound, Problem
from runtime.fields import field_types, format_value
from runtime.fields.base import Reference
from runtime.files.models import FileLink, StoredFile
from runtime.forms.compile import CompiledForm, compile_form
from runtime.forms.submit import check_values
from runtime.org import service as org_service
from runtime.org.models import User
from runtime.records import query as q
from runtime.records.models import Record, RecordEvent, RecordKey, SerialCounter

MAX_PAGE = 200
# Statements built once: the submit path runs them on every request.
_FORM_ROW = select(*store.STAMP_COLUMNS).where(
    Definition.app_key == bindparam("app"),
    Definition.kind == "forms",
    Definition.key == bindparam("key"),
    Definition.status == "published",
)
_LATEST_FORM = Prepared(_FORM_ROW.order_by(Definition.version.desc()).limit(1))
_FORM_VERSION = Prepared(_FORM_ROW.where(Definition.version == bindparam("version")))
INSERT_AUDIT = Prepared(
    insert(RecordEvent), columns=("record_id", "kind", "actor_id", "via", "changes", "at")
)
RECORD_COLUMNS = (
    "app_key",
    "form_key",
    "form_version",
    "data",
    "owner_id",
    "created_by_id",
    "version",
    "created_at",
    "updated_at",
    "deleted_at",
)
_INSERT_RECORD = Prepared(insert(Record).returning(Record.id), columns=RECORD_COLUMNS)
INSERT_KEYS = Prepared(
    insert(RecordKey), columns=("record_id", "app_key", "form_key", "field_key", "value")
)
INSERT_FILE_LINKS = Prepared(
    insert(FileLink), columns=("file_id", "record_id", "field_key", "task_id")
)
_COMPILED: dict[tuple[str, store.Stamp], FormVersion] = {}


@dataclass(frozen=True, slots=True)
class FormVersion:
    """A published form version and its compiled validators."""

    app_key: str
    form_key: str
    version: int
    doc: Mapping[str, Any]
    compiled: CompiledForm
    attachment_keys: tuple[str, ...] = ()  # fields whose files the record links (file_links)

    @property
    def field_types(self) -> dict[str, str]:
        return {f["key"]: f["type"] for f in self.doc.get("fields", [])}


def load_form(
    db: Session, *, app_key: str, form_key: str, version: int | None = None
) -> FormVersion:
    """The published form (latest, or `version`), compiled once per published row.

    The latest version is kept per process until a definition changes (one token query per
    call); a given version reads only its row's stamp.
    """
    connection = db.connection()  # Core statements: no ORM bookkeeping on the hot path
    if version is None:
        return store.PUBLISHED.get(
            connection,
            ("form", app_key, form_key),
            lambda: _compiled(
                db,
                app_key,
                form_key,
                _LATEST_FORM.first(connection, {"app": app_key, "key": form_key}),
            ),
        )
    found = _FORM_VERSION.first(connection, {"app": app_key, "key": form_key, "version": version})
    return _compiled(db, app_key, form_key, found, version)


def _compiled(
    db: Session, app_key: str, form_key: str, found: Any, version: int | None = None
) -> FormVersion:
    if found is None:
        store.load_published(db, app_key=app_key, kind="forms", key=form_key, version=version)
        raise AssertionError("unreachable: load_published raises NotFound")  # pragma: no cover
    stamp = store.Stamp(*found)
    cache_key = store.cache_key(db, stamp)  # published rows never change (see cache_key)
    cached = _COMPILED.get(cache_key)
    if cached is None:
        doc = store.published_doc(db, stamp=stamp)
        cached = FormVersion(
            app_key, form_key, stamp.version, doc, compile_form(doc), attachment_fields(doc)
        )
        if len(_COMPILED) > 512:
            _COMPILED.clear()
        _COMPILED[cache_key] = cached
    return cached


def title_of(doc: Mapping[str, Any], data: Mapping[str, Any], record_id: int) -> str:
    """What a record is called: its form's `title_field` value, else '#id'."""
    key = doc.get("title_field")
    return str(data.get(key) or f"#{record_id}") if key else f"#{record_id}"


def _raise_problems(problems: list[Problem]) -> None:
    if problems:
        raise InvalidInput("invalid_record", "The record has invalid values.", problems)


def _check_references(
    db: Session, form: FormVersion, data: Mapping[str, Any], keys: set[str], locale: str
) -> list[Problem]:
    """Users, departments, related records and files named by the values must exist."""
    wanted: dict[tuple[str, str | None], dict[str, str]] = {}
    for field in form.doc.get("fields", []):
        key = field["key"]
        if key not in keys or data.get(key) in (None, "", []):
            continue
        field_type = field_types.load(field["type"])
        for ref in field_type.references(data[key], field.get("config", {})):
            wanted.setdefault((ref.kind, ref.form), {})[ref.key] = key
    problems: list[Problem] = []
    for (kind, target_form), names in wanted.items():
        found = _existing(db, form.app_key, Reference(kind, "", target_form), set(names))
        for missing in sorted(set(names) - found):
            field_key = names[missing]
            message = {
                "zh-CN": f"找不到 {missing}。",
                "en": f"{missing} does not exist.",
            }.get(locale, f"{missing} does not exist.")
            problems.append(Problem("not_found", message, field=field_key))
    return problems


def _existing(db: Session, app_key: str, ref: Reference, keys: set[str]) -> set[str]:
    # Users and departments from the organisation's cached snapshot (no query while it holds).
    if ref.kind == "user":
        return keys & org_service.user_ids(db).keys()
    if ref.kind == "department":
        return keys & org_service.directory(db).head_of.keys()
    if ref.kind == "file":
        return set(db.scalars(select(StoredFile.id).where(StoredFile.id.in_(keys))))
    if ref.kind == "record":
        ids = [int(k) for k in keys if k.isdigit() and int(k) <= MAX_ID]
        if len(ids) == 1 and ref.form:  # one related record: a prepared primary-key lookup
            found = _LIVE_RECORD.scalar(
                db.connection(), {"id": ids[0], "app": app_key, "form": ref.form}
            )
            return {str(found)} if found is not None else set()
        query = select(Record.id).where(Record.id.in_(ids), Record.deleted_at.is_(None))
        query = query.where(Record.app_key == app_key)
        if ref.form:
            query = query.where(Record.form_key == ref.form)
        return {str(i) for i in db.scalars(query)}
    return set()


MAX_ID = 2**63 - 1
_LIVE_RECORD = Prepared(
    select(Record.id).where(
        Record.id == bindparam("id"),
        Record.app_key == bindparam("app"),
        Record.form_key == bindparam("form"),
        Record.deleted_at.is_(None),
    )
)


def _next_serial_statement(insert: Any) -> Prepared:
    return Prepared(
        insert(SerialCounter)
        .values(scope=bindparam("scope"), value=1)
        .on_conflict_do_update(index_elements=["scope"], set_={"value": SerialCounter.value + 1})
        .returning(SerialCounter.value)
    )


_NEXT_SERIAL = {
    "postgresql": _next_serial_statement(pg_insert),
    "sqlite": _next_serial_statement(sqlite_insert),
}


def next_serial(db: Session, *, scope: str) -> int:
    """Atomically take the next number of `scope` (upsert + RETURNING on both databases)."""
    connection = db.connection()
    return int(_NEXT_SERIAL[connection.dialect.name].scalar(connection, {"scope": scope}))


def _fill_serials(db: Session, form: FormVersion, data: dict[str, Any], now: datetime) -> None:
    for field in form.doc.get("fields", []):
        if field["type"] != "serial":
            continue
        serial = field_types.load("serial")
        config = field.get("config", {})
        scope_part = serial.scope(config, now)  # type: ignore[attr-defined]
        number = next_serial(
            db, scope=f"{form.app_key}/{form.form_key}/{field['key']}/{scope_part}"
        )
        data[field["key"]] = serial.render(config, now, number)  # type: ignore[attr-defined]


def _owner_id(db: Session, form: FormVersion, data: Mapping[str, Any]) -> int | None:
    if form.field_types.get("owner") != "user" or not isinstance(data.get("owner"), str):
        return None
    # From the organisation's cached snapshot (every user, active or not): no query per record.
    return org_service.user_ids(db).get(data["owner"])


# The ORM's versioned UPDATE, without its flush machinery (the record's own transaction).
_UPDATE_RECORD = Prepared(
    update(Record)
    .where(Record.id == bindparam("record_id"), Record.version == bindparam("expected"))
    .values(
        data=bindparam("data", type_=Record.__table__.c.data.type),
        form_version=bindparam("form_version"),
        owner_id=bindparam("owner_id"),
        updated_at=bindparam("updated_at", type_=Record.__table__.c.updated_at.type),
        version=bindparam("new_version"),
    )
)


def _diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[dict[str, Any]]:
    keys = sorted(set(before) | set(after))
    return [
        {"field": key, "from": before.get(key), "to": after.get(key)}
        for key in keys
        if before.get(key) != after.get(key)
    ]


def check_new(
    db: Session,
    *,
    form: FormVersion,
    raw: Mapping[str, Any],
    now: datetime,
    locale: str = "zh-CN",
    writable: set[str] | None = None,
    actor: str | None = None,
) -> dict[str, Any]:
    """Validate `raw` as a new record: the canonical data, or `InvalidInput` with every problem.

    The form's checks first, then the app's before-save rules (decision 0008).
    """
    data, problems = check_values(
        form.compiled, raw, existing=None, locale=locale, now=now, writable=writable
    )
    problems += _check_references(db, form, data, set(data), locale)
    _raise_problems(problems)
    _check_rules(db, form, data, "create", actor, now, locale)
    return data


def _check_rules(
    db: Session,
    form: FormVersion,
    data: Mapping[str, Any],
    operation: str,
    actor: str | None,
    now: datetime,
    locale: str,
) -> None:
    from runtime.automation import rules  # rules run flows, and flows write records

    rules.check(
        db,
        app_key=form.app_key,
        form_key=form.form_key,
        values=data,
        operation=operation,
        actor=actor,
        now=now,
        locale=locale,
    )


def insert_record(
    db: Session,
    *,
    form: FormVersion,
    data: dict[str, Any],
    actor: User | None,
    now: datetime,
    via: str = "api",
) -> Record:
    """Store already validated `data` (from `check_new`); the record joins the session."""
    record_id, values = _insert(db, form, data, actor.id if actor else None, now, via)
    # The object joins the session as already persistent: the ORM's flush machinery cost more
    # than the insert itself.
    record = Record(id=record_id, **values)
    make_transient_to_detached(record)
    db.add(record)
    return record


def insert_data(
    db: Session, *, form: FormVersion, data: dict[str, Any], now: datetime, via: str
) -> int:
    """Store already validated anonymous `data`; only the new id comes back (no ORM object).

    The public submit path: building and attaching a `Record` cost a fifth of a submission.
    """
    return _insert(db, form, data, None, now, via)[0]


def _insert(
    db: Session,
    form: FormVersion,
    data: dict[str, Any],
    actor_id: int | None,
    now: datetime,
    via: str,
) -> tuple[int, dict[str, Any]]:
    """INSERT … RETURNING the record, its lookup keys and its audit entry."""
    values = new_record_values(db, form, data, actor_id, now)
    conn = db.connection()
    record_id = int(_INSERT_RECORD.scalar(conn, values))
    rows = creation_rows(form, record_id, data, actor_id, via, now)
    # The record's keys, file links, audit entry and event need no answer: on PostgreSQL they
    # go in one round trip (the pipeline), not four.
    with pipelined(conn):
        INSERT_KEYS.run_many(conn, rows.keys)
        INSERT_FILE_LINKS.run_many(conn, rows.file_links)
        _audit(db, rows.audit)
        events.emit_quietly(db, **rows.event)
    return record_id, values


@dataclass(frozen=True, slots=True)
class CreationRows:
    """What a new record writes beside its own row (`creation_rows`)."""

    keys: list[dict[str, Any]]
    file_links: list[dict[str, Any]]
    audit: dict[str, Any]
    event: events.EventFields


def creation_rows(
    form: FormVersion,
    record_id: int,
    data: Mapping[str, Any],
    actor_id: int | None,
    via: str,
    now: datetime,
) -> CreationRows:
    """The lookup keys, file links, audit entry and event of a new record (one writer for one
    record, `runtime.records.bulk` for many)."""
    return CreationRows(
        keys=key_rows(form, record_id, data),
        file_links=file_link_rows(form, record_id, data),
        audit=audit_row(record_id, "created", actor_id, via, creation_changes(data), now),
        event=event_fields(form, record_id, "record_created", actor_id, {"via": via}, now),
    )


def new_record_values(
    db: Session, form: FormVersion, data: dict[str, Any], actor_id: int | None, now: datetime
) -> dict[str, Any]:
    """The columns of a new record from validated `data` (serial numbers are taken here)."""
    _fill_serials(db, form, data, now)
    return {
        "app_key": form.app_key,
        "form_key": form.form_key,
        "form_version": form.version,
        "data": data,
        "owner_id": _owner_id(db, form, data),
        "created_by_id": actor_id,
        "version": 1,
        "created_at": now,
        "updated_at": now,
        "deleted_at": None,
    }


def creation_changes(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The audit entry of a creation: every value set, from nothing."""
    return _diff({}, {k: v for k, v in data.items() if v is not None})


def event_fields(
    form: FormVersion | Record,
    record_id: int,
    kind: str,
    actor_id: int | None,
    payload: Mapping[str, Any],
    now: datetime,
) -> events.EventFields:
    """A record's event, for automations (written in its change's transaction; decision 0008)."""
    return {
        "app_key": form.app_key,
        "kind": kind,
        "form_key": form.form_key,
        "record_id": record_id,
        "actor_id": actor_id,
        "payload": payload,
        "now": now,
    }


def create_record(
    db: Session,
    *,
    form: FormVersion,
    raw: Mapping[str, Any],
    actor: User | None,
    now: datetime,
    locale: str = "zh-CN",
    via: str = "api",
    writable: set[str] | None = None,
) -> Record:
    """Validate `raw` against the form and store a new record with its audit entry."""
    data = check_new(
        db,
        form=form,
        raw=raw,
        now=now,
        locale=locale,
        writable=writable,
        actor=actor.username if actor else None,
    )
    return insert_record(db, form=form, data=data, actor=actor, now=now, via=via)


def _audit(db: Session, row: dict[str, Any]) -> None:
    # A Core insert: audit rows are never read back in the same unit of work.
    INSERT_AUDIT.run(db.connection(), row)


def audit_row(
    record_id: int,
    kind: str,
    actor_id: int | None,
    via: str,
    changes: list[dict[str, Any]],
    now: datetime,
) -> dict[str, Any]:
    return {
        "record_id": record_id,
        "kind": kind,
        "actor_id": actor_id,
        "via": via,
        "changes": changes,
        "at": now,
    }


def lookup_fields(doc: Mapping[str, Any]) -> tuple[str, ...]:
    """Fields whose values are indexed in `record_keys` (the public form's dedupe keys)."""
    keys = ((doc.get("public") or {}).get("dedupe") or {}).get("keys") or []
    return tuple(str(key) for key in keys)


def _write_keys(
    db: Session, form: FormVersion, record_id: int, data: Mapping[str, Any], *, replace: bool
) -> None:
    if replace:
        db.execute(delete(RecordKey).where(RecordKey.record_id == record_id))
    rows = key_rows(form, record_id, data)
    if rows:
        INSERT_KEYS.run_many(db.connection(), rows)


def key_rows(form: FormVersion, record_id: int, data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The `record_keys` rows of a record: one per lookup field with a value."""
    return [
        {
            "record_id": record_id,
            "app_key": form.app_key,
            "form_key": form.form_key,
            "field_key": field,
            "value": value,
        }
        for field, value in lookup_pairs(form, data)
    ]


def lookup_pairs(form: FormVersion, data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(field, stored value) of each lookup field `data` fills."""
    return [
        (field, str(data[field])[:255])
        for field in lookup_fields(form.doc)
        if data.get(field) not in (None, "", [])
    ]


def _write_file_links(
    db: Session, form: FormVersion, record_id: int, data: Mapping[str, Any], *, replace: bool
) -> None:
    """Link the files the record's attachment fields name (downloads follow the links)."""
    if not form.attachment_keys:
        return
    if replace:
        db.execute(delete(FileLink).where(FileLink.record_id == record_id))
    rows = file_link_rows(form, record_id, data)
    if rows:
        INSERT_FILE_LINKS.run_many(db.connection(), rows)


def file_link_rows(
    form: FormVersion, record_id: int, data: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The `file_links` rows of a record: one per file its attachment fields name."""
    return [
        {"file_id": str(item["id"]), "record_id": record_id, "field_key": field, "task_id": None}
        for field in form.attachment_keys
        for item in data.get(field) or []
    ]


def attachment_fields(doc: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(f["key"] for f in doc.get("fields", []) if f.get("type") == "attachment")


def find_by_keys(db: Session, *, form: FormVersion, data: Mapping[str, Any]) -> Record | None:
    """The oldest live record sharing any lookup value with `data`."""
    pairs = lookup_pairs(form, data)
    if not pairs:
        return None
    params: dict[str, Any] = {"app": form.app_key, "form": form.form_key}
    for i, (field, value) in enumerate(pairs):
        params[f"field{i}"] = field
        params[f"value{i}"] = value
    record_id = _duplicate_query(len(pairs)).scalar(db.connection(), params)
    return None if record_id is None else db.get(Record, record_id)


@cache
def _duplicate_query(pairs: int) -> Prepared:
    """The oldest record matching any of `pairs` (field, value) lookups.

    Only `record_keys` is read: soft delete removes a record's keys, so every key belongs to a
    live record. One index seek per pair (UNION ALL; an OR across pairs would only use the
    index's first columns), and no join, so even a generic prepared plan stays an index lookup.
    """
    matches = union_all(
        *[
            select(RecordKey.record_id).where(
                RecordKey.app_key == bindparam("app"),
                RecordKey.form_key == bindparam("form"),
                RecordKey.field_key == bindparam(f"field{i}"),
                RecordKey.value == bindparam(f"value{i}"),
            )
            for i in range(pairs)
        ]
    ).subquery()
    return Prepared(select(func.min(matches.c.record_id)))


def rebuild_keys(db: Session, *, form: FormVersion) -> None:
    """Re-index every live record of the form (after its lookup fields changed)."""
    db.execute(
        delete(RecordKey).where(
            RecordKey.app_key == form.app_key, RecordKey.form_key == form.form_key
        )
    )
    live = db.scalars(
        select(Record).where(
            Record.app_key == form.app_key,
            Record.form_key == form.form_key,
            Record.deleted_at.is_(None),
        )
    )
    for record in live:
        _write_keys(db, form, record.id, record.data, replace=False)


def update_record(
    db: Session,
    *,
    record: Record,
    raw: Mapping[str, Any],
    expected_version: int | None,
    actor: User | None,
    now: datetime,
    locale: str = "zh-CN",
    via: str = "api",
    writable: set[str] | None = None,
    system: bool = False,
) -> Record:
    """Apply a partial update; a stale `expected_version` raises `Conflict` (409).

    `system`: an automation writes (it may set read-only fields, as a score).
    """
    if expected_version is not None and expected_version != record.version:
        raise Conflict(
            "stale_version",
            f"The record changed (version {record.version}, you had {expected_version}).",
            [Problem("stale_version", "The record was changed by someone else.", field="version")],
        )
    form = load_form(db, app_key=record.app_key, form_key=record.form_key)
    before = dict(record.data)
    data, problems = check_values(
        form.compiled,
        raw,
        existing=before,
        locale=locale,
        now=now,
        writable=writable,
        partial=True,
        system=system,
    )
    problems += _check_references(db, form, data, set(raw), locale)
    _raise_problems(problems)
    changes = _diff(before, data)
    if not changes:
        return record
    _check_rules(db, form, data, "update", actor.username if actor else None, now, locale)
    _store_update(db, record, form, data, now)
    if any(change["field"] in lookup_fields(form.doc) for change in changes):
        _write_keys(db, form, record.id, record.data, replace=True)
    if any(change["field"] in form.attachment_keys for change in changes):
        _write_file_links(db, form, record.id, record.data, replace=True)
    actor_id = actor.id if actor else None
    _audit(db, audit_row(record.id, "updated", actor_id, via, changes, now))
    payload = {"via": via, "changes": changes}
    events.emit_quietly(
        db, **event_fields(form, record.id, "record_updated", actor_id, payload, now)
    )
    return record


def _store_update(
    db: Session, record: Record, form: FormVersion, data: dict[str, Any], now: datetime
) -> None:
    """The versioned UPDATE: a concurrent change fails here (StaleDataError), as in the ORM."""
    values = {
        "data": data,
        "form_version": form.version,
        "owner_id": _owner_id(db, form, data),
        "updated_at": now,
    }
    store_versioned(db, record, _UPDATE_RECORD, values, id_param="record_id")


def delete_record(
    db: Session, *, record: Record, expected_version: int | None, actor: User | None, now: datetime
) -> None:
    """Soft delete: the record disappears from lists; its history stays."""
    if expected_version is not None and expected_version != record.version:
        raise Conflict("stale_version", "The record was changed by someone else.")
    record.deleted_at = now
    record.updated_at = now
    db.flush()
    db.execute(delete(RecordKey).where(RecordKey.record_id == record.id))
    actor_id = actor.id if actor else None
    _audit(db, audit_row(record.id, "deleted", actor_id, "api", [], now))
    deleted = event_fields(record, record.id, "record_deleted", actor_id, {"via": "api"}, now)
    events.emit_quietly(db, **deleted)


def get_record(db: Session, *, app_key: str, form_key: str, record_id: int) -> Record | None:
    record = db.get(Record, record_id)
    if (
        record is None
        or record.app_key != app_key
        or record.form_key != form_key
        or record.deleted_at is not None
    ):
        return None
    return record


def load_record(db: Session, *, app_key: str, form_key: str, record_id: int) -> Record:
    record = get_record(db, app_key=app_key, form_key=form_key, record_id=record_id)
    if record is None:
        raise NotFound("record_not_found", f"No record {record_id} in {app_key}/{form_key}.")
    return record


@dataclass(frozen=True, slots=True)
class Page:
    records: list[Record]
    next_cursor: str | None


def list_statement(
    dialect: str,
    *,
    form: FormVersion,
    condition: Mapping[str, Any] | None = None,
    sort: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> tuple[Select[Record], q.QueryBuilder]:
    """The SELECT behind one list page (limit + 1 rows, to know whether another page follows)."""
    fields = form.doc.get("fields", [])
    builder = q.QueryBuilder(form.field_types, dialect, q.numeric_fields(fields))
    expr, descending, _is_builtin = builder.order(sort)
    key = (sort or "-id").lstrip("-+")
    query = select(Record).where(
        # Inline literals (keys are slugs): SQLite uses a form's partial field indexes only
        # when it sees the very values their WHERE clause names.
        Record.app_key == bindparam("list_app", form.app_key, literal_execute=True),
        Record.form_key == bindparam("list_form", form.form_key, literal_execute=True),
        Record.deleted_at.is_(None),
    )
    if condition:
        query = query.where(builder.condition(condition))
    if cursor:
        value, last_id = q.decode_cursor(cursor)
        if key in ("created_at", "updated_at"):
            value = q.cursor_datetime(value)
        query = query.where(q.after_cursor(expr, descending, value, int(last_id)))
    ordering = [expr.desc() if descending else expr.asc()]
    if expr is not Record.id.expression:
        ordering.append(Record.id.desc() if descending else Record.id.asc())
    return query.order_by(*ordering).limit(max(1, min(limit, MAX_PAGE)) + 1), builder


def list_records(
    db: Session,
    *,
    form: FormVersion,
    condition: Mapping[str, Any] | None = None,
    sort: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page:
    """One page of live records matching `condition`, in `sort` order, after `cursor`."""
    limit = max(1, min(limit, MAX_PAGE))
    query, builder = list_statement(
        db.get_bind().dialect.name,
        form=form,
        condition=condition,
        sort=sort,
        limit=limit,
        cursor=cursor,
    )
    rows = list(db.scalars(query))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        key = (sort or "-id").lstrip("-+")
        value = (
            getattr(last, key)
            if key in q.BUILTIN_SORTS
            else q.sort_value(last.data.get(key), numeric=builder.is_numeric(key))
        )
        next_cursor = q.encode_cursor([value, last.id])
    return Page(rows, next_cursor)


def count_records(db: Session, *, app_key: str, form_key: str) -> int:
    return int(
        db.scalar(
            select(func.count(Record.id)).where(
                Record.app_key == app_key, Record.form_key == form_key, Record.deleted_at.is_(None)
            )
        )
        or 0
    )


def timeline(db: Session, *, record: Record) -> list[dict[str, Any]]:
    """Audit entries, newest first, with the actor's username."""
    rows = db.execute(
        select(RecordEvent, User.username)
        .outerjoin(User, User.id == RecordEvent.actor_id)
        .where(RecordEvent.record_id == record.id)
        .order_by(RecordEvent.id.desc())
    ).all()
    return [
        {
            "type": "audit",
            "kind": event.kind,
            "at": iso_utc(event.at),
            "actor": username,
            "via": event.via,
            "changes": event.changes,
        }
        for event, username in rows
    ]


def display(db: Session, *, record: Record, locale: str) -> dict[str, str]:
    """Each value as the field type formats it (¥1,234.50, 2026年11月22日, 138 0013 8000)."""
    form = load_form(db, app_key=record.app_key, form_key=record.form_key)
    out: dict[str, str] = {}
    for field in form.doc.get("fields", []):
        value = record.data.get(field["key"])
        if value in (None, "", []) or field_types.get(field["type"]) is None:
            continue
        out[field["key"]] = format_value(field, value, locale)
    return out
