"""A savepoint on the driver's cursor, for loops that run one step per item. Shell."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from runtime.db import generations


@contextmanager
def savepoint(db: Session) -> Iterator[None]:
    """`Session.begin_nested` for a batch loop, without Core's per-statement machinery.

    A batch that fires a hundred timers, or writes a hundred submissions, each in a savepoint
    of its own spent a quarter of its time in SAVEPOINT and RELEASE run through Core. Here they
    go straight to the driver's cursor. Pending changes are flushed before the savepoint and
    at its end; when the block raises, the savepoint is rolled back, the session forgets every
    object (one may hold a value that was just undone: the next read loads it again) and what
    the transaction remembered (`generations.forget`), and the error propagates.
    """
    db.flush()
    connection = db.connection()
    cursor = connection.connection.cursor()
    cursor.execute("SAVEPOINT fw_step")
    try:
        yield
        db.flush()
    except BaseException:
        cursor.execute("ROLLBACK TO SAVEPOINT fw_step")
        db.expunge_all()
        generations.forget(connection)
        raise
    finally:
        cursor.execute("RELEASE SAVEPOINT fw_step")
        cursor.close()
