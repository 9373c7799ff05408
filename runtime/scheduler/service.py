"""Fire due timers: each one becomes a `timer` event of its instance. Shell."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
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
    query = (
        select(Timer)
        .where(Timer.status == "pending", Timer.due_at <= now)
        .order_by(Timer.due_at, Timer.id)
        .limit(limit)
    )
    if db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    fired = 0
    for timer in list(db.scalars(query)):
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
        fired += 1
    db.flush()
    return fired
