"""Engine and session factory: SQLite in WAL mode with one connection per process. Shell."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

BUSY_TIMEOUT_MS = 10_000


def _sqlite_connect(dbapi_connection: Any, _record: Any, *, busy_timeout: int) -> None:
    # Let SQLAlchemy, not pysqlite, decide when transactions begin (see `_sqlite_begin`).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout)}")  # first: it governs the rest
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
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


def make_engine(url: str, *, busy_timeout: int = BUSY_TIMEOUT_MS) -> Engine:
    """Create the engine for `url`.

    SQLite gets a single pooled connection: one writer per process. A pool of many writers on
    one SQLite file only turns into lock waits (p99 near 1 s under load), so requests queue for
    the connection instead, which is short because SQLite work is short. `busy_timeout` is how
    long a SQLite transaction waits for another connection's write lock (0: fail at once).
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
        event.listen(engine, "connect", partial(_sqlite_connect, busy_timeout=busy_timeout))
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
    ordinary engine, so the event loop is never blocked behind a lock. PostgreSQL has none.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return make_engine(url, busy_timeout=0)


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
