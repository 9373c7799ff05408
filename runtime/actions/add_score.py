"""add_score: add points to a number field; crossing a threshold emits `score_crossed`. Shell.

Points are fixed (`points`), summed over the record's attributes (`attributes`: every rule whose
condition holds adds its points), or chosen by the behaviour that started the automation
(`rules`: the first rule whose `type` and `data` match the event) — one action, one write. The
score is a system write (the field may be read-only to people). Crossing `threshold` upwards
emits a `score_crossed` event {field, from, to, threshold} in the same transaction: the MQL
automation listens to it — once per record and threshold: a score that decays below the
threshold and climbs back over it emits nothing again (no second MQL for the same lead).

Decay (`decay` {half_life, flow}): behaviour points lose half their value every `half_life`.
The ledger is the record's behaviour events that the scoring automation `flow` handled, each
priced by that flow's rules (its add_score `rules`); what the ledger has lost by `now`,
rounded to whole points, is a pure function of `now` (`lost_points`). What was already taken
off is kept per record and field in a counter (`serial_counters`), so each run takes off only
the difference: running it twice at the same `now`, or once a day for a month, gives the same
score. Attribute points do not decay.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ClassVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from runtime.actions.base import ActionContext, ActionType, action_types
from runtime.automation import events
from runtime.automation.events import CAUSE
from runtime.automation.models import Event, EventHandling
from runtime.definitions.durations import DurationError, parse_duration
from runtime.expr.conditions import evaluate_condition
from runtime.flows import service as flows
from runtime.records import service as records
from runtime.records.models import Record, SerialCounter


@action_types.register
class AddScore(ActionType):
    key = "add_score"
    label: ClassVar[dict[str, str]] = {"zh-CN": "加分", "en": "Add score"}
    icon = "star"
    group = "scoring"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "field": {"type": "string", "default": "score"},
            "points": {"type": "number"},
            "rules": {
                "description": "Points by the starting behaviour: [{type, data?, points}].",
                "type": "array",
                "items": {"type": "object", "required": ["type", "points"]},
            },
            "attributes": {
                "description": "Points by the record: [{condition, points, label?}], all summed.",
                "type": "array",
                "items": {"type": "object", "required": ["condition", "points"]},
            },
            "threshold": {"type": "number"},
            "decay": {
                "description": (
                    "Re-evaluate decay instead of adding: behaviour points scored by the "
                    "automation `flow` halve every `half_life` (an ISO-8601 duration)."
                ),
                "type": "object",
                "required": ["half_life", "flow"],
                "properties": {"half_life": {"type": "string"}, "flow": {"type": "string"}},
            },
        },
    }

    def run(self, ctx: ActionContext) -> dict[str, Any]:
        record = ctx.record
        if record is None or record.deleted_at is not None:
            return {"error": "record deleted"}
        if ctx.params.get("decay") is not None:
            return _decay(ctx, record)
        points, why = _points(ctx)
        if points is None:
            return {"skipped": why}
        field = str(ctx.params.get("field") or "score")
        before = _number(record.data.get(field))
        after = before + points
        _write(ctx, record, field, after)
        result: dict[str, Any] = {"field": field, "from": str(before), "to": str(after), **why}
        threshold = ctx.params.get("threshold")
        crossing = threshold is not None and before < Decimal(str(threshold)) <= after
        if crossing and _crossed_before(ctx.db, record, field, threshold):
            result["recrossed"] = threshold  # decayed below and back: no second event
        elif crossing:
            events.emit(
                ctx.db,
                app_key=record.app_key,
                kind="score_crossed",
                form_key=record.form_key,
                record_id=record.id,
                actor_id=None,
                payload={
                    "field": field,
                    "from": str(before),
                    "to": str(after),
                    "threshold": threshold,
                },
                now=ctx.now,
            )
            result["crossed"] = threshold
        result["record"] = dict(record.data)
        return result


def _points(ctx: ActionContext) -> tuple[Decimal | None, dict[str, Any]]:
    if ctx.params.get("points") is not None:
        return Decimal(str(ctx.params["points"])), {"points": ctx.params["points"]}
    if ctx.params.get("attributes"):
        values = dict(ctx.record.data) if ctx.record is not None else {}
        matched = [
            rule
            for rule in ctx.params["attributes"]
            if evaluate_condition(rule["condition"], values, now=ctx.now)
        ]
        total = sum((Decimal(str(rule["points"])) for rule in matched), Decimal(0))
        why = [{"label": rule.get("label"), "points": rule["points"]} for rule in matched]
        return total, {"matched": why}
    cause = ctx.db.info.get(CAUSE)
    event = ctx.db.get(Event, cause[0]) if cause else None
    payload: Mapping[str, Any] = event.payload if event is not None else {}
    for rule in ctx.params.get("rules") or ():
        if price([rule], payload) is not None:
            return Decimal(str(rule["points"])), {"rule": rule}
    return None, {"reason": "no rule for this behaviour", "behaviour": payload.get("type")}


def _number(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal(0)
    except ArithmeticError:
        return Decimal(0)


def _crossed_before(db: Session, record: Record, field: str, threshold: Any) -> bool:
    """Whether this record's `field` has crossed `threshold` upwards before."""
    payloads = db.scalars(
        select(Event.payload).where(Event.record_id == record.id, Event.kind == "score_crossed")
    )
    return any(
        p.get("field") == field and Decimal(str(p.get("threshold"))) == Decimal(str(threshold))
        for p in payloads
    )


