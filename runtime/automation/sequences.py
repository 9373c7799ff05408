"""Sequences (drip): enrolments, sends, opens, clicks, unsubscribes and early exits. Shell.

A sequence is an automation flow whose steps are `send_email` actions between waits
(decision 0008, "Sequences"). This module keeps what the tracking endpoints and the steps
share: the `email_sends` rows, the unsubscribed addresses, the behaviour events an open or a
click becomes (scoring listens to them), the signals that wake a sequence waiting for an open
or a click, and the `sequence_exit` signal that ends a record's running sequences.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from runtime.automation import enrolment, events, tracking
from runtime.automation.sequence_models import EmailSend, SequenceEnrolment, Unsubscribe
from runtime.errors import FormworkError
from runtime.flows import service as flows
from runtime.flows.models import FlowInstance
from runtime.org.models import User
from runtime.records.models import Record

log = logging.getLogger(__name__)

EXIT_SIGNAL = "sequence_exit"
OPEN_BEHAVIOUR = "email_open"
CLICK_BEHAVIOUR = "link_click"
ADDRESS = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")


def normal_address(value: Any) -> str | None:
    """The address in lower case, or None when `value` is not one plain address."""
    if not isinstance(value, str):
        return None
    address = value.strip().lower()
    return address if len(address) <= 320 and ADDRESS.match(address) else None


def is_unsubscribed(db: Session, *, app_key: str, address: str) -> bool:
    found = db.scalar(
        select(Unsubscribe.id).where(Unsubscribe.app_key == app_key, Unsubscribe.address == address)
    )
    return found is not None


def sends_of(
    db: Session, *, record_id: int, flow_key: str, instance_id: int | None = None
) -> list[EmailSend]:
    """What a sequence has sent to one record (in one enrolment: `instance_id`), oldest first."""
    query = (
        select(EmailSend)
        .where(EmailSend.record_id == record_id, EmailSend.flow_key == flow_key)
        .order_by(EmailSend.id)
    )
    if instance_id is not None:
        query = query.where(EmailSend.instance_id == instance_id)
    return list(db.scalars(query))


def earlier_sends(db: Session, *, instance: FlowInstance) -> list[EmailSend]:
    """The sends a step of `instance` compares itself with: those of its enrolment when the flow
    is a sequence (a record enrolled again gets the steps again), else every send of the flow
    to the record (each step reaches a record once)."""
    doc = flows.definition_of(db, instance=instance)
    scope = instance.id if enrolment.is_sequence(doc) else None
    return sends_of(db, record_id=instance.record_id, flow_key=instance.flow_key, instance_id=scope)


def start(
    db: Session,
    *,
    definition: flows.PublishedFlow,
    record: Record,
    actor: User | None,
    now: datetime,
) -> tuple[FlowInstance | None, enrolment.Verdict | None]:
    """Start an automation. A sequence enrols the record first: (None, why) when it may not
    (`enrolment.decide`); the verdict carries the enrolment's number when it does."""
    doc = definition.doc
    if not enrolment.is_sequence(doc):
        return flows.start_automation(
            db, definition=definition, record=record, actor=actor, now=now
        ), None
    last = _last_enrolment(db, app_key=record.app_key, flow_key=definition.key, record=record)
    verdict = enrolment.decide(doc["sequence"], last, now)
    if verdict.number is None:
        return None, verdict
    if verdict.exit_running:
        reason = {"reason": "reenrolled", "enrolment": verdict.number}
        exit_sequences(db, record_id=record.id, data=reason, now=now, flow_keys=[definition.key])
    row = SequenceEnrolment(
        app_key=record.app_key,
        flow_key=definition.key,
        record_id=record.id,
        number=verdict.number,
        enrolled_at=now,
    )
    try:
        with db.begin_nested():
            db.add(row)
            db.flush()
    except IntegrityError:  # another dispatcher enrolled it under this number meanwhile
        return None, enrolment.Verdict(None, "enrolled_concurrently")
    instance = flows.start_automation(
        db, definition=definition, record=record, actor=actor, now=now
    )
    row.instance_id = instance.id
    return instance, verdict


def _last_enrolment(
    db: Session, *, app_key: str, flow_key: str, record: Record
) -> enrolment.Last | None:
    found = db.execute(
        select(SequenceEnrolment, FlowInstance)
        .join(FlowInstance, FlowInstance.id == SequenceEnrolment.instance_id, isouter=True)
        .where(
            SequenceEnrolment.app_key == app_key,
            SequenceEnrolment.flow_key == flow_key,
            SequenceEnrolment.record_id == record.id,
        )
        .order_by(SequenceEnrolment.number.desc())
        .limit(1)
    ).first()
    if found is None:
        return None
    row, instance = found
    running = instance is not None and instance.status in (*flows.OPEN_STATUSES, "new")
    ended_at = instance.finished_at if instance is not None else None
    return enrolment.Last(row.number, running, row.enrolled_at, ended_at)


