"""Incidents for administrators: what background work stopped, and retrying it. Shell."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query

from runtime.automation import incidents
from runtime.http.deps import DB, MAX_DB_INT, AdminUser, commit, now_utc

router = APIRouter(prefix="/api/incidents", tags=["automation"])

Kind = Literal["outbox", "event", "handling", "timer", "instance"]


@router.get("")
def list_incidents(
    db: DB,
    _admin: AdminUser,
    kind: Annotated[Kind | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """Failed outbox items, events and automation starts whose jobs were given up, timers,
    and flows that failed at an action: newest first, each with its kind, id, error,
    attempts and when it failed."""
    found = incidents.list_incidents(db, kind=kind, limit=limit)
    return {"items": [incident.to_json() for incident in found]}


@router.post("/{kind}/{incident_id}/retry")
def retry_incident(
    kind: Kind,
    incident_id: Annotated[int, Path(ge=1, le=MAX_DB_INT)],
    db: DB,
    admin: AdminUser,
) -> dict[str, Any]:
    """Put the failed row back to pending, or resume a flow at its failed action; the
    background work takes what is queued at once. Retrying one that is already back changes
    nothing; 409 when it did not fail or cannot resume."""
    answer = incidents.retry(
        db, kind=kind, incident_id=incident_id, now=now_utc(), by=admin.username
    )
    commit(db)
    return answer