def decay_factor(age: timedelta, half_life: timedelta) -> Decimal:
    """What one point is worth after `age`: 1 when new, ½ after one half-life. Pure."""
    if age <= timedelta(0):
        return Decimal(1)
    return Decimal(0.5 ** (age / half_life))


def _write(ctx: ActionContext, record: Record, field: str, value: Decimal) -> None:
    """The score as the system writes it (a read-only field, through the records service)."""
    records.update_record(
        ctx.db,
        record=record,
        raw={field: str(value)},
        expected_version=None,
        actor=None,
        now=ctx.now,
        via="flow",
        system=True,
    )


def lost_points(
    ledger: Iterable[tuple[datetime, Decimal]], *, now: datetime, half_life: timedelta
) -> Decimal:
    """Whole points the ledger (when, points) has lost to decay by `now`. Pure.

    Entries after `now` count for nothing yet. Rounded half up once, over the sum, so the
    result depends on `now` alone — not on how often or when it was computed before.
    """
    lost = sum(
        (points * (1 - decay_factor(now - at, half_life)) for at, points in ledger if at <= now),
        Decimal(0),
    )
    return lost.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def price(rules: Iterable[Mapping[str, Any]], payload: Mapping[str, Any]) -> Decimal | None:
    """The points of the first rule matching a behaviour {type, data}, or None. Pure."""
    data = payload.get("data") or {}
    for rule in rules:
        wanted = rule.get("data") or {}
        if rule.get("type") == payload.get("type") and all(
            data.get(key) == value for key, value in wanted.items()
        ):
            return Decimal(str(rule["points"]))
    return None


def _decay(ctx: ActionContext, record: Record) -> dict[str, Any]:
    config = ctx.params["decay"]
    field = str(ctx.params.get("field") or "score")
    try:
        half_life = parse_duration(str(config.get("half_life")))
    except DurationError as error:
        return {"error": f"decay half_life: {error}"}
    if half_life <= timedelta(0):
        return {"error": "decay half_life must be more than zero"}
    scoring = flows.published_flow(ctx.db, app_key=record.app_key, key=str(config.get("flow")))
    if scoring is None:
        return {"error": f"no published scoring flow {config.get('flow')!r}"}
    rules = [
        rule
        for node in scoring.doc.get("nodes") or ()
        if (node.get("config") or {}).get("action") == "add_score"
        for rule in ((node.get("config") or {}).get("params") or {}).get("rules") or ()
    ]
    handled = ctx.db.execute(
        select(Event.created_at, Event.payload)
        .join(EventHandling, EventHandling.event_id == Event.id)
        .where(
            Event.record_id == record.id,
            Event.kind == "behaviour",
            EventHandling.handler == f"flow:{scoring.key}",
            EventHandling.outcome == "started",
        )
    )
    ledger = [(at, points) for at, payload in handled if (points := price(rules, payload))]
    target = lost_points(ledger, now=ctx.now, half_life=half_life)
    scope = f"score_decay:{record.app_key}/{record.id}/{field}"
    counter = ctx.db.get(SerialCounter, scope, with_for_update=True)
    applied = Decimal(counter.value) if counter is not None else Decimal(0)
    why = {"decay": {"half_life": config.get("half_life"), "flow": scoring.key}}
    if target == applied:
        return {"skipped": "nothing more has decayed", "lost": str(target), **why}
    before = _number(record.data.get(field))
    after = before - (target - applied)
    _write(ctx, record, field, after)
    if counter is None:
        ctx.db.add(SerialCounter(scope=scope, value=int(target)))
    else:
        counter.value = int(target)
    ctx.db.flush()
    # Decay only lowers the score: it never emits `score_crossed` (no MQL on the way down).
    return {
        "field": field,
        "from": str(before),
        "to": str(after),
        "lost": str(target),
        **why,
        "record": dict(record.data),
    }
