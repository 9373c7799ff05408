"""Date field: "YYYY-MM-DD"; accepts 2026/11/22 and 2026年11月22日. Pure."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any, ClassVar

from typing_extensions import override

from runtime.fields.base import Checker, FieldType, ValueProblem, field_types
from runtime.fields.common import HALFWIDTH, with_common

_DATE = re.compile(r"(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*日?")
DATE_SCHEMA: dict[str, Any] = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}


def parse_date(raw: Any) -> date:
    """Parse a date in any accepted spelling or raise `invalid_date`."""
    if not isinstance(raw, str):
        raise ValueProblem("invalid_type")
    match = _DATE.fullmatch(raw.translate(HALFWIDTH).strip()) if len(raw) <= 40 else None
    if match is None:
        raise ValueProblem("invalid_date")
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise ValueProblem("invalid_date") from None


def format_date(value: date, locale: str) -> str:
    """zh-CN "2026年11月22日", en "2026-11-22"."""
    if locale == "zh-CN":
        return f"{value.year}年{value.month}月{value.day}日"
    return value.isoformat()


@field_types.register
class Date(FieldType):
    key = "date"
    version = 1
    label: ClassVar[dict[str, str]] = {"en": "Date", "zh-CN": "日期"}
    icon = "calendar"
    group = "basic"
    widget = "date"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {"min": DATE_SCHEMA, "max": DATE_SCHEMA},
    }
    example_config: ClassVar[dict[str, Any]] = {"min": "2020-01-01", "max": "2099-12-31"}
    messages = with_common(
        {
            "invalid_date": {"en": "Enter a date like 2026-11-22.", "zh-CN": "请输入有效日期。"},
            "date_too_early": {"en": "Must be on or after {min}.", "zh-CN": "不能早于 {min}。"},
            "date_too_late": {"en": "Must be on or before {max}.", "zh-CN": "不能晚于 {max}。"},
        }
    )

    @override
    def value_schema(self, config: Mapping[str, Any]) -> dict[str, Any]:
        return {"type": "string", "format": "date", "pattern": DATE_SCHEMA["pattern"]}

    @override
    def compile(self, config: Mapping[str, Any]) -> Checker:
        low: str | None = config.get("min")
        high: str | None = config.get("max")

        def check(raw: Any) -> str:
            text = _iso_date(raw) or parse_date(raw).isoformat()
            if low is not None and text < low:
                raise ValueProblem("date_too_early", min=low)
            if high is not None and text > high:
                raise ValueProblem("date_too_late", max=high)
            return text

        return check

    @override
    def format(self, value: Any, config: Mapping[str, Any], locale: str) -> str:
        if value is None:
            return ""
        return format_date(date.fromisoformat(value), locale)


def _iso_date(raw: Any) -> str | None:
    """`raw` itself when it is already a valid YYYY-MM-DD date (the stored form), else None."""
    if type(raw) is not str or len(raw) != 10 or raw[4] != "-" or raw[7] != "-":
        return None
    try:
        return raw if date.fromisoformat(raw).isoformat() == raw else None
    except ValueError:
        return None
