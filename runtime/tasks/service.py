"""The todo list and what people do with their tasks. Shell."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from runtime.db.types import iso_utc
from runtime.definitions.models import Definition
from runtime.errors import Conflict, InvalidInput, NotFound, PermissionDenied, Problem
from runtime.files.models import FileLink, StoredFile
from runtime.flows import engine
from runtime.flows import service as flows
from runtime.flows.models import FlowInstance
from runtime.org import service as org
from runtime.org.models import User
from runtime.records import service as records
from runtime.records.models import Record
from runtime.tasks.models import Task

BOXES = ("mine", "cc", "submitted")
STATUSES = ("open", "done", "all")
MAX_LIST = 200


def load_task(db: Session, *, task_id: int) -> Task:
    task = db.get(Task, task_id)
    if task is None:
        raise NotFound("task_not_found", f"No task {task_id}.")
    return task


def list_tasks(
    db: Session, *, user: User, box: str, status: str, limit: int = 100
) -> list[dict[str, Any]]:
    """The caller's tasks: assigned to them (mine), copied to them (cc), or of their flows."""
    if box not in BOXES or status not in STATUSES:
        message = f"box is one of {BOXES}, status one of {STATUSES}."
        raise InvalidInput(
            "invalid_filter", message, [Problem("invalid_filter", message, field="box")]
        )
    query = select(Task)
    if box == "submitted":
        query = query.join(FlowInstance, FlowInstance.id == Task.instance_id).where(
            FlowInstance.submitter_id == user.id, Task.kind == "approve"
        )
    else:
        kinds = ("cc",) if box == "cc" else ("approve", "todo")
        query = query.where(Task.assignee_id == user.id, Task.kind.in_(kinds))
    if status == "open":
        query = query.where(Task.status == "open")
    elif status == "done":
        query = query.where(Task.status == "done")
    rows = list(
        db.scalars(
            query.order_by(Task.created_at.desc(), Task.id.desc()).limit(
                max(1, min(limit, MAX_LIST))
            )
        )
    )
    return task_views(db, tasks=rows)


def task_views(db: Session, *, tasks: Sequence[Task]) -> list[dict[str, Any]]:
    """Views of many tasks with a handful of queries (not five per task)."""
    if not tasks:
        return []
    instance_ids = {t.instance_id for t in tasks}
    instances = {
        i.id: i for i in db.scalars(select(FlowInstance).where(FlowInstance.id.in_(instance_ids)))
    }
    definition_ids = {i.definition_id for i in instances.values()}
    definitions = {
        d.id: d for d in db.scalars(select(Definition).where(Definition.id.in_(definition_ids)))
    }
    record_ids = {i.record_id for i in instances.values()}
    record_rows = {r.id: r for r in db.scalars(select(Record).where(Record.id.in_(record_ids)))}
    user_ids = {t.assignee_id for t in tasks} | {
        i.submitter_id for i in instances.values() if i.submitter_id
    }
    names = {
        row.id: row.username
        for row in db.execute(select(User.id, User.username).where(User.id.in_(user_ids)))
    }
    return [
        _view(db, task, instances[task.instance_id], definitions, record_rows, names)
        for task in tasks
    ]


def task_view(db: Session, *, task: Task) -> dict[str, Any]:
    """The task as the API and the todo page show it (decision 0007)."""
    return task_views(db, tasks=[task])[0]


def _view(
    db: Session,
    task: Task,
    instance: FlowInstance,
    definitions: Mapping[int, Definition],
    record_rows: Mapping[int, Record],
    names: Mapping[int, str],
) -> dict[str, Any]:
    definition = definitions[instance.definition_id]
    node: dict[str, Any] = next(
        (n for n in definition.doc.get("nodes", []) if n["id"] == task.node), {}
    )
    record = record_rows.get(instance.record_id)
    title = None
    if record is not None:
        form = records.load_form(db, app_key=record.app_key, form_key=record.form_key)
        title = records.title_of(form.doc, record.data, record.id)
    return {
        "id": task.id,
        "key": task.key,
        "instance_id": instance.id,
        "app": instance.app_key,
        "flow": instance.flow_key,
        "flow_title": definition.doc.get("title"),
        "node": task.node,
        # A todo is known by its title; an approval task by its node.
        "node_label": {"zh-CN": task.title, "en": task.title}
        if task.kind == "todo" and task.title
        else node.get("label") or {"zh-CN": task.node, "en": task.node},
        "title": task.title,
        "priority": task.priority,
        "kind": task.kind,
        "assignee": names.get(task.assignee_id),
        "status": task.status,
        "outcome": task.outcome,
        "comment": task.comment,
        "attachments": task.attachments or [],
        "due_at": iso_utc(task.due_at),
        "created_at": iso_utc(task.created_at),
        "completed_at": iso_utc(task.completed_at),
        "version": task.version,
        "submitter": names.get(instance.submitter_id) if instance.submitter_id else None,
        "instance_status": instance.status,
        "record": {
            "app": instance.app_key,
            "form": record.form_key if record else None,
            "id": instance.record_id,
            "title": title,
        },
    }


def load_open_task(db: Session, *, task_id: int, user: User, expected_version: int | None) -> Task:
    """The open task `user` holds (403 someone else's, 409 closed or changed, 404 none)."""
    return _open_task_of(db, task_id, user, expected_version)


def _open_task_of(db: Session, task_id: int, user: User, expected_version: int | None) -> Task:
    task = load_task(db, task_id=task_id)
    if task.assignee_id != user.id:
        raise PermissionDenied("not_assignee", "This task is assigned to someone else.")
    if expected_version is not None and expected_version != task.version:
        raise Conflict("stale_version", "The task changed meanwhile; reload it.")
    if task.status != "open":
        raise Conflict("task_closed", f"This task is already {task.status}.")
    return task


