"""A savepoint on the driver's cursor: what it keeps, what it undoes, what the session forgets."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from runtime.db import generations
from runtime.db.savepoints import savepoint
from runtime.org.models import Department


def _department(db: Session, code: str) -> Department | None:
    return db.scalar(select(Department).where(Department.code == code))


def test_a_block_that_succeeds_keeps_its_writes(db: Session) -> None:
    with savepoint(db):
        db.add(Department(code="sp_kept", name="保留"))
    assert _department(db, "sp_kept") is not None


def test_a_block_that_fails_undoes_only_its_own_writes_and_the_session_forgets(
    db: Session,
) -> None:
    db.add(Department(code="sp_before", name="之前"))
    memo = generations.transaction_memo(db.connection(), "test")
    memo["seen"] = 1
    with pytest.raises(ZeroDivisionError):
        _fail_after_writing(db)
    assert _department(db, "sp_before") is not None  # flushed before the savepoint: kept
    assert _department(db, "sp_undone") is None
    assert generations.transaction_memo(db.connection(), "test") == {}  # read it again
    with savepoint(db):  # the transaction carries on
        db.add(Department(code="sp_after", name="之后"))
    assert _department(db, "sp_after") is not None


def test_a_transaction_memo_lasts_for_its_transaction_only(db: Session) -> None:
    memo = generations.transaction_memo(db.connection(), "test")
    memo["a"] = 1
    assert generations.transaction_memo(db.connection(), "test") == {"a": 1}
    assert generations.transaction_memo(db.connection(), "other") == {}


def _fail_after_writing(db: Session) -> None:
    with savepoint(db):
        db.add(Department(code="sp_undone", name="撤销"))
        db.flush()
        raise ZeroDivisionError
