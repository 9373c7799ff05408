"""Event triggers: behaviours, a score crossing, inbound webhooks. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from runtime.automation.triggers.base import Occurrence, TriggerType, trigger_types

_CONDITION = {"description": "A condition tree on the record; empty: always."}


@trigger_types.register
class Behaviour(TriggerType):
    """`POST /api/apps/{app}/events` {type, form, record_id, data}: what a record's person did."""

    key = "behaviour"
    label: ClassVar[dict[str, str]] = {"zh-CN": "客户行为", "en": "Behaviour event"}
    group = "event"
    event_kind = "behaviour"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "types": {
                "description": "Behaviour types that start it (page_view …); empty: any.",
                "type": "array",
                "items": {"type": "string"},
            },
            "data": {
                "description": "Values the behaviour's data must have ({asset: whitepaper}).",
                "type": "object",
            },
            "condition": _CONDITION,
        },
    }

    def matches(self, config: Mapping[str, Any], occurrence: Occurrence, now: datetime) -> bool:
        types = set(config.get("types") or ())
        if types and occurrence.payload.get("type") not in types:
            return False
        data = occurrence.payload.get("data") or {}
        wanted = config.get("data") or {}
        if any(data.get(key) != value for key, value in wanted.items()):
            return False
        return super().matches(config, occurrence, now)


@trigger_types.register
class ScoreCrossed(TriggerType):
    """An `add_score` action took a score over its threshold (e.g. 80: the lead is an MQL)."""

    key = "score_crossed"
    label: ClassVar[dict[str, str]] = {"zh-CN": "评分达到阈值", "en": "Score threshold crossed"}
    group = "event"
    event_kind = "score_crossed"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "threshold": {"description": "Only this threshold; empty: any.", "type": "number"},
            "condition": _CONDITION,
        },
    }

    def matches(self, config: Mapping[str, Any], occurrence: Occurrence, now: datetime) -> bool:
        wanted = config.get("threshold")
        if wanted is not None and occurrence.payload.get("threshold") != wanted:
            return False
        return super().matches(config, occurrence, now)


@trigger_types.register
class Webhook(TriggerType):
    """A signed call to `/hooks/{app}/{hook}` about a record (runtime/automation/hooks.py)."""

    key = "webhook"
    label: ClassVar[dict[str, str]] = {"zh-CN": "接收 Webhook", "en": "Inbound webhook"}
    group = "event"
    event_kind = "webhook"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["hook"],
        "properties": {"hook": {"type": "string"}, "condition": _CONDITION},
    }

    def matches(self, config: Mapping[str, Any], occurrence: Occurrence, now: datetime) -> bool:
        if occurrence.payload.get("hook") != config.get("hook"):
            return False
        return super().matches(config, occurrence, now)