def complete(
    db: Session,
    *,
    task_id: int,
    user: User,
    outcome: str,
    comment: str | None,
    to_node: str | None,
    data: Mapping[str, Any] | None,
    expected_version: int | None,
    now: datetime,
    attachments: Sequence[str] = (),
) -> FlowInstance:
    """Approve, reject or return: the task closes and the instance takes the step.

    `attachments` are ids of stored files; the task keeps their server-side metadata.
    """
    task = _open_task_of(db, task_id, user, expected_version)
    files = _stored_files(db, attachments)
    for stored in files:  # the decision's files are as visible as the flow's history
        db.add(FileLink(file_id=stored["id"], task_id=task.id))
    instance = flows.load_instance(db, instance_id=task.instance_id)
    if (task.kind == "todo") != (outcome == "done"):
        message = "A todo is completed with 'done'; an approval with approve, reject or return."
        raise InvalidInput(
            "invalid_outcome", message, [Problem("invalid_outcome", message, field="outcome")]
        )
    if task.kind == "todo":
        # A todo moves no flow: its automation finished when it made the task.
        task.status, task.outcome, task.comment = "done", "done", comment
        task.attachments = files or None
        task.completed_at = now
        db.flush()  # the version column: done twice at once → one of them gets 409
        return instance
    if data:
        _apply_edits(db, instance, user, data, now)
    task.status = "done"
    task.outcome = outcome
    task.comment = comment
    task.attachments = files or None
    task.completed_at = now
    db.flush()  # the task's version column: a second person completing it at once gets 409
    event: dict[str, Any] = {
        "type": "task_completed",
        "task": task.key,
        "by": user.username,
        "outcome": outcome,
        "comment": comment or "",
    }
    if to_node:
        event["to_node"] = to_node
    return flows.handle_event(db, instance_id=instance.id, event=event, now=now)


def _stored_files(db: Session, ids: Sequence[str]) -> list[dict[str, Any]]:
    if not ids:
        return []
    rows = {f.id: f for f in db.scalars(select(StoredFile).where(StoredFile.id.in_(set(ids))))}
    missing = [file_id for file_id in ids if file_id not in rows]
    if missing:
        message = f"Unknown file(s): {', '.join(missing)}."
        raise InvalidInput(
            "not_found", message, [Problem("not_found", message, field="attachments")]
        )
    return [
        {
            "id": f.id,
            "name": f.name,
            "size": f.size,
            "content_type": f.content_type,
            "sha256": f.sha256,
        }
        for f in (rows[file_id] for file_id in ids)
    ]


def _apply_edits(
    db: Session, instance: FlowInstance, user: User, data: Mapping[str, Any], now: datetime
) -> None:
    """Record edits an approver sends with a decision: only the node's editable fields."""
    definition = flows.definition_of(db, instance=instance)
    permissions = engine.field_permissions(definition, instance.state, user.username)
    editable = {key for key, perm in permissions.items() if perm == "editable"}
    refused = sorted(set(data) - editable)
    if refused:
        raise InvalidInput(
            "read_only",
            "These fields cannot be edited at this step.",
            [
                Problem("read_only", "This field cannot be edited at this step.", field=key)
                for key in refused
            ],
        )
    record = db.get_one(Record, instance.record_id)
    records.update_record(
        db,
        record=record,
        raw=dict(data),
        expected_version=None,
        actor=user,
        now=now,
        via="flow",
        writable=editable,
    )


def transfer(db: Session, *, task_id: int, user: User, to: str, now: datetime) -> FlowInstance:
    task = _open_task_of(db, task_id, user, None)
    if (
        db.scalars(select(User.id).where(User.username == to, User.is_active.is_(True))).first()
        is None
    ):
        raise InvalidInput(
            "unknown_user",
            f"No user {to!r}.",
            [Problem("unknown_user", f"No user {to!r}.", field="user")],
        )
    return flows.handle_event(
        db,
        instance_id=task.instance_id,
        event={"type": "transfer", "task": task.key, "by": user.username, "to": to},
        now=now,
    )


def add_signer(
    db: Session, *, task_id: int, user: User, users: Sequence[str], position: str, now: datetime
) -> FlowInstance:
    task = _open_task_of(db, task_id, user, None)
    known = set(db.scalars(select(User.username).where(User.username.in_(list(users)))))
    missing = [name for name in users if name not in known]
    if missing or not users:
        message = f"Unknown users: {', '.join(missing)}." if missing else "Name someone."
        raise InvalidInput(
            "unknown_user", message, [Problem("unknown_user", message, field="users")]
        )
    return flows.handle_event(
        db,
        instance_id=task.instance_id,
        event={
            "type": "add_signer",
            "task": task.key,
            "by": user.username,
            "users": list(users),
            "position": position,
        },
        now=now,
    )


def hand_over(db: Session, *, user: User, now: datetime) -> list[int]:
    """Move `user`'s open tasks to whoever takes their work now (their backup, when on leave).

    Approval tasks are transferred through their flow (the trace says so); todos change hands.
    """
    taker = org.directory(db).available(user.username)
    if taker is None or taker == user.username:
        return []
    taker_id = org.user_ids(db)[taker]
    moved = []
    rows = db.scalars(
        select(Task).where(
            Task.assignee_id == user.id, Task.status == "open", Task.kind.in_(("approve", "todo"))
        )
    )
    for task in list(rows):
        if task.kind == "todo":
            task.assignee_id = taker_id
        else:
            flows.handle_event(
                db,
                instance_id=task.instance_id,
                event={"type": "transfer", "task": task.key, "by": user.username, "to": taker},
                now=now,
            )
        moved.append(task.id)
    db.flush()
    return moved
