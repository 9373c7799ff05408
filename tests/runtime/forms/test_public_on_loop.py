"""The SQLite public submit on the event loop: its own connection, never waiting for a lock."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from builder.app import create_app
from runtime.db import migrate
from runtime.db.engine import make_engine
from runtime.records.models import Record
from runtime.settings import Settings
from tests.conftest import backends, fresh_url, seed

LEAD = {"name": "王五", "company": "锁测试公司", "phone": "13911112222"}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    url = f"sqlite:///{tmp_path / 'loop.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    seed(engine)
    engine.dispose()
    app = create_app(Settings(database_url=url, base_url="http://testserver"))
    assert app.state.loop_session_factory is not None  # SQLite files get the loop connection
    with TestClient(app) as client:
        yield client, str(tmp_path / "loop.db")
    app.state.engine.dispose()
    app.state.loop_session_factory.kw["bind"].dispose()


def lead_count(path: str) -> int:
    """Leads stored in the database at `path` (a SQLite file) or URL."""
    engine = make_engine(path if "://" in path else f"sqlite:///{path}")
    with Session(engine) as db:
        count = db.scalar(select(func.count()).select_from(Record).where(Record.form_key == "lead"))
    engine.dispose()
    return int(count or 0)


def test_a_submission_on_the_loop_is_stored_once(served: tuple[TestClient, str]) -> None:
    client, path = served
    before = lead_count(path)
    response = client.post("/f/crm/lead", json=LEAD)
    assert response.status_code == 201, response.text
    assert response.json()["outcome"] == "created"
    assert lead_count(path) == before + 1


def test_a_held_write_lock_sends_the_submission_to_a_thread(
    served: tuple[TestClient, str],
) -> None:
    client, path = served
    before = lead_count(path)
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # another process's writer, say
    result: dict[str, object] = {}

    def submit() -> None:
        response = client.post("/f/crm/lead", json=LEAD)
        result["status"] = response.status_code
        result["body"] = response.json()

    worker = threading.Thread(target=submit)
    worker.start()
    try:
        time.sleep(0.3)
        assert worker.is_alive()  # waiting for the lock …
        started = time.perf_counter()
        metrics = client.get("/metrics")  # … on a thread: the event loop still answers
        assert metrics.status_code == 200
        assert time.perf_counter() - started < 1.0
    finally:
        holder.execute("COMMIT")
        holder.close()
    worker.join(timeout=15)
    assert result["status"] == 201, result
    assert lead_count(path) == before + 1


def test_loop_commits_are_checkpointed_on_a_thread(served: tuple[TestClient, str]) -> None:
    client, _path = served
    app = client.app
    loop_engine = app.state.loop_session_factory.kw["bind"]  # type: ignore[attr-defined]
    with loop_engine.connect() as conn:
        # The loop's own commits never checkpoint (its fsync would stall the loop) …
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
    checkpointer = app.state.wal_checkpointer  # type: ignore[attr-defined]
    checkpointer.every = 2
    for i in range(4):
        response = client.post("/f/crm/lead", json={**LEAD, "phone": f"1391111{i:04d}"})
        assert response.status_code == 201
    deadline = time.monotonic() + 10
    while checkpointer.runs < 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    # … a worker thread does, and copies the whole WAL back.
    assert checkpointer.runs >= 1
    busy, frames, copied = checkpointer.last
    assert busy == 0
    assert frames > 0
    assert copied == frames


@pytest.mark.parametrize("backend", backends())
def test_submissions_arriving_together_share_a_transaction_and_keep_their_own_outcomes(
    tmp_path: Path, backend: str
) -> None:
    """Group commit: one transaction for the batch, yet each submission answers for itself."""
    url = fresh_url(backend, tmp_path, "batch")
    migrate.upgrade(url)
    engine = make_engine(url)
    seed(engine)
    engine.dispose()
    app = create_app(
        Settings(database_url=url, base_url="http://testserver", trusted_proxies=("127.0.0.1/32",))
    )
    before = lead_count(url)

    async def post_all() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:

            def post(i: int, body: dict[str, object], key: str | None = None) -> Any:
                headers = {"X-Forwarded-For": f"10.0.0.{i}"}
                if key:
                    headers["Idempotency-Key"] = key
                return client.post("/f/crm/lead", json=body, headers=headers)

            calls = [post(i, {**LEAD, "phone": f"1390000{i:04d}"}) for i in range(10)]
            calls.append(post(10, {**LEAD, "phone": "12345"}))  # not a phone number: refused
            calls += [
                post(11 + i, {**LEAD, "phone": "13977770000"}, key="same-key") for i in range(2)
            ]
            # A browser's form post with a bad value gets the form again, with the problem.
            calls.append(
                client.post(
                    "/f/crm/lead",
                    data={**LEAD, "phone": "12345"},
                    headers={"X-Forwarded-For": "10.0.0.13"},
                )
            )
            return list(await asyncio.gather(*calls))

    try:
        answers = asyncio.run(post_all())
    finally:
        app.state.engine.dispose()
        if app.state.loop_session_factory is not None:
            app.state.loop_session_factory.kw["bind"].dispose()
    statuses = [a.status_code for a in answers]
    assert statuses[:10] == [201] * 10, [a.text for a in answers]
    assert statuses[10] == 422
    assert answers[10].json()["errors"][0]["field"] == "phone"
    keyed = sorted(statuses[11:13])
    if backend == "sqlite" or keyed == [201, 201]:  # the second saw the first: the same record
        assert keyed == [201, 201]
        assert answers[11].json()["id"] == answers[12].json()["id"]  # one key → one record
    else:  # PostgreSQL, each in its own transaction at once: the second hears it is under way
        assert keyed == [201, 409]
        busy = next(a for a in answers[11:13] if a.status_code == 409)
        assert busy.json()["errors"][0]["code"] == "conflict"
    assert statuses[13] == 422
    assert "text/html" in answers[13].headers["content-type"]
    assert len({a.json()["id"] for a in answers[:10]}) == 10
    assert lead_count(url) == before + 11  # ten, plus the keyed one once; the refused one never
    totals = {name: value for name, (_help, value) in app.state.metrics.totals.items()}
    assert totals["formwork_public_submit_batched_total"] == 14
    transactions = totals["formwork_public_submit_transactions_total"]
    assert transactions < 14  # they arrived together: fewer transactions than submissions
