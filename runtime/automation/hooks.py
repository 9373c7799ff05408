"""Inbound webhooks: `POST /hooks/{app}/{hook}`, signed with the hook's secret. Shell.

The body is a JSON object naming a record (`form`, `record_id`) and optionally a `signal`.
It becomes a `webhook` event of that record (automations with a `webhook` trigger start from
it) and, with a `signal`, is delivered to the record's running flows waiting for that signal
(an e-signature callback: `{"signal": "signed"}`).

Every call carries `X-Formwork-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>`. A
hook's secret is derived from the server's secret key and the hook's name (nothing stored);
admins read it at `GET /api/apps/{app}/hooks/{hook}`. `Idempotency-Key` makes a retried call
count once (the same key with another body answers 422).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from sqlalchemy import insert, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from runtime.automation import events
from runtime.errors import (
    FormworkError,
    InvalidInput,
    PermissionDenied,
    Problem,
)
from runtime.flows import service as flows
from runtime.flows.models import FlowInstance
from runtime.http.body import read_limited
from runtime.http.deps import DB, MAX_DB_INT, SLUG_PATTERN, AdminUser, SlugPath, commit, now_utc
from runtime.http.payload import require_text
from runtime.records import service as records
from runtime.records.models import PublicSubmission
from runtime.settings import Settings

router = APIRouter(tags=["automation"])
SLUG = re.compile(SLUG_PATTERN)
HOOK = re.compile(r"^[a-z][a-z0-9_]{0,57}$")  # "hook:" + name fits the 64-character log key


def secret_of(settings: Settings, app: str, hook: str) -> str:
    key = settings.secret_key.encode()
    return hmac.new(key, f"hook:{app}/{hook}".encode(), hashlib.sha256).hexdigest()


def _bad(field: str, message: str) -> InvalidInput:
    return InvalidInput(
        "invalid_webhook", message, [Problem("invalid_webhook", message, field=field)]
    )


@router.get("/api/apps/{app}/hooks/{hook}")
def hook_info(app: SlugPath, hook: SlugPath, request: Request, _admin: AdminUser) -> dict[str, str]:
    """Where to send a hook's calls and the secret to sign them with (admins only)."""
    settings: Settings = request.app.state.settings
    if not HOOK.match(hook):
        raise _bad("hook", "A hook name has at most 58 characters.")
    return {
        "url": f"{settings.base_url}/hooks/{app}/{hook}",
        "secret": secret_of(settings, app, hook),
        "signature_header": "X-Formwork-Signature: sha256=<hex HMAC-SHA256 of the raw body>",
    }


@router.post("/hooks/{app}/{hook}", status_code=202)
async def receive(
    app: SlugPath,
    hook: SlugPath,
    request: Request,
    db: DB,
    x_formwork_signature: Annotated[str | None, Header()] = None,
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
) -> dict[str, Any]:
    settings: Settings = request.app.state.settings
    body = await read_limited(request, settings.public_body_limit)
    expected = (
        "sha256="
        + hmac.new(secret_of(settings, app, hook).encode(), body, hashlib.sha256).hexdigest()
    )
    if not HOOK.match(hook) or not hmac.compare_digest(expected, x_formwork_signature or ""):
        raise PermissionDenied("bad_signature", "The call is not signed with this hook's secret.")
    try:
        payload = json.loads(body or b"{}")
    except ValueError as error:
        raise _bad("body", "The body is not JSON.") from error
    if not isinstance(payload, dict):
        raise _bad("body", "The body must be a JSON object.")
    require_text(payload)
    return await run_in_threadpool(_accept, db, app, hook, payload, body, idempotency_key)


def _accept(
    db: Session, app: str, hook: str, payload: dict[str, Any], body: bytes, key: str | None
) -> dict[str, Any]:
    form, record_id, signal = payload.get("form"), payload.get("record_id"), payload.get("signal")
    if not isinstance(form, str) or not SLUG.match(form):
        raise _bad("form", "form must name a form of the app.")
    if (
        not isinstance(record_id, int)
        or isinstance(record_id, bool)
        or not 1 <= record_id <= MAX_DB_INT
    ):
        raise _bad("record_id", "record_id must be a record id.")
    if signal is not None and (not isinstance(signal, str) or not SLUG.match(signal)):
        raise _bad("signal", "signal must be a name like signed.")
    digest = hashlib.sha256(body).hexdigest()
    if key:
        earlier = db.execute(
            select(PublicSubmission.payload_sha256, PublicSubmission.outcome).where(
                PublicSubmission.app_key == app,
                PublicSubmission.form_key == f"hook:{hook}",
                PublicSubmission.idempotency_key == key,
            )
        ).first()
        if earlier is not None:
            if earlier[0] != digest:
                raise _bad("Idempotency-Key", "This idempotency key was used with another body.")
            return {"accepted": True, "replayed": True}
    record = records.load_record(db, app_key=app, form_key=form, record_id=record_id)
    now = now_utc()
    event_id = events.emit(
        db,
        app_key=app,
        kind="webhook",
        form_key=form,
        record_id=record.id,
        actor_id=None,
        payload={"hook": hook, "body": payload},
        now=now,
    )
    delivered = _signal(db, record.id, signal, payload, now) if signal else []
    if key:
        db.execute(
            insert(PublicSubmission).values(
                app_key=app,
                form_key=f"hook:{hook}",
                idempotency_key=key,
                payload_sha256=digest,
                record_id=record.id,
                outcome="accepted",
                created_at=now,
            )
        )
    commit(db)
    return {"accepted": True, "event": event_id, "signalled": delivered}


def _signal(db: Session, record_id: int, name: str, payload: dict[str, Any], now: Any) -> list[int]:
    """Hand the signal to the record's running flows that wait for it; their ids."""
    running = db.scalars(
        select(FlowInstance).where(
            FlowInstance.record_id == record_id, FlowInstance.status == "running"
        )
    )
    delivered = []
    for instance in list(running):
        waiting = any(
            token["data"].get("signal") == name for token in instance.state.get("tokens", ())
        )
        if not waiting:
            continue
        try:
            with db.begin_nested():
                flows.handle_event(
                    db,
                    instance_id=instance.id,
                    event={"type": "signal", "name": name, "data": payload.get("data") or {}},
                    now=now,
                )
            delivered.append(instance.id)
        except FormworkError:  # the flow moved on meanwhile
            continue
    return delivered
