"""The dispatcher: pending events → matching automations, each started once per event. Shell.

Delivery is at least once: an event stays `pending` until the transaction that handled it
commits. Handling is exactly once per (event, automation): the `event_handlings` row is written
first under a unique constraint, in the same transaction as the instance it starts.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, make_transient_to_detached

from runtime.automation import sequences
from runtime.automation.events import CAUSE
from runtime.automation.models import Event, EventHandling
from runtime.automation.triggers import trigger_types
from runtime.automation.triggers.base import Occurrence
from runtime.db.prepared import InsertIgnoring
from runtime.errors import FormworkError
from runtime.flows import service as flows
from runtime.org.models import User
from runtime.records.models import Record

log = logging.getLogger(__name__)

# The handling row, unless the (event, handler) pair has one: no id back then. One prepared
# statement instead of an ORM flush inside a savepoint (a sixth of starting an automation).
_INSERT_HANDLING = InsertIgnoring(
    EventHandling,
    conflict=("event_id", "handler"),
    columns=("event_id", "handler", "outcome", "instance_id", "detail", "at"),
    returning=EventHandling.id,
)

MAX_DEPTH = 8  # events caused by automations, caused by automations …: a loop beyond this stops
RETRYING = "retrying"  # a failed handling an operator retries: the next handling reuses its row


def dispatch(db: Session, *, now: datetime, limit: int = 100) -> int:
    """Handle up to `limit` pending events, oldest first; the number handled.

    PostgreSQL: `FOR UPDATE SKIP LOCKED`, so several dispatchers share the work. SQLite: the
    transaction holds the write lock, so there is one at a time.
    """
    query = select(Event).where(Event.status == "pending").order_by(Event.id).limit(limit)
    if db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    pending = list(db.scalars(query))
    published: dict[str, list[flows.PublishedFlow]] = {}  # per app, read once per batch
    for event in pending:
        handle(db, event, now=now, published=published)
    return len(pending)


def pending_event_ids(db: Session, *, limit: int = 100) -> list[int]:
    """The ids of the oldest pending events (what a scheduler hands to the workers)."""
    query = select(Event.id).where(Event.status == "pending").order_by(Event.id).limit(limit)
    return list(db.scalars(query))


def dispatch_one(db: Session, *, event_id: int, now: datetime) -> bool:
    """Handle one event if it is still pending (a worker's job); whether it was.

    The row is locked first (PostgreSQL: FOR UPDATE, so a second delivery of the same job waits
    and then finds it done; SQLite: the transaction's write lock), which makes the job
    idempotent. Events handled by different workers are not ordered among themselves.
    """
    query = select(Event).where(Event.id == event_id, Event.status == "pending")
    if db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    event = db.scalar(query)
    if event is None:
        return False
    handle(db, event, now=now)
    return True


def handle(
    db: Session,
    event: Event,
    *,
    now: datetime,
    published: dict[str, list[flows.PublishedFlow]] | None = None,
) -> list[EventHandling]:
    """Offer one event to the app's automations; mark it done. The handlings written.

    `published` caches each app's published flows across the events of one batch.
    """
    written: list[EventHandling] = []
    cache = published if published is not None else {}
    if event.app_key not in cache:
        cache[event.app_key] = flows.published_flows(db, app_key=event.app_key)
    automations = [
        flow
        for flow in cache[event.app_key]
        if isinstance(flow.doc.get("trigger"), dict) and flow.doc.get("form") == event.form_key
    ]
    record = db.get(Record, event.record_id) if event.record_id is not None else None
    if automations and record is not None:
        occurrence = Occurrence(
            kind=event.kind,
            form=event.form_key,
            record=dict(record.data),
            changes=tuple(event.payload.get("changes") or ()),
            payload=dict(event.payload),
        )
        actor = db.get(User, event.actor_id) if event.actor_id is not None else None
        for flow in automations:
            handling = _run_one(db, event, flow, occurrence, record, actor, now)
            if handling is not None:
                written.append(handling)
    event.status = "done"
    event.done_at = now
    db.flush()
    return written


def _run_one(
    db: Session,
    event: Event,
    flow: flows.PublishedFlow,
    occurrence: Occurrence,
    record: Record,
    actor: User | None,
    now: datetime,
) -> EventHandling | None:
    trigger: dict[str, Any] = flow.doc["trigger"]
    trigger_type = trigger_types.get(str(trigger.get("type")))
    if trigger_type is None or not trigger_type.matches(trigger, occurrence, now):
        return None
    handler = f"flow:{flow.key}"
    values: dict[str, Any] = {
        "event_id": event.id,
        "handler": handler,
        "outcome": "started",
        "instance_id": None,
        "detail": {},
        "at": now,
    }
    if event.depth >= MAX_DEPTH:
        values["outcome"] = "loop_guard"
        values["detail"] = {"depth": event.depth, "message": "the automation re-triggers itself"}
        log.warning("loop guard: event %s (depth %s) not for %s", event.id, event.depth, handler)
    connection = db.connection()
    handling_id = _INSERT_HANDLING.of(connection).scalar(connection, values)
    if handling_id is not None:
        handling = EventHandling(id=int(handling_id), **values)
        make_transient_to_detached(handling)
        db.add(handling)
    else:
        again = _retried(db, event.id, handler)
        if again is None:
            return None  # handled before (a redelivered event)
        # An operator asked to retry a failed start (incidents): the row is used again.
        again.outcome, again.detail, again.at = values["outcome"], values["detail"], now
        handling = again
        db.flush()
    if handling.outcome != "started":
        return handling
    db.info[CAUSE] = (event.id, event.depth)
    try:
        with db.begin_nested():  # a failing automation leaves no half-started instance
            instance, verdict = sequences.start(
                db, definition=flow, record=record, actor=actor, now=now
            )
        if instance is None:  # a sequence the record may not enter (again) now
            handling.outcome = "skipped"
            handling.detail = {"sequence": verdict.to_json() if verdict else {}}
            return handling
        handling.instance_id = instance.id
        handling.detail = {"status": instance.status, "version": flow.version}
        if verdict is not None:
            handling.detail["enrolment"] = verdict.number
    except FormworkError as error:
        handling.outcome = "failed"
        handling.detail = {"code": error.code, "message": error.message}
        log.warning("automation %s failed on event %s: %s", handler, event.id, error.message)
    finally:
        db.info.pop(CAUSE, None)
    return handling


def _retried(db: Session, event_id: int, handler: str) -> EventHandling | None:
    """The handling an operator put back for another try (outcome `retrying`), if any."""
    return db.scalar(
        select(EventHandling).where(
            EventHandling.event_id == event_id,
            EventHandling.handler == handler,
            EventHandling.outcome == RETRYING,
        )
    )
