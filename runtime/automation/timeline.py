"""Automation items of a record's timeline, interleaved with its audit entries. Shell.

What each run did on the record (from the run log), and the automations that did not start for
one of its changes (loop guard, failed start), placed next to the change that caused them
(decision 0008, "Run log").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from runtime.automation import runlog, runsteps
from runtime.automation.models import Event, EventHandling
from runtime.db.types import iso_utc
from runtime.flows import service as flows
from runtime.flows.models import FlowInstance
from runtime.org.models import User
from runtime.records import service as records
from runtime.records.models import Record

RECORD_RUNS = 100  # the newest runs a record's timeline shows
INCIDENTS = ("loop_guard", "failed")  # handlings that started nothing and must be seen


def record_timeline(
    db: Session, *, record: Record, viewer: User, locale: str = "zh-CN"
) -> list[dict[str, Any]]:
    """Audit entries and automation entries interleaved, newest first; hidden fields hidden.

    Audit items keep their shape (`records.timeline`); automation items have `"type":
    "automation"` and `kind` `run` (a flow instance: what each node did, the values its
    conditions read, the event chain) or an incident (`loop_guard`, `failed`: an automation
    that did not start for a change of this record).
    """
    hidden = flows.hidden_fields(db, record_id=record.id, user=viewer)
    audits = runlog.audits_of(db, record.id)
    anchors = runlog.anchors_of(db, record.id, audits)
    keyed: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    audit_items = records.timeline(db, record=record)  # newest first, as `audits` reversed
    if len(audit_items) == len(audits):
        for audit, item in zip(reversed(audits), audit_items, strict=True):
            keyed += [((audit.at, 0, audit.id, 0, 0), kept) for kept in _visible(item, hidden)]
    else:  # written meanwhile by someone else: order by time alone
        for item in audit_items:
            keyed += [((_parse(item["at"]), 0, 0, 0, 0), kept) for kept in _visible(item, hidden)]
    chains: dict[int, list[dict[str, Any]]] = {}
    keyed += _run_items(db, record, viewer, audits, anchors, hidden, locale, chains)
    keyed += _incident_items(db, record, anchors, hidden, chains)
    keyed.sort(key=lambda pair: pair[0], reverse=True)
    return [item for _, item in keyed]


def _visible(item: dict[str, Any], hidden: set[str]) -> list[dict[str, Any]]:
    """The audit item without hidden fields' changes; none when it changed only those."""
    return flows.timeline_without_hidden([item], hidden)


def _parse(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def _place(at: datetime, anchor: runlog.Audit | None, rank: int) -> tuple[Any, ...]:
    """Where an automation entry sorts: right after the change that caused it, else at its time
    (before changes of the same moment: they are usually its own)."""
    if anchor is not None and anchor.at == at:
        return (anchor.at, 0, anchor.id, 1, rank)
    return (at, -1, 0, 1, rank)


def _run_items(
    db: Session,
    record: Record,
    viewer: User,
    audits: Sequence[runlog.Audit],
    anchors: Mapping[int, runlog.Audit],
    hidden: set[str],
    locale: str,
    chains: dict[int, list[dict[str, Any]]],
) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    instances = list(
        db.scalars(
            select(FlowInstance)
            .where(FlowInstance.record_id == record.id)
            .order_by(FlowInstance.id.desc())
            .limit(RECORD_RUNS)
        )
    )
    if not instances:
        return []
    runs = {run["id"]: run for run in runlog.summaries(db, instances=instances, viewer=viewer)}
    traces = runlog.trace_rows(db, [instance.id for instance in instances])
    labels = runlog.field_labels(db, record)
    docs: dict[int, Mapping[str, Any]] = {}
    out = []
    for instance in instances:
        run = runs[instance.id]
        if instance.definition_id not in docs:
            docs[instance.definition_id] = flows.definition_of(db, instance=instance)
        doc = docs[instance.definition_id]
        event = run.get("event")
        anchor = anchors.get(event["id"]) if event else None
        steps = runlog.run_steps(
            instance,
            doc,
            traces.get(instance.id, []),
            record,
            audits,
            anchor,
            hidden=hidden,
            admin=viewer.is_admin,
        )
        item = {
            "type": "automation",
            "kind": "run",
            "at": run["started_at"],
            "instance_id": instance.id,
            "flow": instance.flow_key,
            "flow_title": doc.get("title"),
            "flow_version": instance.flow_version,
            "status": instance.status,
            "started_by": run["started_by"],
            "event": event,
            "chain": runlog.chain_of(db, event, hidden, chains),
            "trigger": runlog.trigger_view(instance, doc, record, audits, anchor, hidden),
            "did": runsteps.summary_lines(steps, locale=locale, labels=labels),
            "conditions": [_condition(step) for step in steps if step["kind"] == "condition"],
            "reasons": [_reason(step) for step in steps if _is_assignment(step)],
            "error": run["error"],
            "changes": [],
        }
        out.append((_place(instance.created_at, anchor, instance.id), item))
    return out


def _is_assignment(step: Mapping[str, Any]) -> bool:
    return step.get("effect") == "action_done" and "assignee" in (step.get("output") or {})


def _reason(step: Mapping[str, Any]) -> dict[str, Any]:
    output = step.get("output") or {}
    return {
        "node": step.get("node"),
        "assignee": output.get("assignee"),
        "reason": output.get("reason"),
    }


def _condition(step: Mapping[str, Any]) -> dict[str, Any]:
    given = step.get("input") or {}
    return {
        "node": step.get("node"),
        "edge": given.get("edge"),
        "edge_label": given.get("edge_label"),
        "values": given.get("values"),
        "result": (step.get("output") or {}).get("result"),
    }


def _incident_items(
    db: Session,
    record: Record,
    anchors: Mapping[int, runlog.Audit],
    hidden: set[str],
    chains: dict[int, list[dict[str, Any]]],
) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    rows = db.execute(
        select(EventHandling, Event)
        .join(Event, Event.id == EventHandling.event_id)
        .where(Event.record_id == record.id, EventHandling.outcome.in_(INCIDENTS))
        .order_by(EventHandling.id.desc())
        .limit(RECORD_RUNS)
    )
    out = []
    for handling, event in rows:
        flow_key = handling.handler.removeprefix("flow:")
        published = flows.published_flow(db, app_key=event.app_key, key=flow_key)
        item = {
            "type": "automation",
            "kind": handling.outcome,
            "incident": True,
            "at": iso_utc(handling.at),
            "handling_id": handling.id,
            "flow": flow_key,
            "flow_title": published.doc.get("title") if published else None,
            "event": runlog.event_ref(event),
            "chain": runlog.chain_of(db, runlog.event_ref(event), hidden, chains),
            "message": handling.detail.get("message"),
            "code": handling.detail.get("code"),
            "depth": handling.detail.get("depth", event.depth),
            "changes": [],
        }
        out.append((_place(handling.at, anchors.get(event.id), handling.id), item))
    return out
