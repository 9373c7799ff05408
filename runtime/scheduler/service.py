"""Fire due timers: each one becomes a `timer` event of its instance. Shell."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from runtime.errors import FormworkError
from runtime.flows import service as flows
from runtime.scheduler.models import Timer

log = logging.getLogger(__name__)


def fire_due(db: Session, *, now: datetime, limit: int = 500) -> int:
    """Fire up to `limit` timers due at `now`, oldest first; return how many fired.

    On PostgreSQL due rows are claimed with FOR UPDATE SKIP LOCKED, so several schedulers
    never fire one timer twice; SQLite has one writer anyway.
    """
    query = _due(now).limit(limit)
    if db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    fired = 0
    for timer in list(db.scalars(query)):
        _fire(db, timer, now)
        fired += 1
    db.flush()
    return fired


def due_timer_ids(db: Session, *, now: datetime, limit: int = 500) -> list[int]:
    """The ids of the timers due at `now`, oldest first (what a scheduler hands to workers)."""
    query = select(Timer.id).where(Timer.status == "pending", Timer.due_at <= now)
    return list(db.scalars(query.order_by(Timer.due_at, Timer.id).limit(limit)))


def fire_one(db: Session, *, timer_id: int, now: datetime) -> bool:
    """Fire one timer if it is still pending and due (a worker's job); whether it fired.

    The row is locked first (PostgreSQL: FOR UPDATE; SQLite: the write lock), so a second
    delivery of the same job finds it fired and does nothing.
    """
    query = _due(now).where(Timer.id == timer_id)
    if db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    timer = db.scalar(query)
    if timer is None:
        return False
    _fire(db, timer, now)
    db.flush()
    return True


def _due(now: datetime) -> Select[Timer]:
    return (
        select(Timer)
        .where(Timer.status == "pending", Timer.due_at <= now)
        .order_by(Timer.due_at, Timer.id)
    )


def _fire(db: Session, timer: Timer, now: datetime) -> None:
    timer.status = "fired"
    timer.fired_at = now
    try:
        with db.begin_nested():
            flows.handle_event(
                db,
                instance_id=timer.instance_id,
                event={"type": "timer", "key": timer.key},
                now=now,
            )
    except FormworkError as error:
        # The instance moved on (finished, or the timer no longer applies): the timer is
        # spent either way; the reason is logged with the ids.
        log.info(
            "timer refused by its instance",
            extra={"timer": timer.id, "instance": timer.instance_id, "error": error.code},
        )
