"""Flow instances: start, lock, step, save, apply effects — one transaction. Shell.

The engine is pure (decision 0005); this module is the boring part around it (STYLE §2): it
loads the instance with its definition, runs `engine.step`, stores state and trace, and turns
effects into rows. Effects that stay inside the database (tasks, timers, `update_fields`) apply
here at once; their results come back to the engine as events in the same transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from runtime.db import generations
from runtime.db.prepared import Prepared, store_versioned
from runtime.db.types import iso_utc
from runtime.definitions import store
from runtime.definitions.models import Definition
from runtime.errors import Conflict, FormworkError, NotFound, PermissionDenied
from runtime.fields import format_value
from runtime.flows import effects as fx
from runtime.flows import engine
from runtime.flows.models import FlowInstance, FlowTrace
from runtime.flows.visibility import without_fields
from runtime.org import service as org
from runtime.org.models import User
from runtime.records import service as records
from runtime.records.models import Record
from runtime.scheduler.models import Timer
from runtime.tasks.models import NEW_TASK_COLUMNS, Task

log = logging.getLogger(__name__)

_INSERT_TRACE = Prepared(
    insert(FlowTrace), columns=("instance_id", "seq", "node", "kind", "data", "at")
)
_INSERT_TASKS = Prepared(insert(Task), columns=NEW_TASK_COLUMNS)
_INSERT_TIMERS = Prepared(
    insert(Timer), columns=("instance_id", "key", "due_at", "status", "payload")
)
_FLOW_STAMPS = Prepared(
    select(*store.STAMP_COLUMNS).where(
        Definition.app_key == bindparam("app"),
        Definition.kind == "flows",
        Definition.status == "published",
    )
)

MAX_ROUNDS = 100  # internal effects fed back per event (a loop guard, not a real limit)
FINISHED = frozenset({"approved", "rejected", "completed", "withdrawn", "failed"})


@dataclass(frozen=True, slots=True)
class PublishedFlow:
    id: int
    key: str
    version: int
    doc: Mapping[str, Any]
    published_at: datetime | None = None


def _published_flows(db: Session, *, app_key: str) -> list[PublishedFlow]:
    """The latest published version of each flow of the app (cached until definitions change)."""

    def read() -> list[PublishedFlow]:
        latest: dict[str, store.Stamp] = {}
        for row in _FLOW_STAMPS.rows(db.connection(), {"app": app_key}):
            stamp = store.Stamp(*row)
            if stamp.key not in latest or latest[stamp.key].version < stamp.version:
                latest[stamp.key] = stamp
        return [
            PublishedFlow(s.id, s.key, s.version, store.published_doc(db, stamp=s), s.created_at)
            for s in latest.values()
        ]

    return list(store.PUBLISHED.get(db.connection(), ("flows", app_key), read))


def start_for_record(
    db: Session, *, record: Record, trigger: str, actor: User | None, now: datetime
) -> list[FlowInstance]:
    """Start every published flow of the record's form that starts on `trigger`.

    Approval flows need a submitter: records created anonymously (public forms) start none here;
    automations (issue 4) handle those.
    """
    if actor is None:
        return []
    started = []
    for definition in _published_flows(db, app_key=record.app_key):
        doc = definition.doc
        if doc.get("form") != record.form_key or trigger not in doc.get("starts_on", []):
            continue
        started.append(_launch(db, definition=definition, record=record, actor=actor, now=now))
    return started


def published_flows(db: Session, *, app_key: str) -> list[PublishedFlow]:
    """The latest published version of each flow of the app."""
    return _published_flows(db, app_key=app_key)


def published_flow(db: Session, *, app_key: str, key: str) -> PublishedFlow | None:
    """The latest published version of one flow of the app, or None."""
    return next((f for f in _published_flows(db, app_key=app_key) if f.key == key), None)


def start_automation(
    db: Session, *, definition: PublishedFlow, record: Record, actor: User | None, now: datetime
) -> FlowInstance:
    """Start an automation (a flow with a `trigger`) on `record`; the actor, if any, submits."""
    return _launch(db, definition=definition, record=record, actor=actor, now=now)


def load_instance(db: Session, *, instance_id: int) -> FlowInstance:
    instance = db.get(FlowInstance, instance_id)
    if instance is None:
        raise NotFound("instance_not_found", f"No flow instance {instance_id}.")
    return instance


def handle_event(
    db: Session, *, instance_id: int, event: Mapping[str, Any], now: datetime
) -> FlowInstance:
    """Apply one event to an instance. A concurrent change fails on the version column (409)."""
    instance = load_instance(db, instance_id=instance_id)
    record = db.get(Record, instance.record_id)
    payload = dict(event)
    if record is not None and "record" not in payload:
        payload["record"] = dict(record.data)
    _advance(db, instance, definition_of(db, instance=instance), payload, now, state=instance.state)
    return instance


def _advance(
    db: Session,
    instance: FlowInstance,
    flow: Mapping[str, Any],
    event: Mapping[str, Any],
    now: datetime,
    *,
    state: Mapping[str, Any] | None,
) -> None:
    directory = org.directory(db)
    pending: list[Mapping[str, Any]] = [event]
    current: dict[str, Any] = dict(state) if state else {}
    advancing = _advancing(db)
    instance_id = instance.id  # read now: after a failed flush the object cannot load it
    advancing.add(instance_id)
    try:
        for _round in range(MAX_ROUNDS):
            if not pending:
                break
            next_event = pending.pop(0)
            if next_event.get("type") == "start":
                out = engine.start(
                    flow,
                    record=next_event.get("record") or {},
                    submitter=next_event.get("submitter"),
                    now=now,
                    directory=directory,
                )
            else:
                out = engine.step(flow, current, next_event, now, directory=directory)
            current = out.state
            _save_trace(db, instance, out.trace, now)
            pending += _apply(db, instance, out.effects, now)
        else:
            raise Conflict("flow_loop", "The flow fed itself too many events; it was stopped.")
        status = str(current.get("status", "running"))
        finished_now = status in FINISHED and instance.finished_at is None
        _store_state(db, instance, current, status, now, finished_now)
    finally:
        advancing.discard(instance_id)
    if finished_now and (instance.parent_id is not None or _has_subflows(flow)):
        _finished(db, instance, now)


_INSERT_INSTANCE = Prepared(
    insert(FlowInstance).returning(FlowInstance.id),
    columns=(
        "app_key",
        "flow_key",
        "flow_version",
        "definition_id",
        "record_id",
        "submitter_id",
        "status",
        "state",
        "trace_count",
        "version",
        "created_at",
        "updated_at",
        "finished_at",
        "parent_id",
        "parent_key",
    ),
)
_UPDATE_INSTANCE = Prepared(
    update(FlowInstance)
    .where(
        FlowInstance.id == bindparam("instance_id"), FlowInstance.version == bindparam("expected")
    )
    .values(
        state=bindparam("state", type_=FlowInstance.__table__.c.state.type),
        status=bindparam("status"),
        updated_at=bindparam("updated_at", type_=FlowInstance.__table__.c.updated_at.type),
        finished_at=bindparam("finished_at", type_=FlowInstance.__table__.c.finished_at.type),
        trace_count=bindparam("trace_count"),
        version=bindparam("new_version"),
    )
)


def _store_state(
    db: Session,
    instance: FlowInstance,
    state: dict[str, Any],
    status: str,
    now: datetime,
    finished_now: bool,
) -> None:
    """The versioned UPDATE of the instance: a concurrent step on it fails here (409)."""
    values = {
        "state": state,
        "status": status,
        "updated_at": now,
        "finished_at": now if finished_now else instance.finished_at,
        "trace_count": instance.trace_count,
    }
    store_versioned(db, instance, _UPDATE_INSTANCE, values, id_param="instance_id")


def _has_subflows(flow: Mapping[str, Any]) -> bool:
    return any(node.get("type") == "subflow" for node in flow.get("nodes", []))


def _advancing(db: Session) -> set[int]:
    """Instances whose `_advance` is under way in this session (a parent launching a child)."""
    found: set[int] = db.info.setdefault("flows_advancing", set())
    return found


def _finished(db: Session, instance: FlowInstance, now: datetime) -> None:
    """An instance just ended: its running subflows end with it; its parent learns the outcome."""
    children = db.scalars(
        select(FlowInstance).where(
            FlowInstance.parent_id == instance.id, FlowInstance.status.in_(OPEN_STATUSES)
        )
    )
    for child in list(children):
        by = _submitter(db, child)
        handle_event(db, instance_id=child.id, event={"type": "withdraw", "by": by}, now=now)
    if instance.parent_id is None or instance.parent_id in _advancing(db):
        return  # no parent, or the parent is launching this child and reads its status itself
    parent = db.get(FlowInstance, instance.parent_id)
    if parent is None or parent.status in FINISHED:
        return  # the parent ended first (and withdrew this child)
    if parent.status != "running":
        log.warning(
            "subflow %s ended %s; its parent %s is %s and was not told",
            instance.id,
            instance.status,
            instance.parent_id,
            parent.status if parent else "gone",
        )
        return
    event = {"type": "subflow_finished", "key": instance.parent_key, "outcome": instance.status}
    handle_event(db, instance_id=parent.id, event=event, now=now)


def _save_trace(
    db: Session, instance: FlowInstance, trace: tuple[fx.TraceEntry, ...], now: datetime
) -> None:
    if not trace:
        return
    rows = []
    seq = instance.trace_count
    for entry in trace:
        seq += 1
        rows.append(
            {
                "instance_id": instance.id,
                "seq": seq,
                "node": entry.node,
                "kind": entry.kind,
                "data": _jsonable(entry.data),
                "at": now,
            }
        )
    _INSERT_TRACE.run_many(db.connection(), rows)
    # Counted without dirtying the object: `_store_state` writes it with the state.
    set_committed_value(instance, "trace_count", seq)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return iso_utc(value)
    return value


def _user_ids(db: Session, usernames: set[str]) -> dict[str, int]:
    if not usernames:
        return {}
    known = org.user_ids(db)
    return {name: known[name] for name in usernames if name in known}


def _apply(
    db: Session, instance: FlowInstance, effects: tuple[Any, ...], now: datetime
) -> list[dict[str, Any]]:
    """Turn effects into rows; return the events internal effects produce (action results).

    Rows are written in batches (one INSERT per kind, one UPDATE per kind of cancellation), in
    effect order within each kind; cancellations run before new rows so a re-created key works.
    """
    follow_ups: list[dict[str, Any]] = []
    ids = _user_ids(db, {e.assignee for e in effects if isinstance(e, fx.CreateTask)})
    new_tasks: list[dict[str, Any]] = []
    new_timers: list[dict[str, Any]] = []
    cancelled_tasks: list[str] = []
    cancelled_timers: list[str] = []
    for effect in effects:
        if isinstance(effect, fx.CreateTask):
            if effect.assignee not in ids:
                raise Conflict("unknown_assignee", f"No user {effect.assignee!r} to assign.")
            new_tasks.append(
                {
                    "instance_id": instance.id,
                    "key": effect.key,
                    "node": effect.node,
                    "kind": effect.kind,
                    "assignee_id": ids[effect.assignee],
                    "status": "open",
                    "due_at": effect.due_at,
                    "created_at": now,
                    "version": 1,
                }
            )
        elif isinstance(effect, fx.CancelTask):
            cancelled_tasks.append(effect.key)
        elif isinstance(effect, fx.ScheduleTimer):
            new_timers.append(
                {
                    "instance_id": instance.id,
                    "key": effect.key,
                    "due_at": effect.due_at,
                    "status": "pending",
                    "payload": _jsonable(dict(effect.payload)),
                }
            )
        elif isinstance(effect, fx.CancelTimer):
            cancelled_timers.append(effect.key)
        elif isinstance(effect, fx.RunAction):
            done = _run_action(db, instance, effect, now)
            if done is not None:  # None: the action answers later (outbox)
                follow_ups.append(done)
        elif isinstance(effect, fx.StartSubflow):
            follow_up = _start_subflow(db, instance, effect, now)
            if follow_up is not None:
                follow_ups.append(follow_up)
        # Notify and Finish: recorded in the trace by the engine; notifications come later.
    db.flush()  # pending ORM changes first (the task a person just closed)
    connection = db.connection()
    if cancelled_tasks:
        connection.execute(
            update(Task)
            .where(
                Task.instance_id == instance.id,
                Task.key.in_(cancelled_tasks),
                Task.status == "open",
            )
            .values(status="cancelled", completed_at=now, version=Task.version + 1)
        )
    if cancelled_timers:
        connection.execute(
            update(Timer)
            .where(
                Timer.instance_id == instance.id,
                Timer.key.in_(cancelled_timers),
                Timer.status == "pending",
            )
            .values(status="cancelled")
        )
    _INSERT_TASKS.run_many(connection, new_tasks)
    _INSERT_TIMERS.run_many(connection, new_timers)
    if cancelled_tasks:
        # Task objects this session loaded must see the cancellations. Only those: expiring the
        # instance would make its optimistic-lock version reload from the database.
        for obj in list(db.identity_map.values()):
            if isinstance(obj, Task) and obj.instance_id == instance.id:
                db.expire(obj)
    return follow_ups


MAX_SUBFLOW_DEPTH = 5


def _start_subflow(
    db: Session, parent: FlowInstance, effect: fx.StartSubflow, now: datetime
) -> dict[str, Any] | None:
    """Launch the subflow on the parent's record, with the parent's submitter.

    Returns the parent's `subflow_finished` event when the child cannot start or has already
    ended (auto-approved, say); otherwise the child tells the parent when it ends (`_finished`).
    """

    def failed(reason: str) -> dict[str, Any]:
        log.warning("subflow %s of instance %s failed: %s", effect.flow, parent.id, reason)
        return {"type": "subflow_finished", "key": effect.key, "outcome": "failed"}

    if _depth(db, parent) >= MAX_SUBFLOW_DEPTH:
        return failed(f"subflows nest deeper than {MAX_SUBFLOW_DEPTH}")
    definition = published_flow(db, app_key=parent.app_key, key=effect.flow)
    record = db.get(Record, parent.record_id)
    submitter = db.get(User, parent.submitter_id) if parent.submitter_id else None
    if definition is None:
        return failed("no published flow of that name")
    if record is None or record.deleted_at is not None:
        return failed("the record is deleted")
    if definition.doc.get("form") != record.form_key:
        return failed(f"it runs on {definition.doc.get('form')!r}, not on {record.form_key!r}")
    if submitter is None:
        return failed("the parent has no submitter")
    child = _launch(
        db,
        definition=definition,
        record=record,
        actor=submitter,
        now=now,
        parent=(parent.id, effect.key),
    )
    if child.status in FINISHED:
        return {"type": "subflow_finished", "key": effect.key, "outcome": child.status}
    return None


def _depth(db: Session, instance: FlowInstance) -> int:
    depth = 0
    parent_id = instance.parent_id
    while parent_id is not None and depth <= MAX_SUBFLOW_DEPTH:
        depth += 1
        parent = db.get(FlowInstance, parent_id)
        parent_id = parent.parent_id if parent else None
    return depth


def _run_action(
    db: Session, instance: FlowInstance, effect: fx.RunAction, now: datetime
) -> dict[str, Any] | None:
    """Run an action now (runtime/actions); its result goes back to the engine as `action_done`."""
    from runtime.actions import ActionContext, action_types  # actions use this module's callers

    action = action_types.get(effect.action)
    if action is None:
        return {
            "type": "action_done",
            "key": effect.key,
            "result": {"error": f"unknown action {effect.action!r}"},
        }
    record = db.get(Record, instance.record_id)
    ctx = ActionContext(db, instance, record, effect.params, effect.key, now)
    try:
        with db.begin_nested():  # a failed action leaves nothing half-written
            result = action.run(ctx)
    except FormworkError as error:
        result = {"error": error.message}
    if result.get("deferred"):
        return None  # the outbox worker sends `action_done` when the call is over
    done: dict[str, Any] = {"type": "action_done", "key": effect.key}
    if "record" in result:
        done["record"] = result.pop("record")
    done["result"] = result
    return done


def _submitter(db: Session, instance: FlowInstance) -> str | None:
    if instance.submitter_id is None:
        return None
    user = db.get(User, instance.submitter_id)
    return user.username if user else None


def withdraw(db: Session, *, instance_id: int, user: User, now: datetime) -> FlowInstance:
    instance = load_instance(db, instance_id=instance_id)
    if _submitter(db, instance) != user.username:
        raise PermissionDenied("not_submitter", "Only the submitter may withdraw.")
    return handle_event(
        db, instance_id=instance_id, event={"type": "withdraw", "by": user.username}, now=now
    )


def urge(db: Session, *, instance_id: int, user: User, now: datetime) -> FlowInstance:
    instance = load_instance(db, instance_id=instance_id)
    if _submitter(db, instance) != user.username:
        raise PermissionDenied("not_submitter", "Only the submitter may urge.")
    return handle_event(
        db, instance_id=instance_id, event={"type": "urge", "by": user.username}, now=now
    )


def instance_view(
    db: Session, *, instance: FlowInstance, viewer: User | None = None, locale: str = "zh-CN"
) -> dict[str, Any]:
    """GET /api/instances/{id}: state, record, tasks and trace (decision 0007)."""
    from runtime.tasks import service as tasks  # tasks imports this module

    record = db.get(Record, instance.record_id)
    trace = db.scalars(
        select(FlowTrace).where(FlowTrace.instance_id == instance.id).order_by(FlowTrace.seq)
    )
    rows = db.scalars(select(Task).where(Task.instance_id == instance.id).order_by(Task.id))
    permissions: dict[str, str] = {}
    hidden: set[str] = set()
    if viewer is not None:
        hidden = hidden_fields(db, record_id=instance.record_id, user=viewer)
    if viewer is not None and instance.status == "running":
        permissions = dict(
            engine.field_permissions(
                definition_of(db, instance=instance), instance.state, viewer.username
            )
        )
    return {
        "id": instance.id,
        "app": instance.app_key,
        "flow": instance.flow_key,
        "flow_version": instance.flow_version,
        "status": instance.status,
        "submitter": _submitter(db, instance),
        "record": {
            "app": instance.app_key,
            "form": record.form_key if record else None,
            "id": instance.record_id,
            "data": without_hidden(record.data, hidden) if record else None,
            "display": without_hidden(records.display(db, record=record, locale=locale), hidden)
            if record
            else {},
            "display_rows": without_hidden(_display_rows(db, record, locale), hidden)
            if record
            else {},
        },
        "tasks": tasks.task_views(db, tasks=list(rows)),
        "trace": [
            {
                "seq": t.seq,
                "node": t.node,
                "kind": t.kind,
                # Condition values and action results carry record data: hidden stays hidden.
                "data": without_fields(t.data, hidden),
                "at": iso_utc(t.at),
            }
            for t in trace
        ],
        "version": instance.version,
        "field_permissions": permissions,
        "parent": instance.parent_id,
        "subflows": list(
            db.scalars(
                select(FlowInstance.id)
                .where(FlowInstance.parent_id == instance.id)
                .order_by(FlowInstance.id)
            )
        ),
    }


_DEFINITION_STAMP = Prepared(select(*store.STAMP_COLUMNS).where(Definition.id == bindparam("id")))


def definition_of(db: Session, *, instance: FlowInstance) -> Mapping[str, Any]:
    """The definition version the instance runs (its document cached per published row)."""
    connection = db.connection()
    # A batch of timers or events steps many instances of one version: one read per transaction.
    memo = generations.transaction_memo(connection, "flow_definitions")
    found: Mapping[str, Any] | None = memo.get(instance.definition_id)
    if found is None:
        row = _DEFINITION_STAMP.first(connection, {"id": instance.definition_id})
        if row is None:
            raise NotFound("definition_not_found", f"No definition {instance.definition_id}.")
        found = memo[instance.definition_id] = store.published_doc(db, stamp=store.Stamp(*row))
    return found


OPEN_STATUSES = ("running", "returned")


def _open_instances(db: Session, record_id: int) -> list[FlowInstance]:
    return list(
        db.scalars(
            select(FlowInstance).where(
                FlowInstance.record_id == record_id, FlowInstance.status.in_(OPEN_STATUSES)
            )
        )
    )


def _governing_instances(db: Session, record_id: int) -> list[FlowInstance]:
    """Open instances on the record, less parents waiting for an open subflow (it governs)."""
    found = _open_instances(db, record_id)
    waiting = {i.parent_id for i in found if i.parent_id is not None}
    return [i for i in found if i.id not in waiting]


def edit_rights(db: Session, *, record_id: int, user: User) -> set[str] | None:
    """The fields `user` may edit on a record now; None when no open flow restricts edits.

    While a flow runs on a record (decision 0007): an assignee may edit the fields their node
    marks editable, everyone else nothing; a submitter whose record was returned to them may
    edit everything. Flow actions (update_fields) do not go through this.
    """
    rights: set[str] | None = None
    for instance in _governing_instances(db, record_id):
        if instance.status == "returned" and instance.submitter_id == user.id:
            continue
        doc = definition_of(db, instance=instance)
        permissions = engine.field_permissions(doc, instance.state, user.username)
        allowed = {key for key, perm in permissions.items() if perm == "editable"}
        rights = allowed if rights is None else rights & allowed
    return rights


def hidden_fields(db: Session, *, record_id: int, user: User) -> set[str]:
    """Fields the node of `user`'s open task hides from them."""
    return hidden_fields_by_record(db, record_ids=[record_id], user=user).get(record_id, set())


