"""The run log: an automation's runs with their steps, and what automations did to a record. Shell.

A run is a flow instance; its steps are its trace rows read by `runsteps`. What started it comes
from `event_handlings` (an event, with its cause chain), `trigger_firings` (a time trigger) or
the parent instance (a subflow). The trace keeps a condition's verdict, not the values it read:
they are read from the record's audit trail as it was when the run started (decision 0008,
"Run log").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from runtime.automation import runsteps
from runtime.automation.models import Event, EventHandling, OutboxItem, TriggerFiring
from runtime.db.types import iso_utc
from runtime.definitions import store
from runtime.errors import InvalidInput, NotFound, Problem
from runtime.flows import service as flows
from runtime.flows.models import FlowInstance, FlowTrace
from runtime.flows.visibility import without_fields
from runtime.org.models import User
from runtime.records import query as record_query
from runtime.records import service as records
from runtime.records.models import Record, RecordEvent

STATUSES = (
    "new",
    "running",
    "returned",
    "approved",
    "rejected",
    "completed",
    "withdrawn",
    "failed",
)
MAX_PAGE = 200
CHAIN = 10  # causes followed back from the event that started a run
AUDIT_KIND = {"record_created": "created", "record_updated": "updated", "record_deleted": "deleted"}


@dataclass(frozen=True, slots=True)
class Audit:
    id: int
    kind: str
    at: datetime
    changes: list[dict[str, Any]]


# -- runs of one automation ------------------------------------------------------------------


def list_runs(
    db: Session,
    *,
    app_key: str,
    flow_key: str,
    viewer: User,
    status: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> dict[str, Any]:
    """One page of a flow's runs, newest first: `{"flow", "items", "next_cursor"}`."""
    store.load_app(db, app_key=app_key)
    if flow_key not in store.list_keys(db, app_key=app_key, kind="flows"):
        raise NotFound("flow_not_found", f"No flow {flow_key!r} in {app_key}.")
    if status is not None and status not in STATUSES:
        message = f"status is one of {', '.join(STATUSES)}."
        raise InvalidInput(
            "invalid_status", message, [Problem("invalid_status", message, "status")]
        )
    query = select(FlowInstance).where(
        FlowInstance.app_key == app_key, FlowInstance.flow_key == flow_key
    )
    if status is not None:
        query = query.where(FlowInstance.status == status)
    if cursor:
        query = query.where(FlowInstance.id < _cursor_id(cursor))
    rows = list(db.scalars(query.order_by(FlowInstance.id.desc()).limit(limit + 1)))
    page, more = rows[:limit], len(rows) > limit
    published = store.get_published(db, app_key=app_key, kind="flows", key=flow_key)
    return {
        "flow": {
            "app": app_key,
            "key": flow_key,
            "title": published.doc.get("title") if published else None,
            "trigger": published.doc.get("trigger") if published else None,
        },
        "items": summaries(db, instances=page, viewer=viewer),
        "next_cursor": record_query.encode_cursor([None, page[-1].id]) if more and page else None,
    }


def _cursor_id(cursor: str) -> int:
    _, last = record_query.decode_cursor(cursor)
    if type(last) is not int or last < 1:
        message = "The cursor is not valid."
        raise InvalidInput(
            "invalid_cursor", message, [Problem("invalid_cursor", message, "cursor")]
        )
    return last


def summaries(
    db: Session, *, instances: Sequence[FlowInstance], viewer: User
) -> list[dict[str, Any]]:
    """Each run in a line: record, status, times, what started it, steps, first error."""
    ids = [instance.id for instance in instances]
    starts = _starts(db, ids)
    errors = _errors(db, ids)
    refs = _record_refs(db, instances, viewer)
    return [
        {
            "id": instance.id,
            "app": instance.app_key,
            "flow": instance.flow_key,
            "flow_version": instance.flow_version,
            "status": instance.status,
            "record": refs.get(instance.record_id),
            "started_at": iso_utc(instance.created_at),
            "finished_at": iso_utc(instance.finished_at),
            "duration_ms": _ms(instance.created_at, instance.finished_at),
            **starts.get(instance.id, _started_otherwise(instance)),
            "steps": instance.trace_count,
            "error": errors.get(instance.id),
            "parent": instance.parent_id,
        }
        for instance in instances
    ]


