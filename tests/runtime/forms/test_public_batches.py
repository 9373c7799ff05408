"""PostgreSQL public submit batches: new records written together, the rest one by one."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session
from starlette.requests import Request

from builder.app import create_app
from runtime.automation.models import Event
from runtime.db import migrate
from runtime.db.engine import make_engine
from runtime.errors import InvalidInput
from runtime.forms import public_api, public_service
from runtime.records import service as records
from runtime.records.models import PublicSubmission, Record, RecordEvent, RecordKey
from runtime.settings import Settings
from tests.conftest import backends, fresh_url, seed

# CI fails without PostgreSQL (tests.conftest.backends), so this never skips there.
pytestmark = pytest.mark.skipif(
    "postgresql" not in backends(), reason="PostgreSQL is not configured"
)
NOW = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    url = fresh_url("postgresql", tmp_path_factory.mktemp("batches"), "batches")
    migrate.upgrade(url)
    made = make_engine(url)
    seed(made)
    yield made
    made.dispose()


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session whose work is rolled back after the test."""
    with engine.connect() as conn:
        outer = conn.begin()
        with Session(bind=conn, join_transaction_mode="create_savepoint") as session:
            yield session
        outer.rollback()


def lead(i: int, **extra: Any) -> dict[str, Any]:
    return {"name": f"批量{i}", "company": "批量公司", "phone": f"1370000{i:04d}", **extra}


def check(db: Session, raw: dict[str, Any], key: str | None = None) -> public_service.Draft:
    form = records.load_form(db, app_key="crm", form_key="lead")
    checked = public_service.check(
        db, form=form, raw=raw, idempotency_key=key, locale="zh-CN", now=NOW
    )
    assert isinstance(checked, public_service.Draft)
    return checked


def written(db: Session, record_id: int) -> dict[str, Any]:
    """Everything a new record wrote, without ids and the values that differ between leads."""
    record = db.get(Record, record_id)
    assert record is not None
    audit = db.scalars(select(RecordEvent).where(RecordEvent.record_id == record_id)).all()
    keys = db.scalars(select(RecordKey).where(RecordKey.record_id == record_id)).all()
    emitted = db.scalars(select(Event).where(Event.record_id == record_id)).all()
    return {
        "record": (record.app_key, record.form_key, record.form_version, record.version),
        "fields": sorted(record.data),
        "owner": record.owner_id,
        "times": (record.created_at, record.updated_at, record.deleted_at),
        "audit": [(a.kind, a.via, a.actor_id, [c["field"] for c in a.changes]) for a in audit],
        "keys": sorted(k.field_key for k in keys),
        "events": [(e.kind, e.payload, e.status, e.depth, e.cause_id) for e in emitted],
    }


def test_a_batch_writes_each_new_record_as_one_at_a_time_would(db: Session) -> None:
    alone = public_service.store(db, check(db, lead(1, email="one@example.com")))
    drafts = [check(db, lead(i, email=f"b{i}@example.com")) for i in (2, 3, 4)]
    together = public_service.store_many(db, drafts)
    assert [o.outcome for o in together] == ["created"] * 3
    ids = [o.record_id for o in together]
    assert all(isinstance(i, int) for i in ids)
    assert ids == sorted(ids)
    assert alone.record_id is not None
    assert alone.record_id < ids[0]
    expected = written(db, alone.record_id)
    assert expected["keys"] == ["email", "phone"]
    assert expected["events"] == [("record_created", {"via": "public_form"}, "pending", 0, None)]
    for record_id, draft in zip(ids, drafts, strict=True):
        assert record_id is not None
        assert written(db, record_id) == expected
        stored = db.get(Record, record_id)
        assert stored is not None
        assert stored.data == draft.data
        assert stored.data["phone"] == draft.data["phone"]
    # The batch's records are found as duplicates like any other.
    found = records.find_by_keys(db, form=drafts[1].form, data={"phone": drafts[1].data["phone"]})
    assert found is not None
    assert found.id == ids[1]


