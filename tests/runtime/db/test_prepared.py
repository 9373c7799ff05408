"""Prepared statements: same SQL, types and errors as Core, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from runtime.db.prepared import InsertMany, Prepared, pipelined
from runtime.definitions.models import Definition
from runtime.forms import public_service
from runtime.records.models import PublicSubmission, Record, RecordEvent, RecordKey

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
INSERT_RECORD = Prepared(insert(Record).returning(Record.id), columns=RECORD_COLUMNS)
BEIJING = timezone(timedelta(hours=8))


def record_values(**data: object) -> dict[str, object]:
    at = datetime(2026, 11, 22, 16, 30, tzinfo=BEIJING)
    return {
        "app_key": "crm",
        "form_key": "lead",
        "form_version": 1,
        "data": data,
        "owner_id": None,
        "created_by_id": None,
        "version": 1,
        "created_at": at,
        "updated_at": at,
        "deleted_at": None,
    }


def test_insert_returning_reads_back_through_the_orm_with_the_same_types(db: Session) -> None:
    record_id = INSERT_RECORD.scalar(db.connection(), record_values(name="张三", score=12))

    record = db.get_one(Record, record_id)
    assert record.data == {"name": "张三", "score": 12}
    # Written as UTC by the column type, read back aware.
    assert record.created_at == datetime(2026, 11, 22, 8, 30, tzinfo=UTC)
    assert record.created_at.tzinfo is not None


def test_select_applies_result_processors_and_statement_constants(db: Session) -> None:
    stamp = Prepared(
        select(Definition.key, Definition.version, Definition.created_at)
        .where(
            Definition.app_key == bindparam("app"),
            Definition.kind == "forms",  # a constant bound inside the statement
            Definition.status == "published",
        )
        .order_by(Definition.key, Definition.version.desc())
        .limit(1)
    )
    row = stamp.first(db.connection(), {"app": "crm"})
    core = db.execute(
        select(Definition.key, Definition.version, Definition.created_at)
        .where(
            Definition.app_key == "crm",
            Definition.kind == "forms",
            Definition.status == "published",
        )
        .order_by(Definition.key, Definition.version.desc())
        .limit(1)
    ).one()
    assert row == tuple(core)
    assert isinstance(row[2], datetime)
    assert row[2].tzinfo is not None
    assert stamp.first(db.connection(), {"app": "no_such_app"}) is None


def test_run_many_and_a_repeated_bind_name(db: Session) -> None:
    record_id = INSERT_RECORD.scalar(db.connection(), record_values(phone="13900000001"))
    keys = Prepared(
        insert(RecordKey), columns=("record_id", "app_key", "form_key", "field_key", "value")
    )
    keys.run_many(
        db.connection(),
        [
            {"record_id": record_id, "app_key": "crm", "form_key": "lead"}
            | {"field_key": field, "value": value}
            for field, value in (("phone", "13900000001"), ("email", "a@example.com"))
        ],
    )
    keys.run_many(db.connection(), [])  # nothing to write is not an error
    # One bind used twice in the statement.
    both = Prepared(
        select(func.count()).where(
            RecordKey.record_id == bindparam("id"), RecordKey.record_id >= bindparam("id")
        )
    )
    assert both.scalar(db.connection(), {"id": record_id}) == 2


def test_a_missing_value_is_an_error_not_a_null(db: Session) -> None:
    with pytest.raises(KeyError):
        INSERT_RECORD.scalar(db.connection(), {"app_key": "crm"})


def test_driver_errors_arrive_as_sqlalchemy_errors(db: Session) -> None:
    event = Prepared(
        insert(RecordEvent), columns=("record_id", "kind", "actor_id", "via", "changes", "at")
    )
    with pytest.raises(IntegrityError):
        # No record 999999: the foreign key refuses it (SQLite has foreign_keys=ON).
        event.run(
            db.connection(),
            {
                "record_id": 999_999,
                "kind": "created",
                "actor_id": None,
                "via": "api",
                "changes": [],
                "at": datetime(2026, 11, 22, tzinfo=UTC),
            },
        )


EVENT = Prepared(
    insert(RecordEvent), columns=("record_id", "kind", "actor_id", "via", "changes", "at")
)


def event_values(record_id: int) -> dict[str, object]:
    at = datetime(2026, 11, 22, tzinfo=UTC)
    return {
        "record_id": record_id,
        "kind": "created",
        "actor_id": None,
        "via": "api",
        "changes": [],
        "at": at,
    }


def test_pipelined_statements_are_all_written_and_a_row_read_inside_still_arrives(
    db: Session,
) -> None:
    conn = db.connection()
    with pipelined(conn):
        record_id = INSERT_RECORD.scalar(conn, record_values(name="甲"))
        EVENT.run(conn, event_values(record_id))
        EVENT.run(conn, event_values(record_id))
    db.commit()
    count = db.scalar(select(func.count()).where(RecordEvent.record_id == record_id))
    assert count == 2


def test_a_pipelined_statement_that_fails_raises_a_sqlalchemy_error_when_the_block_ends(
    db: Session,
) -> None:
    conn = db.connection()
    record_id = INSERT_RECORD.scalar(conn, record_values(name="乙"))

    def write_two() -> None:
        with pipelined(conn):
            EVENT.run(conn, event_values(record_id))
            EVENT.run(conn, event_values(999_999))  # no such record: the foreign key refuses it

    with pytest.raises(IntegrityError):
        write_two()
    db.rollback()
    assert db.scalar(select(func.count()).where(RecordEvent.record_id == record_id)) == 0


def test_an_insert_missing_a_defaulted_column_is_refused_when_compiled(db: Session) -> None:
    # `created_at` has a Python-side default that only Core's execution would fill in.
    partial = Prepared(
        insert(PublicSubmission),
        columns=("app_key", "form_key", "idempotency_key", "payload_sha256", "outcome"),
    )
    with pytest.raises(ValueError, match="every column that has a default"):
        partial.run(db.connection(), {})


def test_the_statement_that_opens_a_transaction_really_opens_it(seeded) -> None:
    # On PostgreSQL the first fetched statement goes out with BEGIN in one round trip; what it
    # and the statements after it write must still be one transaction that a rollback undoes.
    _url, engine = seeded
    count = Prepared(select(func.count()).select_from(Record))
    with engine.connect() as conn:
        before = count.scalar(conn, {})
        conn.rollback()
        transaction = conn.begin()  # as a Session's connection() does
        INSERT_RECORD.scalar(conn, record_values(name="丙"))
        assert count.scalar(conn, {}) == before + 1
        transaction.rollback()
        assert count.scalar(conn, {}) == before
        conn.rollback()


INSERT_RECORDS = InsertMany(Record, columns=RECORD_COLUMNS)


def test_insert_many_writes_every_row_with_the_column_types(db: Session) -> None:
    """One statement for all rows on PostgreSQL (arrays unnested), executemany elsewhere."""
    rows = [
        record_values(name="张三", score=12, quote='他说"好"'),
        {**record_values(), "data": {"tags": ["甲", "乙"]}, "owner_id": None},
        {**record_values(name="王五"), "deleted_at": datetime(2026, 11, 23, tzinfo=UTC)},
    ]
    before = db.scalar(select(func.max(Record.id))) or 0
    INSERT_RECORDS.run(db.connection(), rows)
    INSERT_RECORDS.run(db.connection(), [])  # nothing to write: no statement at all
    written = db.scalars(select(Record).where(Record.id > before).order_by(Record.id)).all()
    assert [r.data for r in written] == [
        {"name": "张三", "score": 12, "quote": '他说"好"'},
        {"tags": ["甲", "乙"]},
        {"name": "王五"},
    ]
    assert {r.created_at for r in written} == {datetime(2026, 11, 22, 8, 30, tzinfo=UTC)}
    assert [r.deleted_at for r in written] == [None, None, datetime(2026, 11, 23, tzinfo=UTC)]
    assert all(r.owner_id is None for r in written)


def test_insert_many_inside_a_pipeline_raises_a_sqlalchemy_error_when_the_block_ends(
    db: Session,
) -> None:
    submissions = InsertMany(PublicSubmission, columns=public_service.SUBMISSION_COLUMNS)
    row = {
        "app_key": "crm",
        "form_key": "lead",
        "idempotency_key": "twice-in-one-statement",
        "payload_sha256": "0" * 64,
        "record_id": None,
        "outcome": "created",
        "created_at": datetime(2026, 11, 22, tzinfo=UTC),
    }
    with pytest.raises(IntegrityError), pipelined(db.connection()):
        submissions.run(db.connection(), [row, row])