def record_send(
    db: Session,
    *,
    key: str,
    instance: FlowInstance,
    step: str,
    address: str,
    subject: str,
    links: list[str],
    now: datetime,
) -> EmailSend:
    """The send of `key`: written now, or the one a first delivery of the step wrote."""
    conn = db.connection()
    upsert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(
        upsert(EmailSend)
        .values(
            key=key,
            nonce=secrets.token_urlsafe(24),
            app_key=instance.app_key,
            record_id=instance.record_id,
            instance_id=instance.id,
            flow_key=instance.flow_key,
            step=step,
            address=address,
            subject=subject,
            links=links,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["key"])
    )
    return db.scalars(select(EmailSend).where(EmailSend.key == key)).one()


def find_send(
    db: Session, *, token: str, purpose: str, key: bytes
) -> tuple[EmailSend, int | None] | None:
    """The send (and link number) a genuine token for `purpose` names; None for anything else."""
    claim = tracking.read_token(token)
    if claim is None or (claim.link is None) == (purpose == tracking.CLICK):
        return None
    send = db.get(EmailSend, claim.send_id)
    if send is None or not tracking.is_genuine(key, purpose, claim, send.nonce):
        return None
    return send, claim.link


def mark_open(db: Session, send: EmailSend, *, now: datetime) -> bool:
    """The first open of a send: `email_open` for the record, a wake-up for its sequence."""
    first = db.execute(
        update(EmailSend)
        .where(EmailSend.id == send.id, EmailSend.opened_at.is_(None))
        .values(opened_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(first, "rowcount", 0) != 1:
        return False  # opened before (or by a concurrent request): counted once
    db.refresh(send)
    _behaviour(db, send, OPEN_BEHAVIOUR, {}, now)
    return True


def mark_click(db: Session, send: EmailSend, *, link: int, now: datetime) -> bool:
    """A click: the first one is `link_click` for the record; a click implies an open."""
    mark_open(db, send, now=now)  # images may be blocked: whoever clicked has read it
    first = db.execute(
        update(EmailSend)
        .where(EmailSend.id == send.id, EmailSend.clicked_at.is_(None))
        .values(clicked_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(first, "rowcount", 0) != 1:
        return False
    db.refresh(send)
    _behaviour(db, send, CLICK_BEHAVIOUR, {"link": link}, now)
    return True


def _behaviour(
    db: Session, send: EmailSend, kind: str, extra: Mapping[str, Any], now: datetime
) -> None:
    """The behaviour event scoring counts, and the signal a waiting sequence step takes."""
    record = db.get(Record, send.record_id)
    if record is None or record.deleted_at is not None:
        return
    data = {"flow": send.flow_key, "step": send.step, "send": send.id, **extra}
    events.emit(
        db,
        app_key=record.app_key,
        kind="behaviour",
        form_key=record.form_key,
        record_id=record.id,
        actor_id=None,
        payload={"type": kind, "data": data},
        now=now,
    )
    if send.instance_id is not None:
        signal(db, instance_ids=[send.instance_id], name=kind, data=data, now=now)


def unsubscribe(db: Session, send: EmailSend, *, source: str, now: datetime) -> list[int]:
    """No more sequence mail to the send's address; the record's sequences end. Their ids."""
    conn = db.connection()
    upsert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(
        upsert(Unsubscribe)
        .values(app_key=send.app_key, address=send.address, source=source, send_id=send.id, at=now)
        .on_conflict_do_nothing(index_elements=["app_key", "address"])
    )
    reason = {"reason": "unsubscribed", "address": send.address, "send": send.id}
    return exit_sequences(db, record_id=send.record_id, data=reason, now=now)


def exit_sequences(
    db: Session,
    *,
    record_id: int,
    data: Mapping[str, Any],
    now: datetime,
    flow_keys: Iterable[str] = (),
    besides: int | None = None,
) -> list[int]:
    """End the record's running sequences (of `flow_keys`, or all) early; their ids.

    Each gets the `sequence_exit` signal with `data` (the reason): the branch waiting for it
    reaches its end node, which ends the instance and cancels its pending waits — the trace
    says why. `besides` is an instance left alone (the one asking).
    """
    wanted = set(flow_keys)
    query = select(FlowInstance.id, FlowInstance.flow_key).where(
        FlowInstance.record_id == record_id, FlowInstance.status == "running"
    )
    ids = [
        instance_id
        for instance_id, flow_key in db.execute(query)
        if instance_id != besides and (not wanted or flow_key in wanted)
    ]
    return signal(db, instance_ids=ids, name=EXIT_SIGNAL, data=data, now=now)


def signal(
    db: Session,
    *,
    instance_ids: Iterable[int],
    name: str,
    data: Mapping[str, Any],
    now: datetime,
) -> list[int]:
    """Hand a signal to those of the instances that wait for it; the ids that took it."""
    delivered = []
    for instance_id in instance_ids:
        instance = db.get(FlowInstance, instance_id)
        if instance is None or instance.status != "running":
            continue
        tokens = instance.state.get("tokens", ())
        if not any(token.get("data", {}).get("signal") == name for token in tokens):
            continue
        event = {"type": "signal", "name": name, "data": dict(data)}
        try:
            with db.begin_nested():
                flows.handle_event(db, instance_id=instance_id, event=event, now=now)
        except (FormworkError, StaleDataError) as error:  # it moved on meanwhile
            log.info("signal %s not taken by instance %s: %s", name, instance_id, error)
            continue
        delivered.append(instance_id)
    return delivered