def hidden_fields_by_record(
    db: Session, *, record_ids: list[int], user: User
) -> dict[int, set[str]]:
    """Per record of `record_ids`, the fields open flows hide from `user` (one query)."""
    if not record_ids:
        return {}
    rows = list(
        db.scalars(
            select(FlowInstance).where(
                FlowInstance.record_id.in_(set(record_ids)),
                FlowInstance.status.in_(OPEN_STATUSES),
            )
        )
    )
    waiting = {i.parent_id for i in rows if i.parent_id is not None}
    hidden: dict[int, set[str]] = {}
    for instance in rows:
        if instance.id in waiting:
            continue  # a parent waiting for its subflow: the subflow governs
        doc = definition_of(db, instance=instance)
        permissions = engine.field_permissions(doc, instance.state, user.username)
        keys = {key for key, perm in permissions.items() if perm == "hidden"}
        if keys:
            hidden.setdefault(instance.record_id, set()).update(keys)
    return hidden


def without_hidden(data: Mapping[str, Any], hidden: set[str]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key not in hidden}


def timeline_without_hidden(items: list[dict[str, Any]], hidden: set[str]) -> list[dict[str, Any]]:
    """Audit entries with the changes of hidden fields left out (entries left empty dropped)."""
    if not hidden:
        return items
    out = []
    for item in items:
        changes = [c for c in item.get("changes", []) if c.get("field") not in hidden]
        if changes or not item.get("changes"):
            out.append({**item, "changes": changes})
    return out


