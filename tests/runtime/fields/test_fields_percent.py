"""Percent field: ratios as decimal text."""

from __future__ import annotations

from typing import Any

import pytest

from runtime.fields import ValueProblem, field_types

TYPE = field_types.load("percent")


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
        ("75%", {}, "0.75"),
        ("75％", {}, "0.75"),
        (0.75, {}, "0.75"),
        ("0.75", {}, "0.75"),
        ("12.345%", {}, "0.1235"),
        ("100%", {}, "1"),
        ("0%", {}, "0"),
        ("12.5%", {"decimals": 0}, "0.13"),
        (1, {}, "1"),
    ],
)
def test_canonical_values(raw: Any, config: dict[str, Any], expected: str) -> None:
    assert check(raw, config) == expected


@pytest.mark.parametrize(
    ("raw", "config", "expected"),
    [
        ("abc%", {}, "invalid_number"),
        (None, {}, "invalid_type"),
        ("-1%", {"min": 0}, "too_small"),
        ("120%", {"max": 1}, "too_large"),
    ],
)
def test_problems(raw: Any, config: dict[str, Any], expected: str) -> None:
    assert code(raw, config) == expected


def test_range_message_shows_percentages() -> None:
    with pytest.raises(ValueProblem) as caught:
        check("120%", {"max": 1})
    assert TYPE.problem("too_large", "rate", "en", **caught.value.params).message == (
        "Must be at most 100%."
    )


def test_format_in_both_locales() -> None:
    assert TYPE.format("0.75", {}, "zh-CN") == "75%"
    assert TYPE.format("0.7525", {}, "en") == "75.25%"
    assert TYPE.format("1", {}, "en") == "100%"
