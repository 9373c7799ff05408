"""Run log endpoints: an automation's runs, one run with its steps. Shell.

Who may read: any signed-in user, as records and flow instances (decision 0008, "Run log");
fields an open flow hides from the caller stay hidden, credentials in action params are never
shown, and addresses (URLs, robot webhooks) only to administrators.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from runtime.automation import runlog
from runtime.http.deps import DB, CurrentUser, RecordIdPath, SlugPath, request_locale

router = APIRouter(tags=["automation"])


@router.get("/api/apps/{app}/flows/{key}/runs")
def list_runs(
    app: SlugPath,
    key: SlugPath,
    db: DB,
    user: CurrentUser,
    status: Annotated[str | None, Query(max_length=16)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=runlog.MAX_PAGE)] = 50,
) -> dict[str, Any]:
    """The flow's runs, newest first: record, status, times, the event that started it,
    steps, first error; `next_cursor` while there are more."""
    return runlog.list_runs(
        db,
        app_key=app,
        flow_key=key,
        viewer=user,
        status=status or None,
        cursor=cursor,
        limit=limit,
    )


@router.get("/api/runs/{instance_id}")
def get_run(instance_id: RecordIdPath, request: Request, db: DB, user: CurrentUser) -> Any:
    """One run with its steps: node and label, kind, input, output, error, time, ms."""
    return runlog.load_run(db, instance_id=instance_id, viewer=user, locale=request_locale(request))
