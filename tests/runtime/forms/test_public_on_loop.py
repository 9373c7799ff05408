"""The SQLite public submit on the event loop: its own connection, never waiting for a lock."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from builder.app import create_app
from runtime.db import migrate
from runtime.db.engine import make_engine
from runtime.records.models import Record
from runtime.settings import Settings
from tests.conftest import seed

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
    engine = make_engine(f"sqlite:///{path}")
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
