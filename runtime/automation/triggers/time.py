"""Time triggers: a date field plus an offset has come (relative date, inactivity). Pure.

Not started by events: the background pass scans for records whose moment has come
(runtime/automation/schedule.py). A trigger fires once per record and occurrence (the field's
value), so a renewed contract (a new end date) or new activity (a new last-activity time) can
fire it again, and downtime is caught up once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, ClassVar

from runtime.automation.triggers.base import TriggerType, trigger_types
from runtime.definitions.durations import parse_duration

_CONDITION = {"description": "A condition tree on the record; empty: always."}


class TimeTrigger(TriggerType):
    """Fires when `field` + the offset is at or before now."""

    group = "time"
    event_kind = "time"  # never an event: schedule.py does the work
    offset_key: ClassVar[str] = "offset"

    def offset(self, config: Mapping[str, Any]) -> timedelta:
        return parse_duration(str(config.get(self.offset_key) or "P0D"))

    def field(self, config: Mapping[str, Any]) -> str:
        return str(config.get("field", ""))

    def latest_value(self, config: Mapping[str, Any], now: datetime) -> datetime:
        """Records whose field is at or before this moment are due."""
        return now - self.offset(config)


@trigger_types.register
class RelativeDate(TimeTrigger):
    """'30 days before contract.end_date': field end_date, offset -P30D; 'on contact.birthday':
    field birthday, every year. The field may also be the record's `created_at` or `updated_at`
    ('24 hours after a lead came in')."""

    key = "relative_date"
    label: ClassVar[dict[str, str]] = {"zh-CN": "相对日期", "en": "Relative date"}
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["field"],
        "properties": {
            "field": {"type": "string"},
            "offset": {"description": "An ISO-8601 duration, negative before the date."},
            "every": {
                "description": "year: the date's month and day, every year.",
                "enum": ["year"],
            },
            "condition": _CONDITION,
        },
    }


@trigger_types.register
class Inactivity(TimeTrigger):
    """'No activity for 7 days': field last_activity_at, after P7D (or the record's `updated_at`:
    nothing changed for 7 days)."""

    key = "inactivity"
    label: ClassVar[dict[str, str]] = {"zh-CN": "无活动", "en": "Inactivity"}
    offset_key = "after"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["field", "after"],
        "properties": {
            "field": {"type": "string"},
            "after": {"description": "An ISO-8601 duration (P7D)."},
            "condition": _CONDITION,
        },
    }


@trigger_types.register
class Schedule(TriggerType):
    """'Every Monday at 9:00' (cron, in the organisation's time zone): once per record matching
    the condition and per schedule time; a server that was down fires the latest time once."""

    key = "schedule"
    label: ClassVar[dict[str, str]] = {"zh-CN": "定时", "en": "Schedule"}
    group = "time"
    event_kind = "time"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["cron"],
        "properties": {
            "cron": {"description": "Five cron fields: minute hour day month weekday."},
            "timezone": {"description": "IANA zone; default Asia/Shanghai."},
            "condition": _CONDITION,
        },
    }