def start_manually(
    db: Session, *, record: Record, flow_key: str, actor: User, now: datetime
) -> FlowInstance:
    """The 'start' button: run a published flow of the record's form that allows manual start."""
    definition = published_flow(db, app_key=record.app_key, key=flow_key)
    if definition is None or definition.doc.get("form") != record.form_key:
        raise NotFound("flow_not_found", f"No flow {flow_key!r} for this form.")
    if "manual" not in definition.doc.get("starts_on", []):
        raise Conflict("not_manual", f"The flow {flow_key!r} does not start by hand.")
    if _open_instances_of(db, record.id, flow_key):
        raise Conflict("already_running", f"The flow {flow_key!r} already runs on this record.")
    return _launch(db, definition=definition, record=record, actor=actor, now=now)


def _launch(
    db: Session,
    *,
    definition: PublishedFlow,
    record: Record,
    actor: User | None,
    now: datetime,
    parent: tuple[int, str] | None = None,
) -> FlowInstance:
    """Create an instance of `definition` on `record` with `actor` as submitter, and start it.

    `parent` is (instance id, node key) for a subflow.
    """
    values: dict[str, Any] = {
        "app_key": record.app_key,
        "flow_key": definition.key,
        "flow_version": definition.version,
        "definition_id": definition.id,
        "record_id": record.id,
        "submitter_id": actor.id if actor else None,
        "status": "new",
        "state": {},
        "trace_count": 0,
        "version": 1,
        "created_at": now,
        "updated_at": now,
        "finished_at": None,
        "parent_id": parent[0] if parent else None,
        "parent_key": parent[1] if parent else None,
    }
    # One prepared INSERT … RETURNING; the object joins the session as already persistent
    # (the ORM's flush of a new instance cost a sixth of starting an automation).
    instance = FlowInstance(id=int(_INSERT_INSTANCE.scalar(db.connection(), values)), **values)
    make_transient_to_detached(instance)
    db.add(instance)
    submitter = actor.username if actor else None  # an automation on an anonymous change
    event = {"type": "start", "record": dict(record.data), "submitter": submitter}
    _advance(db, instance, definition.doc, event, now, state=None)
    return instance


def _open_instances_of(db: Session, record_id: int, flow_key: str) -> list[FlowInstance]:
    return [i for i in _open_instances(db, record_id) if i.flow_key == flow_key]


def _display_rows(db: Session, record: Record, locale: str) -> dict[str, list[list[str]]]:
    """Line items cell by cell, each cell as its column's type formats it."""
    form = records.load_form(db, app_key=record.app_key, form_key=record.form_key)
    out: dict[str, list[list[str]]] = {}
    for field in form.doc.get("fields", []):
        rows = record.data.get(field["key"])
        if field["type"] != "line_items" or not isinstance(rows, list):
            continue
        columns = (field.get("config") or {}).get("columns", [])
        out[field["key"]] = [
            [
                format_value(
                    column, row.get(column["key"]) if isinstance(row, Mapping) else None, locale
                )
                for column in columns
            ]
            for row in rows
        ]
    return out