def test_the_batch_stops_at_the_first_duplicate_and_leaves_the_rest(db: Session) -> None:
    existing = public_service.store(db, check(db, lead(10)))
    drafts = [
        check(db, lead(11)),
        check(db, lead(12)),
        check(db, lead(10, city="上海")),  # the lead form updates duplicates: not a creation
        check(db, lead(13)),
    ]
    stored = public_service.store_many(db, drafts)
    assert [o.outcome for o in stored] == ["created", "created"]
    # What is left goes one by one, in order, and sees the records stored before it.
    rest = [public_service.store(db, draft) for draft in drafts[len(stored) :]]
    assert [(o.outcome, o.record_id) for o in rest[:1]] == [("updated", existing.record_id)]
    assert rest[1].outcome == "created"


def test_a_duplicate_inside_the_batch_and_a_repeated_key_are_left_to_go_one_by_one(
    db: Session,
) -> None:
    same_phone = public_service.store_many(db, [check(db, lead(20)), check(db, lead(20))])
    assert [o.outcome for o in same_phone] == ["created"]
    keyed = [check(db, lead(21), key="k-21"), check(db, lead(22), key="k-21")]
    assert [o.outcome for o in public_service.store_many(db, keyed)] == ["created"]
    logged = db.scalars(
        select(PublicSubmission).where(PublicSubmission.idempotency_key == "k-21")
    ).all()
    assert [(row.outcome, row.payload_sha256) for row in logged] == [("created", keyed[0].digest)]
    # Checked again, the second one hears its key was used with another payload.
    with pytest.raises(InvalidInput) as refused:
        check(db, lead(22), key="k-21")
    assert refused.value.code == "idempotency_key_reused"


def request_for(app: Any, body: bytes, *, visitor: str, key: str | None = None) -> Request:
    headers = [(b"content-type", b"application/json"), (b"x-forwarded-for", visitor.encode())]
    if key:
        headers.append((b"idempotency-key", key.encode()))
    scope = {
        "type": "http",
        "app": app,
        "method": "POST",
        "path": "/f/crm/lead",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 40000),
        "server": ("testserver", 80),
        "scheme": "http",
        "path_params": {"app": "crm", "form": "lead"},
    }
    return Request(scope)


def test_a_key_stored_meanwhile_by_another_transaction_sends_the_batch_one_by_one(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """The batch's INSERT meets the unique key another transaction committed while it waited:
    the batch runs again one submission at a time, and each answers for itself."""
    url = engine.url.render_as_string(hide_password=False)
    app = create_app(
        Settings(database_url=url, base_url="http://testserver", trusted_proxies=("127.0.0.1/32",))
    )
    try:
        before = _count(engine, Record)
        holder = engine.connect()
        holder.begin()
        holder.execute(
            insert(PublicSubmission).values(
                app_key="crm",
                form_key="lead",
                idempotency_key="race-key",
                payload_sha256="0" * 64,
                record_id=None,
                outcome="created",
                created_at=NOW,
            )
        )
        items = [
            public_api._Item(
                request_for(app, body, visitor=f"10.9.0.{i}", key=key),
                "crm",
                "lead",
                body,
                True,
                "zh-CN",
                False,
            )
            for i, (body, key) in enumerate(
                [
                    (json.dumps(lead(31)).encode(), None),
                    (json.dumps(lead(32)).encode(), "race-key"),
                ]
            )
        ]
        threading.Timer(0.5, holder.commit).start()  # while the batch waits on the key's lock
        started = time.monotonic()
        with caplog.at_level(logging.INFO, logger="runtime.forms.public_api"):
            outcomes = public_api._run_set_batch(app.state.session_factory, items)
        assert "runs again one by one" in caplog.text  # the batch's INSERT met the key
        assert time.monotonic() - started >= 0.4  # it waited for the other transaction
        holder.close()
        assert isinstance(outcomes[0], public_api.Response)
        assert outcomes[0].status_code == 201
        assert isinstance(outcomes[1], InvalidInput)
        assert outcomes[1].code == "idempotency_key_reused"
        assert _count(engine, Record) == before + 1  # the new lead once; the keyed one never
    finally:
        app.state.engine.dispose()
        with engine.begin() as conn:
            conn.execute(
                PublicSubmission.__table__.delete().where(
                    PublicSubmission.idempotency_key == "race-key"
                )
            )


def _count(engine: Engine, model: Any) -> int:
    with Session(engine) as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)
