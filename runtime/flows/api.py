"""Flow instance endpoints: one instance's state and trace, and withdrawing it. Shell."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from runtime.flows import service as flows
from runtime.http.deps import (
    DB,
    CurrentUser,
    RecordIdPath,
    commit_with_retry,
    now_utc,
    request_locale,
)

router = APIRouter(prefix="/api/instances", tags=["tasks"])

InstanceIdPath = RecordIdPath  # instance ids are database integers like record ids


@router.get("/{instance_id}")
def get_instance(instance_id: InstanceIdPath, request: Request, db: DB, user: CurrentUser) -> Any:
    instance = flows.load_instance(db, instance_id=instance_id)
    locale = request_locale(request)
    return flows.instance_view(db, instance=instance, viewer=user, locale=locale)


@router.post("/{instance_id}/withdraw")
def withdraw(instance_id: InstanceIdPath, db: DB, user: CurrentUser) -> Any:
    """Only the submitter may withdraw (the engine refuses anyone else with 403)."""
    now = now_utc()
    instance = commit_with_retry(
        db, lambda: flows.withdraw(db, instance_id=instance_id, user=user, now=now)
    )
    return flows.instance_view(db, instance=instance, viewer=user)
