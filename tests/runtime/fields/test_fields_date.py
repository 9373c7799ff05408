"""Date field: spellings, bounds, formats."""

from __future__ import annotations

from typing import Any

import pytest

from runtime.fields import ValueProblem, field_types

TYPE = field_types.load("date")


def check(raw: Any, config: dict[str, Any] | None = None) -> Any:
    return TYPE.compile(config or {})(raw)


def code(raw: Any, config: dict[str, Any] | None = None) -> str:
    with pytest.raises(ValueProblem) as caught:
        check(raw, config)
    assert {"en", "zh-CN"} <= set(TYPE.messages[caught.value.code])
    return caught.value.code


@pytest.mark.parametrize(
    "raw",
    [
        "2026-11-22",
        "2026/11/22",
        "2026年11月22日",
        "2026.11.22",
        " ２０２６－１１－２２ ",
        "2026年 11月 22日",
    ],
)
def test_accepts_common_spellings(raw: str) -> None:
    assert check(raw) == "2026-11-22"


def test_pads_single_digits() -> None:
    assert check("2026/1/5") == "2026-01-05"


@pytest.mark.parametrize(
    ("raw", "config", "expected"),
    [
        ("2026-02-30", {}, "invalid_date"),
        ("22/11/2026", {}, "invalid_date"),
        ("tomorrow", {}, "invalid_date"),
        (20261122, {}, "invalid_type"),
        ("2019-12-31", {"min": "2020-01-01"}, "date_too_early"),
        ("2030-01-01", {"max": "2029-12-31"}, "date_too_late"),
    ],
)
def test_problems(raw: Any, config: dict[str, Any], expected: str) -> None:
    assert code(raw, config) == expected


def test_bounds_are_inclusive() -> None:
    config = {"min": "2026-01-01", "max": "2026-12-31"}
    assert check("2026-01-01", config) == "2026-01-01"
    assert check("2026-12-31", config) == "2026-12-31"


def test_format_in_both_locales() -> None:
    assert TYPE.format("2026-11-22", {}, "zh-CN") == "2026年11月22日"
    assert TYPE.format("2026-01-05", {}, "zh-CN") == "2026年1月5日"
    assert TYPE.format("2026-11-22", {}, "en") == "2026-11-22"