def _ms(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return max(0, round((end - start).total_seconds() * 1000))


def _started_otherwise(instance: FlowInstance) -> dict[str, Any]:
    if instance.parent_id is not None:
        return {"started_by": "subflow", "event": None}
    by = "person" if instance.submitter_id is not None else "flow"
    return {"started_by": by, "event": None}


def _starts(db: Session, ids: list[int]) -> dict[int, dict[str, Any]]:
    """What started each run: an event's handling, else a time trigger's firing."""
    if not ids:
        return {}
    found: dict[int, dict[str, Any]] = {}
    rows = db.execute(
        select(EventHandling.instance_id, Event)
        .join(Event, Event.id == EventHandling.event_id)
        .where(EventHandling.instance_id.in_(ids))
    )
    for instance_id, event in rows:
        found[instance_id or 0] = {"started_by": "event", "event": event_ref(event)}
    firings = db.execute(
        select(TriggerFiring.instance_id, TriggerFiring.occurrence).where(
            TriggerFiring.instance_id.in_(ids)
        )
    )
    for instance_id, occurrence in firings:
        found.setdefault(
            instance_id or 0,
            {"started_by": "schedule", "event": None, "occurrence": occurrence},
        )
    return found


def event_ref(event: Event) -> dict[str, Any]:
    return {"id": event.id, "kind": event.kind, "depth": event.depth, "cause_id": event.cause_id}


def _errors(db: Session, ids: list[int]) -> dict[int, dict[str, Any]]:
    """Each run's first error: an error trace entry, else a failed outbox item (an incident)."""
    if not ids:
        return {}
    found: dict[int, dict[str, Any]] = {}
    rows = db.execute(
        select(FlowTrace.instance_id, FlowTrace.node, FlowTrace.data)
        .where(FlowTrace.instance_id.in_(ids), FlowTrace.kind == "error")
        .order_by(FlowTrace.instance_id, FlowTrace.seq)
    )
    for instance_id, node, data in rows:
        if instance_id not in found:
            result = data.get("result") if isinstance(data.get("result"), Mapping) else {}
            message = data.get("message") or result.get("error") or data.get("code")
            found[instance_id] = {"node": node, "code": data.get("code"), "message": message}
    failed = db.scalars(
        select(OutboxItem)
        .where(OutboxItem.instance_id.in_(ids), OutboxItem.status == "failed")
        .order_by(OutboxItem.id)
    )
    for item in failed:
        found.setdefault(
            int(item.instance_id or 0),
            {
                "node": (item.action_key or "").partition(":")[0] or None,
                "code": "outbox_failed",
                "message": item.last_error or "failed",
                "outbox_id": item.id,
            },
        )
    return found


def _record_refs(
    db: Session, instances: Sequence[FlowInstance], viewer: User
) -> dict[int, dict[str, Any]]:
    record_ids = sorted({instance.record_id for instance in instances})
    if not record_ids:
        return {}
    hidden = flows.hidden_fields_by_record(db, record_ids=record_ids, user=viewer)
    refs: dict[int, dict[str, Any]] = {}
    for record in db.scalars(select(Record).where(Record.id.in_(record_ids))):
        doc = _form_doc(db, record)
        visible = flows.without_hidden(record.data, hidden.get(record.id, set()))
        refs[record.id] = {
            "app": record.app_key,
            "form": record.form_key,
            "id": record.id,
            "title": records.title_of(doc, visible, record.id),
            "deleted": record.deleted_at is not None,
        }
    return refs


def _form_doc(db: Session, record: Record) -> Mapping[str, Any]:
    try:
        return records.load_form(db, app_key=record.app_key, form_key=record.form_key).doc
    except NotFound:  # the form was never published again after a change of key
        return {}


# -- one run ---------------------------------------------------------------------------------


def load_run(
    db: Session, *, instance_id: int, viewer: User, locale: str = "zh-CN"
) -> dict[str, Any]:
    """A run with its steps (input, output, error, time, ms since the previous step)."""
    instance = db.get(FlowInstance, instance_id)
    if instance is None:
        raise NotFound("run_not_found", f"No run {instance_id}.")
    run = summaries(db, instances=[instance], viewer=viewer)[0]
    doc = flows.definition_of(db, instance=instance)
    record = db.get(Record, instance.record_id)
    hidden = flows.hidden_fields(db, record_id=instance.record_id, user=viewer)
    rows = trace_rows(db, [instance.id]).get(instance.id, [])
    audits = audits_of(db, instance.record_id)
    anchor = _anchor_of(db, instance, audits)
    steps = run_steps(
        instance, doc, rows, record, audits, anchor, hidden=hidden, admin=viewer.is_admin
    )
    labels = field_labels(db, record)
    run.update(
        flow_title=doc.get("title"),
        trigger=trigger_view(instance, doc, record, audits, anchor, hidden),
        steps=steps,
        summary=runsteps.summary_lines(steps, locale=locale, labels=labels),
        chain=chain_of(db, run.get("event"), hidden),
        outbox=_outbox(db, instance.id, admin=viewer.is_admin),
        subflows=list(
            db.scalars(
                select(FlowInstance.id)
                .where(FlowInstance.parent_id == instance.id)
                .order_by(FlowInstance.id)
            )
        ),
        field_labels=labels,
    )
    return run


def trace_rows(db: Session, ids: list[int]) -> dict[int, list[FlowTrace]]:
    found: dict[int, list[FlowTrace]] = {}
    if not ids:
        return found
    rows = db.scalars(
        select(FlowTrace)
        .where(FlowTrace.instance_id.in_(ids))
        .order_by(FlowTrace.instance_id, FlowTrace.seq)
    )
    for row in rows:
        found.setdefault(row.instance_id, []).append(row)
    return found


def run_steps(
    instance: FlowInstance,
    doc: Mapping[str, Any],
    rows: Sequence[FlowTrace],
    record: Record | None,
    audits: Sequence[Audit],
    anchor: Audit | None,
    *,
    hidden: set[str],
    admin: bool,
) -> list[dict[str, Any]]:
    """The trace rows as steps, each with its time and the ms since the step before."""
    nodes = {str(n.get("id")): n for n in doc.get("nodes", [])}
    edges = {str(e.get("id")): e for e in doc.get("edges", [])}
    current = dict(record.data) if record is not None else {}
    seen: dict[str, Any] = {}
    seen_at: datetime | None = None
    params: dict[str, dict[str, Any]] = {}
    steps: list[dict[str, Any]] = []
    previous = instance.created_at
    for row in rows:
        if seen_at is None or row.at != seen_at:
            # A pass of the engine read the record as it was then (the first: when it started).
            first = seen_at is None
            seen = _as_of(current, audits, row.at, anchor if first else None)
            seen_at = row.at
        entry = {"seq": row.seq, "node": row.node, "kind": row.kind, "data": row.data}
        step = runsteps.build_step(
            entry,
            node=nodes.get(str(row.node)),
            edges=edges,
            seen=seen,
            params_by_key=params,
            admin=admin,
        )
        if step.get("effect") == "run_action":
            params[str(step.get("action_key"))] = {
                "action": step.get("action"),
                **dict(row.data.get("params") or {}),
            }
        elif step.get("effect") == "action_done":
            _apply_result(seen, row.data.get("result"), step.get("action"))
            used = params.get(str(step.get("action_key"))) or {}
            if runsteps.reads_hidden(used, hidden) and step["output"]:
                for name in runsteps.TEXT_RESULTS:
                    step["output"].pop(name, None)
        step = without_fields(step, hidden)
        step["at"] = iso_utc(row.at)
        step["ms"] = _ms(previous, row.at)
        previous = row.at
        steps.append(step)
    return steps


def trigger_view(
    instance: FlowInstance,
    doc: Mapping[str, Any],
    record: Record | None,
    audits: Sequence[Audit],
    anchor: Audit | None,
    hidden: set[str],
) -> dict[str, Any] | None:
    """The automation's trigger with the values its condition read when the run started."""
    trigger = doc.get("trigger")
    if not isinstance(trigger, Mapping):
        return None
    condition = trigger.get("condition")
    seen = _as_of(record.data if record else {}, audits, instance.created_at, anchor)
    fields = [f for f in runsteps.condition_fields(condition) if f not in hidden]
    return {**dict(trigger), "values": {field: seen.get(field) for field in fields}}


def _apply_result(seen: dict[str, Any], result: Any, action: Any) -> None:
    """What the run's own writes change in the record it reads from then on."""
    if not isinstance(result, Mapping):
        return
    if action == "update_fields" and isinstance(result.get("fields"), Mapping):
        seen.update(result["fields"])
    elif "assigned" in result and isinstance(result.get("field"), str):
        seen[result["field"]] = result["assigned"]
    elif "to" in result and isinstance(result.get("field"), str):
        seen[result["field"]] = result["to"]


def audits_of(db: Session, record_id: int) -> list[Audit]:
    rows = db.execute(
        select(RecordEvent.id, RecordEvent.kind, RecordEvent.at, RecordEvent.changes)
        .where(RecordEvent.record_id == record_id)
        .order_by(RecordEvent.id)
    )
    return [Audit(int(i), str(k), at, list(changes or [])) for i, k, at, changes in rows]


def _as_of(
    current: Mapping[str, Any], audits: Sequence[Audit], at: datetime, anchor: Audit | None
) -> dict[str, Any]:
    """The record as it was right after `anchor` (the change that started the run), or at `at`.

    Changes made later are undone from the current values, newest first. Without an anchor,
    changes made at the same moment count as made before.
    """
    data = dict(current)
    for audit in reversed(audits):
        later = audit.id > anchor.id if anchor is not None else audit.at > at
        if not later:
            break
        for change in audit.changes:
            if isinstance(change, Mapping) and "field" in change:
                data[str(change["field"])] = change.get("from")
    return data


def _anchor_of(db: Session, instance: FlowInstance, audits: Sequence[Audit]) -> Audit | None:
    """The audit entry of the change whose event started the run (None: not a change)."""
    event = db.scalar(
        select(Event)
        .join(EventHandling, EventHandling.event_id == Event.id)
        .where(EventHandling.instance_id == instance.id)
    )
    if event is None:
        return None
    return anchors_of(db, instance.record_id, audits).get(event.id)


def anchors_of(db: Session, record_id: int, audits: Sequence[Audit]) -> dict[int, Audit]:
    """Change events of a record paired with their audit entries.

    Both are written together, one each per change (records service), so the n-th change event
    is the n-th audit entry of a change kind.
    """
    events = db.execute(
        select(Event.id, Event.kind)
        .where(Event.record_id == record_id, Event.kind.in_(list(AUDIT_KIND)))
        .order_by(Event.id)
    ).all()
    changes = [audit for audit in audits if audit.kind in AUDIT_KIND.values()]
    if len(changes) != len(events):
        return {}  # history written another way (an import): no pairing rather than a wrong one
    return {
        int(event_id): audit
        for (event_id, kind), audit in zip(events, changes, strict=True)
        if AUDIT_KIND[kind] == audit.kind
    }


def chain_of(
    db: Session,
    start: Mapping[str, Any] | None,
    hidden: set[str],
    known: dict[int, list[dict[str, Any]]] | None = None,
) -> list[dict[str, Any]]:
    """The event that started a run and its causes, back to the change a person (or time) made.

    `known` keeps the chains already read (the runs of one record share their causes).
    """
    event_id = start.get("id") if start else None
    if event_id is None:
        return []
    cache = known if known is not None else {}
    if event_id not in cache:
        cache[event_id] = _read_chain(db, int(event_id), hidden)
    return cache[event_id]


def _read_chain(db: Session, event_id: int | None, hidden: set[str]) -> list[dict[str, Any]]:
    chain: list[dict[str, Any]] = []
    while event_id is not None and len(chain) < CHAIN:
        event = db.get(Event, event_id)
        if event is None:
            break
        actor = db.get(User, event.actor_id) if event.actor_id is not None else None
        payload = dict(event.payload)
        changes = [c for c in payload.pop("changes", None) or [] if c.get("field") not in hidden]
        chain.append(
            {
                **event_ref(event),
                "record_id": event.record_id,
                "form": event.form_key,
                "at": iso_utc(event.created_at),
                "actor": actor.username if actor else None,
                "via": payload.get("via"),
                "changes": changes,
                "handled_by": _handlers(db, event.id),
            }
        )
        event_id = event.cause_id
    return chain


def _handlers(db: Session, event_id: int) -> list[dict[str, Any]]:
    rows = db.scalars(
        select(EventHandling).where(EventHandling.event_id == event_id).order_by(EventHandling.id)
    )
    return [
        {
            "flow": h.handler.removeprefix("flow:"),
            "outcome": h.outcome,
            "instance_id": h.instance_id,
        }
        for h in rows
    ]


def _outbox(db: Session, instance_id: int, *, admin: bool) -> list[dict[str, Any]]:
    rows = db.scalars(
        select(OutboxItem).where(OutboxItem.instance_id == instance_id).order_by(OutboxItem.id)
    )
    return [
        {
            "id": item.id,
            "kind": item.kind,
            "action_key": item.action_key,
            "status": item.status,
            "attempts": item.attempts,
            "error": item.last_error if admin or item.status == "failed" else None,
            "created_at": iso_utc(item.created_at),
            "done_at": iso_utc(item.done_at),
        }
        for item in rows
    ]


def field_labels(db: Session, record: Record | None) -> dict[str, Any]:
    if record is None:
        return {}
    doc = _form_doc(db, record)
    return {f["key"]: f.get("label") for f in doc.get("fields", []) if "key" in f}
