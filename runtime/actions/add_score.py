"""add_score: add points to a number field; crossing a threshold emits `score_crossed`. Shell.

Points are fixed (`points`), summed over the record's attributes (`attributes`: every rule whose
condition holds adds its points), or chosen by the behaviour that started the automation
(`rules`: the first rule whose `type` and `data` match the event) — one action, one write. The
score is a system write (the field may be read-only to people). Crossing `threshold` upwards
emits a `score_crossed` event {field, from, to, threshold} in the same transaction: the MQL
automation listens to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

from runtime.actions.base import ActionContext, ActionType, action_types
from runtime.automation import events
from runtime.automation.events import CAUSE
from runtime.automation.models import Event
from runtime.expr.conditions import evaluate_condition
from runtime.records import service as records


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
        },
    }

    def run(self, ctx: ActionContext) -> dict[str, Any]:
        record = ctx.record
        if record is None or record.deleted_at is not None:
            return {"error": "record deleted"}
        points, why = _points(ctx)
        if points is None:
            return {"skipped": why}
        field = str(ctx.params.get("field") or "score")
        before = _number(record.data.get(field))
        after = before + points
        records.update_record(
            ctx.db,
            record=record,
            raw={field: str(after)},
            expected_version=None,
            actor=None,
            now=ctx.now,
            via="flow",
            system=True,
        )
        result: dict[str, Any] = {"field": field, "from": str(before), "to": str(after), **why}
        threshold = ctx.params.get("threshold")
        if threshold is not None and before < Decimal(str(threshold)) <= after:
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
    data = payload.get("data") or {}
    for rule in ctx.params.get("rules") or ():
        wanted = rule.get("data") or {}
        if rule.get("type") == payload.get("type") and all(
            data.get(key) == value for key, value in wanted.items()
        ):
            return Decimal(str(rule["points"])), {"rule": rule}
    return None, {"reason": "no rule for this behaviour", "behaviour": payload.get("type")}


def _number(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal(0)
    except ArithmeticError:
        return Decimal(0)
