"""Time triggers: find records whose moment has come and start their automation once. Shell.

For each published flow with a `relative_date` or `inactivity` trigger: live records of its
form whose field is at or before `now - offset` — and whose moment came after the flow was
published (older moments are not replayed when an automation is first published; a server that
was down catches up once) — that have no firing for their current value yet. A firing row,
unique on (app, flow, record, occurrence = the field's value), is written with the instance it
starts. Dates compare in UTC.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from sqlalchemy import ColumnElement, and_, case, exists, func, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from runtime.automation import sequences
from runtime.automation.models import TriggerFiring
from runtime.automation.triggers import trigger_types
from runtime.automation.triggers.time import Schedule, TimeTrigger
from runtime.definitions.models import Definition
from runtime.errors import FormworkError
from runtime.flows import service as flows
from runtime.records import service as records
from runtime.records.models import Record

log = logging.getLogger(__name__)

PER_FLOW = 100  # records started per flow and pass
# Time triggers may also watch the record's own times (a lead's age, a deal left untouched).
BUILTIN_TIMES: dict[str, Any] = {"created_at": Record.created_at, "updated_at": Record.updated_at}
DEFAULT_ZONE = "Asia/Shanghai"


def scan(db: Session, *, now: datetime, limit: int = PER_FLOW) -> int:
    """Start every time-triggered automation whose moment has come; how many started."""
    apps = db.scalars(
        select(Definition.app_key)
        .where(Definition.kind == "flows", Definition.status == "published")
        .distinct()
    )
    started = 0
    for app_key in list(apps):
        for flow in flows.published_flows(db, app_key=app_key):
            trigger = flow.doc.get("trigger") or {}
            trigger_type = trigger_types.get(str(trigger.get("type")))
            if isinstance(trigger_type, TimeTrigger):
                started += _scan_flow(db, app_key, flow, trigger_type, trigger, now, limit)
            elif isinstance(trigger_type, Schedule):
                started += _scan_schedule(db, app_key, flow, trigger, now, limit)
    return started


def _moment_text(kind: str | None, moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    if kind == "date":
        return moment.date().isoformat()
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _scan_flow(
    db: Session,
    app_key: str,
    flow: flows.PublishedFlow,
    trigger_type: TimeTrigger,
    trigger: dict[str, Any],
    now: datetime,
    limit: int,
) -> int:
    form = records.load_form(db, app_key=app_key, form_key=str(flow.doc.get("form")))
    field = trigger_type.field(trigger)
    if field in BUILTIN_TIMES:
        return _scan_builtin(db, app_key, flow, trigger_type, trigger, form, now, limit)
    kind = form.field_types.get(field)
    if trigger.get("every") == "year" and kind in ("date", "datetime"):
        return _scan_yearly(db, app_key, flow, trigger_type, trigger, form, now, limit)
    if kind not in ("date", "datetime"):
        log.warning("time trigger of %s/%s: %r is not a date field", app_key, flow.key, field)
        return 0
    published = flow.published_at or now
    window: list[Any] = [
        {
            "field": field,
            "op": "lte",
            "value": _moment_text(kind, trigger_type.latest_value(trigger, now)),
        },
        {
            "field": field,
            "op": "gte",
            "value": _moment_text(kind, trigger_type.latest_value(trigger, published)),
        },
    ]
    if trigger.get("condition"):
        window.append(trigger["condition"])
    query, builder = records.list_statement(
        db.get_bind().dialect.name, form=form, condition={"all": window}, sort="id", limit=limit
    )
    rows = list(db.scalars(query.where(_unfired(app_key, flow.key, builder.column(field)))))
    return _fire(db, app_key, flow, [(r, str(r.data.get(field))) for r in rows], now)


def _scan_builtin(
    db: Session,
    app_key: str,
    flow: flows.PublishedFlow,
    trigger_type: TimeTrigger,
    trigger: dict[str, Any],
    form: records.FormVersion,
    now: datetime,
    limit: int,
) -> int:
    """The record's own `created_at` / `updated_at` (no form field): fired once per value — a
    record with a firing at or after its value has had this moment."""
    column = BUILTIN_TIMES[trigger_type.field(trigger)]
    published = flow.published_at or now
    query, _builder = records.list_statement(
        db.get_bind().dialect.name,
        form=form,
        condition=trigger.get("condition") or None,
        sort="id",
        limit=limit,
    )
    fired_since = exists().where(
        and_(
            TriggerFiring.app_key == app_key,
            TriggerFiring.flow_key == flow.key,
            TriggerFiring.record_id == Record.id,
            TriggerFiring.at >= column,
        )
    )
    query = query.where(
        column <= trigger_type.latest_value(trigger, now),
        column >= trigger_type.latest_value(trigger, published),
        ~fired_since,
    )
    rows = list(db.scalars(query))
    due = [
        (row, _moment_text("datetime", getattr(row, trigger_type.field(trigger)))) for row in rows
    ]
    return _fire(db, app_key, flow, due, now)


def _scan_yearly(
    db: Session,
    app_key: str,
    flow: flows.PublishedFlow,
    trigger_type: TimeTrigger,
    trigger: dict[str, Any],
    form: records.FormVersion,
    now: datetime,
    limit: int,
) -> int:
    """`every: year` (a birthday): the field's month and day in the latest year whose moment has
    come — the occurrence is that date (`2027-06-01`), so each year fires once and downtime
    catches up the latest year once. 29 February falls on 1 March in other years."""
    field = trigger_type.field(trigger)
    latest = trigger_type.latest_value(trigger, now).astimezone(UTC).date()
    earliest = trigger_type.latest_value(trigger, flow.published_at or now).astimezone(UTC).date()
    query, builder = records.list_statement(
        db.get_bind().dialect.name,
        form=form,
        condition=trigger.get("condition") or None,
        sort="id",
        limit=limit,
    )
    value = builder.column(field)
    month_day = func.substr(value, 6, 5)
    today = latest.isoformat()[5:]
    occurrence = case(
        (month_day <= today, literal(f"{latest.year:04d}-") + month_day),
        else_=literal(f"{latest.year - 1:04d}-") + month_day,
    )
    query = query.where(
        value.is_not(None),
        func.substr(value, 1, 10) <= latest.isoformat(),  # not before the date itself
        occurrence >= earliest.isoformat(),
        _unfired(app_key, flow.key, occurrence),
    )
    due = [(row, anniversary(str(row.data.get(field)), latest)) for row in db.scalars(query)]
    return _fire(db, app_key, flow, due, now)


def anniversary(value: str, latest: date) -> str:
    """The latest yearly occurrence of the date `value` (ISO text) on or before `latest`, as the
    occurrence text the yearly scan stores (the same text its SQL computes)."""
    month_day = value[5:10]
    year = latest.year if month_day <= latest.isoformat()[5:] else latest.year - 1
    return f"{year:04d}-{month_day}"


def latest_tick(cron: str, zone: str, now: datetime) -> datetime:
    """The last schedule time at or before `now` (aware, UTC)."""
    local = now.astimezone(ZoneInfo(zone))
    ticks = croniter(cron, local + timedelta(seconds=1))
    tick: datetime = ticks.get_prev(datetime)
    return tick.astimezone(UTC)


def _scan_schedule(
    db: Session,
    app_key: str,
    flow: flows.PublishedFlow,
    trigger: dict[str, Any],
    now: datetime,
    limit: int,
) -> int:
    zone = str(trigger.get("timezone") or DEFAULT_ZONE)
    try:
        tick = latest_tick(str(trigger.get("cron", "")), zone, now)
    except (ValueError, KeyError, ZoneInfoNotFoundError) as error:
        log.warning("schedule of %s/%s is unusable: %s", app_key, flow.key, error)
        return 0
    if flow.published_at is not None and tick < flow.published_at:
        return 0  # the latest time came before this version was published
    occurrence = _moment_text("datetime", tick)
    form = records.load_form(db, app_key=app_key, form_key=str(flow.doc.get("form")))
    query, _builder = records.list_statement(
        db.get_bind().dialect.name,
        form=form,
        condition=trigger.get("condition") or None,
        sort="id",
        limit=limit,
    )
    rows = list(db.scalars(query.where(_unfired(app_key, flow.key, occurrence))))
    return _fire(db, app_key, flow, [(record, occurrence) for record in rows], now)


def _unfired(app_key: str, flow_key: str, occurrence: Any) -> ColumnElement[bool]:
    """Records with no firing of this flow for `occurrence` (a value or a column of the row)."""
    return ~exists().where(
        and_(
            TriggerFiring.app_key == app_key,
            TriggerFiring.flow_key == flow_key,
            TriggerFiring.record_id == Record.id,
            TriggerFiring.occurrence == occurrence,
        )
    )


def _fire(
    db: Session,
    app_key: str,
    flow: flows.PublishedFlow,
    due: list[tuple[Record, str]],
    now: datetime,
) -> int:
    """A firing row per (record, occurrence), then the automation; how many started."""
    started = 0
    for record, occurrence in due:
        firing = TriggerFiring(
            app_key=app_key, flow_key=flow.key, record_id=record.id, occurrence=occurrence, at=now
        )
        try:
            with db.begin_nested():
                db.add(firing)
                db.flush()
        except IntegrityError:
            continue  # another scheduler fired it meanwhile
        try:
            with db.begin_nested():
                instance, verdict = sequences.start(
                    db, definition=flow, record=record, actor=None, now=now
                )
            if instance is None:  # a sequence the record may not enter (again) now
                log.info("%s not started on record %s: %s", flow.key, record.id, verdict)
                continue
            firing.instance_id = instance.id
            started += 1
        except FormworkError as error:
            log.warning(
                "time trigger %s on record %s failed: %s", flow.key, record.id, error.message
            )
    return started
