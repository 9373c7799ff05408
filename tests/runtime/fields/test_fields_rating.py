"""Rating field: whole stars."""

from __future__ import annotations

from typing import Any

import pytest

from runtime.fields import ValueProblem, field_types

TYPE = field_types.load("rating")


def check(raw: Any, config: dict[str, Any] | None = None) -> Any:
    return TYPE.compile(config or {})(raw)


def code(raw: Any, config: dict[str, Any] | None = None) -> str:
    with pytest.raises(ValueProblem) as caught:
        check(raw, config)
    assert {"en", "zh-CN"} <= set(TYPE.messages[caught.value.code])
    return caught.value.code


@pytest.mark.parametrize(("raw", "expected"), [(1, 1), (5, 5), ("4", 4), (3.0, 3)])
def test_accepts_whole_stars(raw: Any, expected: int) -> None:
    assert check(raw) == expected


@pytest.mark.parametrize(
    ("raw", "config", "expected"),
    [
        (0, {}, "rating_out_of_range"),
        (6, {}, "rating_out_of_range"),
        (9, {"max": 8}, "rating_out_of_range"),
        (2.5, {}, "invalid_type"),
        ("four", {}, "invalid_type"),
        (True, {}, "invalid_type"),
    ],
)
def test_problems(raw: Any, config: dict[str, Any], expected: str) -> None:
    assert code(raw, config) == expected


def test_format_in_both_locales() -> None:
    assert TYPE.format(4, {}, "zh-CN") == "★★★★☆"
    assert TYPE.format(2, {"max": 3}, "en") == "★★☆"
    assert TYPE.problem("rating_out_of_range", "r", "en", max=5).message == "Choose from 1 to 5."
