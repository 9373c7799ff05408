"""Writing events in the transaction of the change they describe (the outbox). Shell."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypedDict, Unpack

from sqlalchemy import event, insert
from sqlalchemy.orm import Session

from runtime.automation.models import Event
from runtime.db.prepared import InsertMany, Prepared

log = logging.getLogger(__name__)

CAUSE = "automation_cause"  # Session.info key: (event id, depth) while an event is handled
WRITTEN = "automation_events_written"  # Session.info key: this transaction wrote events
_WAKERS: list[Callable[[], None]] = []
_LOCAL = threading.local()
_EVENT_COLUMNS = (
    "app_key",
    "kind",
    "form_key",
    "record_id",
    "actor_id",
    "payload",
    "cause_id",
    "depth",
    "status",
    "created_at",
)
_INSERT_EVENT = Prepared(insert(Event).returning(Event.id), columns=_EVENT_COLUMNS)
# Without RETURNING: a writer that does not need the id lets the statement be pipelined.
_INSERT_EVENT_QUIETLY = Prepared(insert(Event), columns=_EVENT_COLUMNS)
_INSERT_EVENTS = InsertMany(Event, columns=_EVENT_COLUMNS)


class EventFields(TypedDict):
    """What a writer says of an event (its cause, depth and status are filled in here)."""

    app_key: str
    kind: str
    form_key: str | None
    record_id: int | None
    actor_id: int | None
    payload: Mapping[str, Any]
    now: datetime


def emit(db: Session, **fields: Unpack[EventFields]) -> int:
    """Write one pending event (its id); inside an automation it records its cause."""
    return int(_INSERT_EVENT.scalar(db.connection(), _event_values(db, fields)))


def emit_quietly(db: Session, **fields: Unpack[EventFields]) -> None:
    """`emit` for a writer that does not need the id (its statement can be pipelined)."""
    _INSERT_EVENT_QUIETLY.run(db.connection(), _event_values(db, fields))


def emit_many_quietly(db: Session, batch: Sequence[EventFields]) -> None:
    """`emit_quietly` for several events, in one statement."""
    _INSERT_EVENTS.run(db.connection(), [_event_values(db, f) for f in batch])


def _event_values(db: Session, fields: EventFields) -> dict[str, Any]:
    db.info[WRITTEN] = True
    cause = db.info.get(CAUSE)
    cause_id, depth = (cause[0], cause[1] + 1) if cause else (None, 0)
    return {
        "app_key": fields["app_key"],
        "kind": fields["kind"],
        "form_key": fields["form_key"],
        "record_id": fields["record_id"],
        "actor_id": fields["actor_id"],
        "payload": dict(fields["payload"]),
        "cause_id": cause_id,
        "depth": depth,
        "status": "pending",
        "created_at": fields["now"],
    }


def on_commit(waker: Callable[[], None]) -> Callable[[], None]:
    """Call `waker` after every commit that wrote events; returns the unsubscribe function.

    The background loop subscribes, so an event is handled right after its change commits
    instead of at the next poll.
    """
    _WAKERS.append(waker)
    return lambda: _WAKERS.remove(waker) if waker in _WAKERS else None


@contextmanager
def no_wake() -> Iterator[None]:
    """Commits in this thread wake nobody (the background pass handles what it causes itself)."""
    _LOCAL.quiet = True
    try:
        yield
    finally:
        _LOCAL.quiet = False


@event.listens_for(Session, "after_commit")
def _wake(session: Session) -> None:
    if session.info.pop(WRITTEN, False) and not getattr(_LOCAL, "quiet", False):
        for waker in list(_WAKERS):
            waker()


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(WRITTEN, None)


class CommitWoken(threading.Thread):
    """A daemon thread that runs `work()` at once when a commit in this process wrote events,
    and every `interval` seconds (None: only when woken). Subclasses define `work`.

    The outer loop of a background job: a failed `work()` is logged; the next one retries.
    """

    def __init__(self, name: str, *, interval: float | None, at_start: bool = False) -> None:
        super().__init__(name=name, daemon=True)
        self.interval = interval
        self.stopping = threading.Event()
        self.wake = threading.Event()
        self.passes = 0
        self._unsubscribe = on_commit(self.wake.set)
        if at_start:
            self.wake.set()  # one pass at once: whatever was left pending

    def work(self) -> None:
        raise NotImplementedError

    def run(self) -> None:
        while not self.stopping.is_set():
            self.wake.wait(self.interval)
            self.wake.clear()
            if self.stopping.is_set():
                break
            try:
                self.work()
            except Exception:
                log.exception("%s: pass failed", self.name)
            self.passes += 1

    def stop(self) -> None:
        self._unsubscribe()
        self.stopping.set()
        self.wake.set()
        self.join(timeout=10)
