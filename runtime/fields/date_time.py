"""Date-time field: ISO-8601 UTC with Z; naive input is read in the field's timezone. Pure."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from typing_extensions import override

from runtime.fields.base import Checker, FieldType, ValueProblem, field_types
from runtime.fields.common import HALFWIDTH, TIMEZONE_SCHEMA, bad_config, with_common
from runtime.fields.date import format_date

_DATETIME = re.compile(
    r"(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*日?"
    r"(?:[T\s]\s*(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?"
)
UTC_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"


def load_zone(name: str) -> ZoneInfo:
    """The zone named in config, or an `InvalidDefinition`."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise bad_config("unknown_timezone", f"unknown timezone {name!r}") from None


def parse_datetime(raw: Any, zone: ZoneInfo) -> datetime:
    """Parse an ISO-like date-time; naive values are local to `zone`. Returns UTC."""
    if not isinstance(raw, str):
        raise ValueProblem("invalid_type")
    match = _DATETIME.fullmatch(raw.translate(HALFWIDTH).strip()) if len(raw) <= 64 else None
    if match is None:
        raise ValueProblem("invalid_datetime")
    year, month, day, hour, minute, second, _fraction, offset = match.groups()
    try:
        tz: timezone | ZoneInfo = zone
        if offset == "Z":
            tz = UTC
        elif offset:
            digits = offset[1:].replace(":", "")
            delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
            tz = timezone(-delta if offset[0] == "-" else delta)
        local = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            tzinfo=tz,
        )
        return local.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValueProblem("invalid_datetime") from None


@field_types.register
class DateTime(FieldType):
    key = "datetime"
    version = 1
    label: ClassVar[dict[str, str]] = {"en": "Date and time", "zh-CN": "日期时间"}
    icon = "clock"
    group = "basic"
    widget = "datetime"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {"timezone": TIMEZONE_SCHEMA},
    }
    example_config: ClassVar[dict[str, Any]] = {"timezone": "Asia/Shanghai"}
    messages = with_common(
        {
            "invalid_datetime": {
                "en": "Enter a date and time like 2026-11-22 08:30.",
                "zh-CN": "请输入有效的日期时间。",
            }
        }
    )

    @override
    def value_schema(self, config: Mapping[str, Any]) -> dict[str, Any]:
        return {"type": "string", "format": "date-time", "pattern": UTC_PATTERN}

    @override
    def compile(self, config: Mapping[str, Any]) -> Checker:
        zone = load_zone(config.get("timezone", "Asia/Shanghai"))

        def check(raw: Any) -> str:
            return parse_datetime(raw, zone).strftime("%Y-%m-%dT%H:%M:%SZ")

        return check

    @override
    def format(self, value: Any, config: Mapping[str, Any], locale: str) -> str:
        if value is None:
            return ""
        zone = load_zone(config.get("timezone", "Asia/Shanghai"))
        local = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(zone)
        return f"{format_date(local.date(), locale)} {local:%H:%M}"
