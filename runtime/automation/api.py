"""In-app notifications of the signed-in user; assignment policy simulation. Shell."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Response
from sqlalchemy import func, select

from runtime.actions.assign_owner import cursor_scope, gather
from runtime.assignment.policies import Inputs, choose_many, policies
from runtime.automation import events
from runtime.automation.models import Notification
from runtime.db.types import iso_utc
from runtime.errors import InvalidInput, NotFound, Problem
from runtime.http.deps import (
    DB,
    MAX_DB_INT,
    SLUG_PATTERN,
    CurrentUser,
    SlugPath,
    commit,
    now_utc,
)
from runtime.http.payload import require_text
from runtime.records import service as records
from runtime.records.models import Record

router = APIRouter(prefix="/api/notifications", tags=["notifications"])
assignment_router = APIRouter(tags=["automation"])
MAX_SIMULATED = 100
SLUG = re.compile(SLUG_PATTERN)


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


@assignment_router.post("/api/apps/{app}/assignment/simulate")
def simulate_assignment(
    app: SlugPath, body: Annotated[dict[str, Any], Body()], db: DB, _user: CurrentUser
) -> dict[str, Any]:
    """Who gets the next `n` records under a policy; nothing is stored, no counter moves.

    Body: {policy, config, form, record?, n?, flow?, node?}: with `flow` and `node` the round
    robin continues from that action's persisted counter, else from the first candidate.
    """
    require_text(body)
    policy = policies.get(str(body.get("policy")))
    if policy is None:
        raise _bad("policy", f"Unknown assignment policy {body.get('policy')!r}.")
    config = body.get("config")
    if not isinstance(config, dict):
        raise _bad("config", "config must be an object.")
    problems = policy.problems(config)
    if problems:
        raise InvalidInput(
            "invalid_simulation",
            "The policy's config is not valid.",
            [Problem(p.code, p.message, field=f"config{p.pointer or ''}") for p in problems],
        )
    n = body.get("n", 10)
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= MAX_SIMULATED:
        raise _bad("n", f"n must be an integer from 1 to {MAX_SIMULATED}.")
    form = body.get("form")
    if not isinstance(form, str) or not SLUG.match(form):
        raise _bad("form", "form must be the key of a form of the app.")
    sample = body.get("record") or {}
    if not isinstance(sample, dict):
        raise _bad("record", "record must be an object.")
    records.load_form(db, app_key=app, form_key=form)  # 404 for an unknown form
    flow, node = body.get("flow"), body.get("node")
    scope = (
        cursor_scope(app, str(flow), f"{node}:1")
        if isinstance(flow, str) and isinstance(node, str)
        else "assign:simulation"
    )
    stand_in = Record(app_key=app, form_key=form, data=sample)
    inputs = gather(db, policy, config, stand_in, scope=scope, take_turn=False, now=now_utc())
    if not (isinstance(flow, str) and isinstance(node, str)):
        inputs = Inputs(inputs.candidates, inputs.record, 1, inputs.loads, inputs.now)
    db.rollback()  # nothing is written
    return {
        "policy": policy.key,
        "candidates": list(inputs.candidates),
        "next": [{"user": c.user, "why": c.why} for c in choose_many(policy, config, inputs, n)],
    }


def _bad(field: str, message: str) -> InvalidInput:
    return InvalidInput(
        "invalid_simulation", message, [Problem("invalid_simulation", message, field=field)]
    )


events_router = APIRouter(tags=["automation"])
MAX_EVENT_DATA = 20


@events_router.post("/api/apps/{app}/events", status_code=201)
def post_event(
    app: SlugPath, body: Annotated[dict[str, Any], Body()], db: DB, user: CurrentUser
) -> dict[str, Any]:
    """A behaviour of a record's person (DESIGN §7: page_view {page}, email_open, link_click,
    download {asset}, webinar_attended, email_reply, demo_booked): automations with a
    `behaviour` trigger react to it (scoring, nurture)."""
    require_text(body)
    kind, form, record_id = body.get("type"), body.get("form"), body.get("record_id")
    data = body.get("data") or {}
    if not isinstance(kind, str) or not SLUG.match(kind):
        raise _bad_event("type", "type must be a behaviour name like page_view.")
    if not isinstance(form, str) or not SLUG.match(form):
        raise _bad_event("form", "form must be the key of a form of the app.")
    if (
        not isinstance(record_id, int)
        or isinstance(record_id, bool)
        or not 1 <= record_id <= MAX_DB_INT
    ):
        raise _bad_event("record_id", "record_id must be a record id.")
    if (
        not isinstance(data, dict)
        or len(data) > MAX_EVENT_DATA
        or not all(isinstance(v, str | int | float | bool) or v is None for v in data.values())
    ):
        raise _bad_event(
            "data", f"data must be an object of at most {MAX_EVENT_DATA} plain values."
        )
    record = records.load_record(db, app_key=app, form_key=form, record_id=record_id)
    event_id = events.emit(
        db,
        app_key=app,
        kind="behaviour",
        form_key=form,
        record_id=record.id,
        actor_id=user.id,
        payload={"type": kind, "data": data},
        now=now_utc(),
    )
    commit(db)
    return {"id": event_id, "type": kind}


def _bad_event(field: str, message: str) -> InvalidInput:
    return InvalidInput("invalid_event", message, [Problem("invalid_event", message, field=field)])
