"""Todo endpoints: the caller's tasks and what they do with one (decision 0007). Shell."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from runtime.flows import service as flows
from runtime.http.deps import DB, CurrentUser, RecordIdPath, commit_with_retry, now_utc
from runtime.tasks import service as tasks
from runtime.tasks.schemas import TaskAddSigner, TaskComplete, TaskTransfer

router = APIRouter(prefix="/api/tasks", tags=["tasks"])

MAX_LIST = 200
TaskIdPath = RecordIdPath  # task ids are database integers like record ids


@router.get("")
def list_tasks(
    db: DB,
    user: CurrentUser,
    box: Annotated[Literal["mine", "cc", "submitted"], Query()] = "mine",
    status: Annotated[Literal["open", "done", "all"], Query()] = "open",
    limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 100,
) -> dict[str, Any]:
    """`mine`: tasks to decide; `cc`: copies sent to the caller; `submitted`: what they started."""
    items = tasks.list_tasks(db, user=user, box=box, status=status, limit=limit)
    return {"items": items}


@router.post("/{task_id}/complete")
def complete_task(task_id: TaskIdPath, body: TaskComplete, db: DB, user: CurrentUser) -> Any:
    now = now_utc()
    commit_with_retry(
        db,
        lambda: tasks.complete(
            db,
            task_id=task_id,
            user=user,
            outcome=body.outcome,
            comment=body.comment,
            to_node=body.to_node,
            data=body.data,
            expected_version=body.version,
            now=now,
            attachments=body.attachments,
        ),
    )
    return _task_out(db, task_id)


@router.post("/{task_id}/transfer")
def transfer_task(task_id: TaskIdPath, body: TaskTransfer, db: DB, user: CurrentUser) -> Any:
    now = now_utc()
    commit_with_retry(
        db, lambda: tasks.transfer(db, task_id=task_id, user=user, to=body.user, now=now)
    )
    return _task_out(db, task_id)


@router.post("/{task_id}/add-signer")
def add_signer(task_id: TaskIdPath, body: TaskAddSigner, db: DB, user: CurrentUser) -> Any:
    now = now_utc()
    commit_with_retry(
        db,
        lambda: tasks.add_signer(
            db, task_id=task_id, user=user, users=body.users, position=body.position, now=now
        ),
    )
    return _task_out(db, task_id)


@router.post("/{task_id}/urge")
def urge(task_id: TaskIdPath, db: DB, user: CurrentUser) -> Any:
    """The submitter reminds the assignees of the task's instance (the engine checks who asks)."""
    now = now_utc()
    instance_id = tasks.load_task(db, task_id=task_id).instance_id
    instance = commit_with_retry(
        db, lambda: flows.urge(db, instance_id=instance_id, user=user, now=now)
    )
    return flows.instance_view(db, instance=instance, viewer=user)


def _task_out(db: DB, task_id: int) -> Any:
    return tasks.task_view(db, task=tasks.load_task(db, task_id=task_id))
