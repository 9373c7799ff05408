"""Date-time field: UTC with Z, naive input read in the field timezone."""

from __future__ import annotations

from typing import Any

import pytest

from runtime.errors import InvalidDefinition
from runtime.fields import ValueProblem, field_types

TYPE = field_types.load("datetime")


def check(raw: Any, config: dict[str, Any] | None = None) -> Any:
    return TYPE.compile(config or {})(raw)


def code(raw: Any, config: dict[str, Any] | None = None) -> str:
    with pytest.raises(ValueProblem) as caught:
        check(raw, config)
    assert {"en", "zh-CN"} <= set(TYPE.messages[caught.value.code])
    return caught.value.code


@pytest.mark.parametrize(
    ("raw", "config", "expected"),
    [
        ("2026-11-22T08:30:00Z", {}, "2026-11-22T08:30:00Z"),
        ("2026-11-22T16:30:00+08:00", {}, "2026-11-22T08:30:00Z"),
        ("2026-11-22T03:30:00-0500", {}, "2026-11-22T08:30:00Z"),
        ("2026-11-22 16:30", {}, "2026-11-22T08:30:00Z"),
        ("2026/11/22 16:30:15", {}, "2026-11-22T08:30:15Z"),
        ("2026-11-22T16:30:15.123456", {}, "2026-11-22T08:30:15Z"),
        ("2026-11-22", {}, "2026-11-21T16:00:00Z"),
        ("2026-07-01 12:00", {"timezone": "Europe/Berlin"}, "2026-07-01T10:00:00Z"),
        ("2026-11-22 08:30", {"timezone": "UTC"}, "2026-11-22T08:30:00Z"),
    ],
)
def test_canonical_values(raw: str, config: dict[str, Any], expected: str) -> None:
    assert check(raw, config) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-11-22T25:00", "invalid_datetime"),
        ("next week", "invalid_datetime"),
        ("2026-11-22T08:30+99:00", "invalid_datetime"),
        (1700000000, "invalid_type"),
    ],
)
def test_problems(raw: Any, expected: str) -> None:
    assert code(raw) == expected


def test_unknown_timezone_is_a_definition_problem() -> None:
    with pytest.raises(InvalidDefinition) as caught:
        TYPE.compile({"timezone": "Mars/Olympus"})
    assert caught.value.code == "unknown_timezone"


def test_format_in_the_field_timezone_in_both_locales() -> None:
    assert TYPE.format("2026-11-22T08:30:00Z", {}, "zh-CN") == "2026年11月22日 16:30"
    assert TYPE.format("2026-11-22T08:30:00Z", {}, "en") == "2026-11-22 16:30"
    assert TYPE.format("2026-11-22T08:30:00Z", {"timezone": "UTC"}, "en") == "2026-11-22 08:30"
