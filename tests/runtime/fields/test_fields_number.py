"""Number field: integers, decimal strings, grouping and full-width digits."""

from __future__ import annotations

from typing import Any

import pytest

from runtime.fields import ValueProblem, field_types

TYPE = field_types.load("number")


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
        (12, {}, 12),
        ("1,234", {}, 1234),
        ("１２３", {}, 123),
        ("１，２３４", {}, 1234),
        (" -7 ", {}, -7),
        (2.5, {}, 3),
        ("12.5", {"decimals": 2}, "12.50"),
        (0.1, {"decimals": 2}, "0.10"),
        ("1,234.567", {"decimals": 2}, "1234.57"),
        ("-0.001", {"decimals": 2}, "0.00"),
        (3, {"decimals": 1}, "3.0"),
    ],
)
def test_canonical_values(raw: Any, config: dict[str, Any], expected: Any) -> None:
    assert check(raw, config) == expected


@pytest.mark.parametrize(
    ("raw", "config", "expected"),
    [
        ("abc", {}, "invalid_number"),
        ("1,23", {}, "invalid_number"),
        ("1e5", {}, "invalid_number"),
        (float("nan"), {}, "invalid_number"),
        ("9" * 70, {}, "invalid_number"),
        (10**40, {}, "invalid_number"),
        (True, {}, "invalid_type"),
        ([1], {}, "invalid_type"),
        (-1, {"min": 0}, "too_small"),
        (11, {"max": "10"}, "too_large"),
        ("1.3", {"decimals": 1, "step": "0.5"}, "step_mismatch"),
    ],
)
def test_problems(raw: Any, config: dict[str, Any], expected: str) -> None:
    assert code(raw, config) == expected


def test_step_counts_from_min() -> None:
    assert check(3, {"min": 1, "step": 2}) == 3
    assert code(4, {"min": 1, "step": 2}) == "step_mismatch"


def test_bound_is_named_in_the_message() -> None:
    with pytest.raises(ValueProblem) as caught:
        check(-1, {"min": 0})
    assert (
        TYPE.problem("too_small", "qty", "zh-CN", **caught.value.params).message == "不能小于 0。"
    )
    assert TYPE.problem("too_small", "qty", "en", **caught.value.params).message == (
        "Must be at least 0."
    )


def test_value_schema_follows_decimals() -> None:
    assert TYPE.value_schema({})["type"] == "integer"
    assert TYPE.value_schema({"decimals": 2})["pattern"] == r"^-?\d+\.\d{2}$"


def test_format_groups_thousands_in_both_locales() -> None:
    assert TYPE.format(1234567, {}, "zh-CN") == "1,234,567"
    assert TYPE.format("1234.50", {"decimals": 2, "unit": "kg"}, "en") == "1,234.50 kg"
