"""Engine and session factory: SQLite in WAL mode with one connection per process. Shell."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000


def _sqlite_connect(
    dbapi_connection: Any, _record: Any, *, busy_timeout: int, autocheckpoint: bool
) -> None:
    # Let SQLAlchemy, not pysqlite, decide when transactions begin (see `_sqlite_begin`).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout)}")  # first: it governs the rest
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Statement and savepoint journals in memory, not in temporary files: each statement of a
    # grouped public submission runs inside a savepoint, and the file-backed journal cost a
    # fifth of every INSERT (bench/public_submit_bench.py).
    cursor.execute("PRAGMA temp_store=MEMORY")
    if not autocheckpoint:
        cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # Take the write lock up front so two processes never deadlock upgrading a read lock.
    # Straight on the driver's cursor: a Core execution here cost more than the BEGIN.
    cursor = connection.connection.cursor()
    try:
        cursor.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as error:  # raised as Core would (OperationalError: database is locked)
        raise exc.DBAPIError.instance(
            "BEGIN IMMEDIATE", (), error, sqlite3.Error, dialect=connection.dialect
        ) from error
    finally:
        cursor.close()


def make_engine(
    url: str, *, busy_timeout: int = BUSY_TIMEOUT_MS, autocheckpoint: bool = True
) -> Engine:
    """Create the engine for `url`.

    SQLite gets a single pooled connection: one writer per process. A pool of many writers on
    one SQLite file only turns into lock waits (p99 near 1 s under load), so requests queue for
    the connection instead, which is short because SQLite work is short. `busy_timeout` is how
    long a SQLite transaction waits for another connection's write lock (0: fail at once);
    without `autocheckpoint` its commits never copy the WAL back (see `WalCheckpointer`).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            poolclass=QueuePool,
            pool_size=1,
            max_overflow=0,
            pool_timeout=30,
            connect_args={"check_same_thread": False},
        )
        event.listen(
            engine,
            "connect",
            partial(_sqlite_connect, busy_timeout=busy_timeout, autocheckpoint=autocheckpoint),
        )
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = str(parsed.set(drivername="postgresql+psycopg"))
    # pool_recycle instead of pre-ping: a pre-ping is one more round trip per checkout.
    return create_engine(url, pool_size=10, max_overflow=10, pool_recycle=1800)


def make_loop_engine(url: str) -> Engine | None:
    """A second SQLite connection for work run on the event loop itself, or None.

    Short SQLite transactions cost less than handing them to a thread (~0.1–0.25 ms here), so
    the public submit runs on the loop. This connection never waits for the write lock (busy
    timeout 0): when another connection holds it, the caller retries on a thread with the
    ordinary engine, so the event loop is never blocked behind a lock. Its commits do not
    checkpoint either (a checkpoint's fsync stalled the loop for tens of ms); `WalCheckpointer`
    does that on a thread. PostgreSQL has none.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return make_engine(url, busy_timeout=0, autocheckpoint=False)


class WalCheckpointer:
    """Copies the SQLite WAL back into the database on a thread, for commits made on the loop.

    `committed(gate)` is called on the event loop after each loop commit; every `every` commits
    it runs one PASSIVE checkpoint on a worker thread with its own connection, unless one is
    still running. The checkpoint holds `gate` (the submissions' FIFO queue for the database):
    no loop commit lands while it copies, so it copies the whole WAL and the next commit starts
    the WAL file over. Without that pause a busy server's WAL was never complete at a commit's
    start and grew without end (300 MB after 3,000 submissions), each commit slower than the
    last. Submissions wait in the queue meanwhile; the event loop itself never waits.
    """

    def __init__(self, url: str, *, every: int = 100) -> None:
        self.url = url
        self.every = every
        self.runs = 0
        self.last: tuple[int, int, int] | None = None  # (busy, WAL frames, frames copied)
        self._pending = 0
        self._running = False
        self._task: asyncio.Task[None] | None = None

    def committed(self, gate: asyncio.Semaphore | None = None) -> None:
        self._pending += 1
        if self._pending < self.every or self._running:
            return
        self._pending = 0
        self._running = True
        self._task = asyncio.get_running_loop().create_task(self._run(gate))

    async def _run(self, gate: asyncio.Semaphore | None) -> None:
        loop = asyncio.get_running_loop()
        try:
            if gate is None:
                await loop.run_in_executor(None, self._checkpoint)
            else:
                async with gate:
                    await loop.run_in_executor(None, self._checkpoint)
        finally:
            self._running = False

    def _checkpoint(self) -> None:
        # The outer loop of a background job: a failure is logged and the next one retries.
        try:
            path = make_url(self.url).database or ""
            with closing(sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)) as conn:
                row = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            self.last = (int(row[0]), int(row[1]), int(row[2]))
            self.runs += 1
        except Exception:
            log.exception("WAL checkpoint of %s failed", self.url)


def is_lock_busy(error: BaseException) -> bool:
    """True when a SQLite statement failed because another connection holds the write lock."""
    orig = getattr(error, "orig", None)
    return isinstance(orig, sqlite3.OperationalError) and getattr(
        orig, "sqlite_errorcode", None
    ) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit on success, roll back on error."""
    with factory() as db:
        try:
            yield db
            db.commit()
        except BaseException:
            db.rollback()
            raise
