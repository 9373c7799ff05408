"""Incidents: background work that stopped and waits for an operator, and retrying it. Shell.

Kinds (each names the row it is about):
- `outbox`: an outbox item whose retries ran out, that was refused, or whose job never finished;
  while its flow waits at the node, a retry sends it again and the flow goes on when it succeeds.
- `event`: an event whose dispatch job never finished (delivery cap): retried, it is pending.
- `handling`: an automation that failed to start for an event: retried, that automation alone
  is offered the event again (the others handled it already).
- `timer`: a timer whose job never finished (delivery cap): retried, it fires when next due.
- `instance`: a flow instance that failed at an action (a failing `update_fields`, a refused
  call): retried, it runs that action again under the same key and goes on (`resume.py`).
  A refused call is listed once, as its outbox item; retrying the item resumes its flow.

A retry puts the row back to pending in the caller's transaction and marks it so the commit
wakes the in-process loop, or the server's hand-off to the workers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session

from runtime.automation import events, outbox, resume
from runtime.automation.models import Event, EventHandling, OutboxItem
from runtime.automation.service import RETRYING
from runtime.db.types import iso_utc
from runtime.errors import Conflict, NotFound
from runtime.flows import service as flows
from runtime.flows.models import FlowInstance
from runtime.flows.service import FINISHED
from runtime.scheduler.models import Timer

KINDS = ("outbox", "event", "handling", "timer", "instance")
CAPPED = "worker"  # the handler name of an event's delivery-cap verdict (event_handlings)


@dataclass(frozen=True, slots=True)
class Incident:
    kind: str
    id: int
    error: str
    attempts: int
    at: datetime | None
    retryable: bool
    detail: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "error": self.error,
            "attempts": self.attempts,
            "at": iso_utc(self.at),
            "retryable": self.retryable,
            **self.detail,
        }


def list_incidents(db: Session, *, kind: str | None = None, limit: int = 100) -> list[Incident]:
    """The incidents, newest first (at most `limit`)."""
    found: list[Incident] = []
    if kind in (None, "outbox"):
        found += _outbox_incidents(db, limit)
    if kind in (None, "event"):
        found += _event_incidents(db, limit)
    if kind in (None, "handling"):
        found += _handling_incidents(db, limit)
    if kind in (None, "timer"):
        found += _timer_incidents(db, limit)
    if kind in (None, "instance"):
        found += _instance_incidents(db, limit)
    found.sort(key=lambda incident: (incident.at is not None, incident.at), reverse=True)
    return found[:limit]


def _outbox_incidents(db: Session, limit: int) -> list[Incident]:
    rows = db.scalars(
        select(OutboxItem)
        .where(OutboxItem.status == "failed")
        .order_by(OutboxItem.done_at.desc(), OutboxItem.id.desc())
        .limit(limit)
    )
    return [
        Incident(
            "outbox",
            item.id,
            item.last_error or "failed",
            item.attempts,
            item.done_at,
            _can_retry(db, item),
            {
                "key": item.key,
                "action": item.kind,
                "instance_id": item.instance_id,
                "action_key": item.action_key,
            },
        )
        for item in rows
    ]


def _event_incidents(db: Session, limit: int) -> list[Incident]:
    rows = db.execute(
        select(Event, EventHandling)
        .join(
            EventHandling,
            (EventHandling.event_id == Event.id) & (EventHandling.handler == CAPPED),
            isouter=True,
        )
        .where(Event.status == "failed")
        .order_by(Event.id.desc())
        .limit(limit)
    )
    out = []
    for event, verdict in rows:
        detail = verdict.detail if verdict is not None else {}
        out.append(
            Incident(
                "event",
                event.id,
                str(detail.get("message", "failed")),
                int(detail.get("deliveries", 0)),
                event.done_at,
                True,
                {
                    "app": event.app_key,
                    "event": event.kind,
                    "form": event.form_key,
                    "record_id": event.record_id,
                },
            )
        )
    return out


def failed_handlings(limit: int) -> Select[EventHandling, Event]:
    """The automation starts that failed, newest first (ix_event_handlings_outcome)."""
    return (
        select(EventHandling, Event)
        .join(Event, Event.id == EventHandling.event_id)
        .where(EventHandling.outcome == "failed", EventHandling.handler != CAPPED)
        .order_by(EventHandling.id.desc())
        .limit(limit)
    )


def _handling_incidents(db: Session, limit: int) -> list[Incident]:
    rows = db.execute(failed_handlings(limit))
    return [
        Incident(
            "handling",
            handling.id,
            str(handling.detail.get("message", "failed")),
            1,
            handling.at,
            True,
            {
                "app": event.app_key,
                "handler": handling.handler,
                "event_id": event.id,
                "record_id": event.record_id,
                "code": handling.detail.get("code"),
            },
        )
        for handling, event in rows
    ]


def _timer_incidents(db: Session, limit: int) -> list[Incident]:
    rows = db.scalars(
        select(Timer).where(Timer.status == "failed").order_by(Timer.id.desc()).limit(limit)
    )
    out = []
    for timer in rows:
        incident = timer.payload.get("incident") or {}
        out.append(
            Incident(
                "timer",
                timer.id,
                str(incident.get("error", "failed")),
                int(incident.get("deliveries", 0)),
                timer.fired_at,
                True,
                {"instance_id": timer.instance_id, "key": timer.key},
            )
        )
    return out


def _instance_incidents(db: Session, limit: int) -> list[Incident]:
    rows = list(
        db.scalars(
            select(FlowInstance)
            .where(FlowInstance.status == "failed")
            .order_by(FlowInstance.finished_at.desc(), FlowInstance.id.desc())
            .limit(limit)
        )
    )
    steps = resume.failed_steps(db, [row.id for row in rows])
    # A refused call is listed as its outbox item (retrying that resumes the flow).
    as_items = {
        (instance_id, action_key)
        for instance_id, action_key in db.execute(
            select(OutboxItem.instance_id, OutboxItem.action_key).where(
                OutboxItem.instance_id.in_(list(steps)), OutboxItem.status == "failed"
            )
        )
    }
    out = []
    for instance in rows:
        step = steps.get(instance.id)
        if step is None or (instance.id, step.key) in as_items:
            continue
        node = flows.definition_of(db, instance=instance)
        action = next(
            (
                (n.get("config") or {}).get("action")
                for n in node.get("nodes") or ()
                if n.get("id") == step.node
            ),
            None,
        )
        detail = {
            "app": instance.app_key,
            "flow": instance.flow_key,
            "record_id": instance.record_id,
            "node": step.node,
            "action": action,
            "action_key": step.key,
        }
        if not step.resumable:
            detail["reason"] = "parallel_branches" if step.lost_branches else "not_recorded"
        out.append(
            Incident(
                "instance",
                instance.id,
                step.error,
                step.attempts,
                instance.finished_at,
                step.resumable,
                detail,
            )
        )
    return out


def _can_retry(db: Session, item: OutboxItem) -> bool:
    """A failed item can be sent again while its flow waits for it or failed because of it
    (it resumes); not once the flow has finished otherwise."""
    if item.instance_id is None or item.action_key is None:
        return True
    instance = db.get(FlowInstance, item.instance_id)
    if instance is None:
        return False
    return _retry_verdict(db, instance, item.action_key)[0]


def _retry_verdict(
    db: Session, instance: FlowInstance, action_key: str
) -> tuple[bool, resume.FailedStep | None]:
    """(may the item be sent again, the failed step it resumes when the flow failed there)."""
    if instance.status == "failed":
        step = resume.failed_steps(db, [instance.id]).get(instance.id)
        allowed = step is not None and step.key == action_key and step.resumable
        return allowed, step if allowed else None
    return instance.status not in FINISHED, None


def retry(
    db: Session, *, kind: str, incident_id: int, now: datetime, by: str | None = None
) -> dict[str, Any]:
    """Put a failed row back to pending, or resume a flow at its failed action (`by`: the
    operator, in the trace). Retrying one already back (pending, working, running) changes
    nothing; one that did not fail is a Conflict; an unknown one NotFound."""
    if kind == "outbox":
        status = _retry_outbox(db, incident_id, now, by)
    elif kind == "instance":
        status = _retry_instance(db, incident_id, now, by)
    elif kind == "event":
        status = _retry_event(db, incident_id)
    elif kind == "handling":
        status = _retry_handling(db, incident_id)
    elif kind == "timer":
        status = _retry_timer(db, incident_id)
    else:
        raise NotFound("incident_kind_not_found", f"No kind of incident {kind!r}.")
    db.info[events.WRITTEN] = True  # the commit wakes whoever runs the work
    return {"kind": kind, "id": incident_id, "status": status}


def _missing(kind: str, incident_id: int) -> NotFound:
    return NotFound("incident_not_found", f"No {kind} {incident_id}.")


def _not_failed(kind: str, incident_id: int, status: str) -> Conflict:
    return Conflict("not_failed", f"The {kind} {incident_id} is {status}, not failed.")


def _retry_outbox(db: Session, item_id: int, now: datetime, by: str | None) -> str:
    item = db.get(OutboxItem, item_id, with_for_update=_lock(db))
    if item is None:
        raise _missing("outbox item", item_id)
    if item.status in ("pending", "working"):
        return item.status
    if item.status != "failed":
        raise _not_failed("outbox item", item_id, item.status)
    instance = (
        db.get(FlowInstance, item.instance_id, with_for_update=_lock(db))
        if item.instance_id is not None and item.action_key is not None
        else None
    )
    if instance is not None and item.action_key is not None:
        allowed, step = _retry_verdict(db, instance, item.action_key)
        if allowed:
            node = resume.waiting_node(instance, item.action_key)
            if step is not None:  # the call was refused and failed its node
                resume.resume(db, instance=instance, step=step, by=by, now=now)
                return item.status
            resume.reopen(item, now)
            if node is not None:  # the flow waits at the node: the trace shows the retry
                resume.rerun_waiting(
                    db, instance=instance, node=node, key=item.action_key, by=by, now=now
                )
            return item.status
    if instance is not None:
        raise Conflict(
            "flow_finished",
            f"The flow that waited for outbox item {item_id} has finished; sending it again "
            "would change nothing there.",
        )
    resume.reopen(item, now)
    return item.status


def _retry_instance(db: Session, instance_id: int, now: datetime, by: str | None) -> str:
    instance = db.get(FlowInstance, instance_id, with_for_update=_lock(db))
    if instance is None:
        raise _missing("flow instance", instance_id)
    step = resume.failed_steps(db, [instance.id]).get(instance.id)
    if instance.status != "failed":
        if step is not None and resume.retried_since(db, instance_id=instance.id, seq=step.seq):
            return instance.status  # retried already: it runs (or ended) on its own
        raise _not_failed("flow instance", instance_id, instance.status)
    if step is None:
        raise Conflict(
            "not_resumable",
            f"Flow instance {instance_id} did not fail at an action; there is no step to retry.",
        )
    if not step.resumable:
        why = (
            "other branches held tasks or timers that ended with it"
            if step.lost_branches
            else "its failure was recorded before retries were possible"
        )
        raise Conflict("not_resumable", f"Flow instance {instance_id} cannot resume: {why}.")
    return resume.resume(db, instance=instance, step=step, by=by, now=now)


def _retry_event(db: Session, event_id: int) -> str:
    event = db.get(Event, event_id, with_for_update=_lock(db))
    if event is None:
        raise _missing("event", event_id)
    if event.status == "pending":
        return event.status
    if event.status != "failed":
        raise _not_failed("event", event_id, event.status)
    db.execute(
        delete(EventHandling).where(
            EventHandling.event_id == event_id, EventHandling.handler == CAPPED
        )
    )
    event.status, event.done_at = "pending", None
    return event.status


def _retry_handling(db: Session, handling_id: int) -> str:
    handling = db.get(EventHandling, handling_id, with_for_update=_lock(db))
    if handling is None or handling.handler == CAPPED:
        raise _missing("handling", handling_id)
    if handling.outcome == RETRYING:
        return handling.outcome
    if handling.outcome != "failed":
        raise _not_failed("handling", handling_id, handling.outcome)
    event = db.get(Event, handling.event_id, with_for_update=_lock(db))
    if event is None:  # pragma: no cover - the foreign key cascades
        raise _missing("handling", handling_id)
    handling.outcome = RETRYING
    if event.status == "failed":  # its dispatch job was given up too
        _retry_event(db, event.id)
    event.status, event.done_at = "pending", None
    return handling.outcome


def _retry_timer(db: Session, timer_id: int) -> str:
    timer = db.get(Timer, timer_id, with_for_update=_lock(db))
    if timer is None:
        raise _missing("timer", timer_id)
    if timer.status == "pending":
        return timer.status
    if timer.status != "failed":
        raise _not_failed("timer", timer_id, timer.status)
    timer.status, timer.fired_at = "pending", None
    timer.payload = {k: v for k, v in timer.payload.items() if k != "incident"}
    return timer.status


def _lock(db: Session) -> bool:
    return db.get_bind().dialect.name == "postgresql"


def give_up(db: Session, *, kind: str, row_id: int, deliveries: int, now: datetime) -> bool:
    """The job for a row was delivered `deliveries` times and never finished: record the row
    as an incident instead of running it again. False when the row is no longer to do."""
    error = (
        f"its job was delivered {deliveries} times and never finished "
        "(the worker died or the time limit stopped it)"
    )
    if kind == "outbox":
        item = db.get(OutboxItem, row_id, with_for_update=_lock(db))
        if item is None or item.status not in ("pending", "working"):
            return False
        item.attempts = max(item.attempts, deliveries)
        outbox.give_up(item, error=error, now=now)
        return True
    if kind == "event":
        event = db.get(Event, row_id, with_for_update=_lock(db))
        if event is None or event.status != "pending":
            return False
        event.status, event.done_at = "failed", now
        detail = {"code": "delivery_cap", "message": error, "deliveries": deliveries}
        db.add(
            EventHandling(
                event_id=event.id, handler=CAPPED, outcome="failed", detail=detail, at=now
            )
        )
        return True
    if kind == "timer":
        timer = db.get(Timer, row_id, with_for_update=_lock(db))
        if timer is None or timer.status != "pending":
            return False
        timer.status, timer.fired_at = "failed", now
        timer.payload = {
            **timer.payload,
            "incident": {"error": error, "deliveries": deliveries, "at": iso_utc(now)},
        }
        return True
    raise ValueError(f"no job kind {kind!r}")
