"""In-app notifications of the signed-in user. Shell."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from sqlalchemy import func, select

from runtime.automation.models import Notification
from runtime.db.types import iso_utc
from runtime.errors import NotFound
from runtime.http.deps import DB, MAX_DB_INT, CurrentUser, commit, now_utc

router = APIRouter(prefix="/api/notifications", tags=["notifications"])


@router.get("")
def list_notifications(
    db: DB,
    user: CurrentUser,
    unread: Annotated[bool, Query()] = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """Newest first; `unread` counts the unread ones whatever the page shows."""
    query = select(Notification).where(Notification.user_id == user.id)
    if unread:
        query = query.where(Notification.read_at.is_(None))
    rows = db.scalars(query.order_by(Notification.id.desc()).limit(limit))
    count = db.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    )
    return {
        "items": [
            {
                "id": n.id,
                "app": n.app_key,
                "record_id": n.record_id,
                "instance_id": n.instance_id,
                "title": n.title,
                "body": n.body,
                "created_at": iso_utc(n.created_at),
                "read_at": iso_utc(n.read_at),
            }
            for n in rows
        ],
        "unread": int(count or 0),
    }


@router.post("/{notification_id}/read", status_code=204)
def mark_read(
    notification_id: Annotated[int, Path(ge=1, le=MAX_DB_INT)], db: DB, user: CurrentUser
) -> Response:
    found = db.get(Notification, notification_id)
    if found is None or found.user_id != user.id:
        raise NotFound("notification_not_found", f"No notification {notification_id}.")
    if found.read_at is None:
        found.read_at = now_utc()
        commit(db)
    return Response(status_code=204)
