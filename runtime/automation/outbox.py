"""The outbox worker: claim due items, call out (no transaction held), report to the flow. Shell.

1. Claim (one transaction): due `pending` items, and `working` ones whose lease ran out (a worker
   died mid-call), become `working` with a lease; attempts + 1. PostgreSQL: SKIP LOCKED.
2. Call, outside any transaction, through the SSRF guard, with `Idempotency-Key: <item key>`
   (a retried call is recognisable at the receiver) and the body's HMAC when a secret is set.
3. Settle (one transaction per item): 2xx → `done`, and the waiting flow gets `action_done`
   with the status and the answer; 429, 5xx and network errors → `pending` again after a
   backoff (2, 4, 8 … seconds) until MAX_ATTEMPTS, then `failed`: an incident, and the flow
   keeps waiting at its node until an operator retries the item (`incidents.py`). Other 4xx
   and refusals by the guard fail at once and answer the flow with the error (its node fails):
   sending the same request again would be refused again.

`deliver_due` runs batches (the in-process loop, `formwork tick`); `deliver_one` is the same
work for one item id (a worker's job).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import smtplib
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session, sessionmaker

from runtime.automation.models import OutboxItem
from runtime.db.engine import unit_of_work
from runtime.errors import FormworkError
from runtime.flows import service as flows
from runtime.outbound import robots, ssrf
from runtime.outbound.mail import MailRefused, message, send
from runtime.settings import Settings

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
LEASE = timedelta(seconds=60)
BATCH = 20
EXCERPT = 2000


@dataclass(frozen=True, slots=True)
class Outbound:
    """What the worker needs to call out: the SSRF allow-list and the SMTP server; and the
    settings they come from, which the actions run alongside read (`bind_settings`)."""

    allow: Sequence[str] = ()
    smtp_url: str | None = None
    smtp_from: str = "Formwork <noreply@formwork.local>"
    settings: Settings | None = None

    @classmethod
    def of(cls, settings: Settings) -> Outbound:
        return cls(settings.http_allow, settings.smtp_url, settings.smtp_from, settings)


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    key: str
    kind: str
    attempts: int
    payload: dict[str, Any]


def deliver_due(
    factory: sessionmaker[Session],
    *,
    now: datetime,
    outbound: Outbound | None = None,
    transport: httpx.BaseTransport | None = None,
) -> int:
    """Claim, call and settle the due items; how many were called."""
    config = outbound or Outbound()
    with unit_of_work(factory) as db:
        query = select(OutboxItem).where(_is_due(now)).order_by(*_OLDEST).limit(BATCH)
        if db.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        claimed = [c for item in db.scalars(query) if (c := _claim(item, now, LEASE))]
    for item in claimed:
        _deliver(factory, item, config, transport, now)
    return len(claimed)


def due_item_ids(db: Session, *, now: datetime, limit: int = 100) -> list[int]:
    """The ids of the items due at `now`, and of those whose lease ran out (a dead worker)."""
    query = select(OutboxItem.id).where(_is_due(now)).order_by(*_OLDEST).limit(limit)
    return list(db.scalars(query))


def deliver_one(
    factory: sessionmaker[Session],
    *,
    item_id: int,
    now: datetime,
    outbound: Outbound | None = None,
    lease: timedelta = LEASE,
    take_over: bool = False,
    transport: httpx.BaseTransport | None = None,
) -> bool:
    """Claim, call and settle one item if it is due (a worker's job); whether it was called.

    An item another worker holds is left alone until its lease runs out, unless `take_over`:
    the job was delivered before and did not finish (its worker died), so the holder is that
    dead delivery and the item is taken at once. `lease` should outlast the job's time limit.
    """
    with unit_of_work(factory) as db:
        query = select(OutboxItem).where(OutboxItem.id == item_id)
        if db.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        item = db.scalar(query)
        claimed = None
        if item is not None and (_due_now(item, now) or (take_over and item.status == "working")):
            claimed = _claim(item, now, lease)
    if claimed is None:
        return False
    _deliver(factory, claimed, outbound or Outbound(), transport, now)
    return True


def give_up(item: OutboxItem, *, error: str, now: datetime) -> None:
    """Make the item an incident without calling (a job that never finishes): `failed`, the
    flow left waiting for an operator's retry."""
    item.status, item.done_at, item.lease_until, item.last_error = "failed", now, None, error
    log.warning("outbox %s given up: %s", item.key, error)


_OLDEST = (OutboxItem.next_try_at, OutboxItem.id)


def _is_due(now: datetime) -> ColumnElement[bool]:
    return or_(
        (OutboxItem.status == "pending") & (OutboxItem.next_try_at <= now),
        (OutboxItem.status == "working") & (OutboxItem.lease_until < now),
    )


def _due_now(item: OutboxItem, now: datetime) -> bool:
    """`_is_due` for a loaded row."""
    if item.status == "pending":
        return item.next_try_at <= now
    return item.status == "working" and item.lease_until is not None and item.lease_until < now


def _claim(item: OutboxItem, now: datetime, lease: timedelta) -> Claimed | None:
    """`working` with a lease and one more attempt; an item whose deliveries were lost
    MAX_ATTEMPTS times (a call that kills its worker) becomes an incident instead."""
    if item.status == "working" and item.attempts >= MAX_ATTEMPTS:
        give_up(item, error=f"its worker was lost during {item.attempts} attempts", now=now)
        return None
    item.status = "working"
    item.lease_until = now + lease
    item.attempts += 1
    return Claimed(item.id, item.key, item.kind, item.attempts, dict(item.payload))


def _deliver(
    factory: sessionmaker[Session],
    item: Claimed,
    config: Outbound,
    transport: httpx.BaseTransport | None,
    now: datetime,
) -> None:
    """Call out for one claimed item (no transaction open), then settle it."""
    if item.kind == "email":
        outcome = _mail(item, config)
    elif item.kind == "robot":
        outcome = _robot(item, config, transport, now)
    else:
        outcome = _call(item, config.allow, transport)
    with unit_of_work(factory) as db:
        _settle(db, item, outcome, now)


@dataclass(frozen=True, slots=True)
class _Outcome:
    ok: bool
    retry: bool
    result: dict[str, Any]
    error: str | None = None
    postpone: float | None = None  # seconds: not tried (a throttle), try again then


def _call(item: Claimed, allow: Sequence[str], transport: httpx.BaseTransport | None) -> _Outcome:
    payload = item.payload
    body = payload.get("body")
    content = body.encode() if isinstance(body, str) else None
    headers = {**(payload.get("headers") or {}), "Idempotency-Key": item.key}
    if content is not None:
        headers.setdefault("Content-Type", "application/json")
    secret = payload.get("secret")
    if secret and content is not None:
        digest = hmac.new(str(secret).encode(), content, hashlib.sha256).hexdigest()
        headers["X-Formwork-Signature"] = f"sha256={digest}"
    try:
        reply = ssrf.request(
            str(payload.get("method", "POST")),
            str(payload.get("url", "")),
            headers=headers,
            content=content,
            allow=allow,
            transport=transport,
        )
    except ssrf.OutboundRefused as error:
        return _Outcome(False, False, {"error": error.message}, error.message)
    except httpx.HTTPError as error:
        return _Outcome(False, True, {"error": str(error)}, f"{type(error).__name__}: {error}")
    result = {
        "status": reply.status,
        "body": reply.body[:EXCERPT].decode("utf-8", "replace"),
    }
    if 200 <= reply.status < 300:
        return _Outcome(True, False, result)
    retry = reply.status == 429 or reply.status >= 500
    return _Outcome(False, retry, result, f"HTTP {reply.status}")


_ROBOT_SENT: dict[str, deque[float]] = {}  # webhook → send times (this process)


def _robot(
    item: Claimed, config: Outbound, transport: httpx.BaseTransport | None, now: datetime
) -> _Outcome:
    """A group robot message, at most PER_MINUTE per robot (per worker process)."""
    payload = item.payload
    webhook = str(payload.get("webhook", ""))
    moment = now.timestamp()
    sent = _ROBOT_SENT.setdefault(webhook, deque())
    while sent and sent[0] <= moment - 60:
        sent.popleft()
    if len(sent) >= robots.PER_MINUTE:
        return _Outcome(False, True, {}, None, postpone=sent[0] + 60 - moment)
    request = robots.call(
        str(payload.get("kind")),
        webhook,
        str(payload.get("title", "")),
        str(payload.get("text", "")),
        secret=payload.get("secret"),
        now_ms=int(moment * 1000),
    )
    sent.append(moment)
    claimed = Claimed(
        item.id,
        item.key,
        "http",
        item.attempts,
        {"method": "POST", "url": request.url, "body": request.body.decode()},
    )
    return _call(claimed, config.allow, transport)


def _mail(item: Claimed, config: Outbound) -> _Outcome:
    if not config.smtp_url:
        return _Outcome(False, True, {"error": "no SMTP server"}, "FORMWORK_SMTP_URL is not set")
    payload = item.payload
    to = [str(address) for address in payload.get("to") or ()]
    mail = message(
        sender=config.smtp_from,
        to=to,
        subject=str(payload.get("subject", "")),
        text=str(payload.get("text", "")),
        html=str(payload.get("html", "")),
        key=item.key,
        headers=payload.get("headers"),  # sequences: List-Unsubscribe (RFC 8058)
    )
    try:
        send(config.smtp_url, mail)
    except MailRefused as error:
        return _Outcome(False, False, {"error": str(error)}, str(error))
    except (OSError, smtplib.SMTPException) as error:
        return _Outcome(False, True, {"error": str(error)}, f"{type(error).__name__}: {error}")
    return _Outcome(True, False, {"sent_to": to})


def _settle(db: Session, claimed: Claimed, outcome: _Outcome, now: datetime) -> None:
    item = db.get(OutboxItem, claimed.id)
    if item is None or item.status != "working" or item.attempts != claimed.attempts:
        return  # another worker took it over after our lease ran out
    item.lease_until = None
    if outcome.postpone is not None:  # throttled: not an attempt
        item.status, item.attempts = "pending", item.attempts - 1
        item.next_try_at = now + timedelta(seconds=outcome.postpone)
        return
    item.result = outcome.result
    if outcome.ok:
        item.status, item.done_at, item.last_error = "done", now, None
        _answer(db, item, outcome.result, now)
        return
    item.last_error = outcome.error
    if outcome.retry and item.attempts < MAX_ATTEMPTS:
        item.status = "pending"
        item.next_try_at = now + timedelta(seconds=2**item.attempts)
        return
    item.status, item.done_at = "failed", now
    log.warning(
        "outbox %s failed after %s attempt(s): %s", item.key, item.attempts, item.last_error
    )
    if not outcome.retry:  # refused: the flow learns it; retries ran out: it waits (incident)
        _answer(db, item, {**outcome.result, "error": outcome.error or "failed"}, now)


def _answer(db: Session, item: OutboxItem, result: dict[str, Any], now: datetime) -> None:
    """The waiting flow learns the outcome (once: the item settles once)."""
    if item.instance_id is None or item.action_key is None:
        return
    event = {"type": "action_done", "key": item.action_key, "result": result}
    try:
        with db.begin_nested():
            flows.handle_event(db, instance_id=item.instance_id, event=event, now=now)
    except FormworkError as error:
        # The instance moved on (withdrawn, finished): the call's result stays on the item.
        log.info("outbox %s: its flow refused the answer: %s", item.key, error.message)
