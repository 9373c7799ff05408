"""Textarea field: multi-line strings."""

from __future__ import annotations

from typing import Any

import pytest

from runtime.fields import ValueProblem, field_types

TYPE = field_types.load("textarea")


def check(raw: Any, config: dict[str, Any] | None = None) -> Any:
    return TYPE.compile(config or {})(raw)


def code(raw: Any, config: dict[str, Any] | None = None) -> str:
    with pytest.raises(ValueProblem) as caught:
        check(raw, config)
    assert {"en", "zh-CN"} <= set(TYPE.messages[caught.value.code])
    return caught.value.code


def test_keeps_line_breaks_and_normalises_them() -> None:
    assert check("a\r\nb\rc\n") == "a\nb\nc"


def test_default_limit_is_5000() -> None:
    assert check("x" * 5000) == "x" * 5000
    assert code("x" * 5001) == "too_long"


def test_reports_too_short_and_wrong_type() -> None:
    assert code("ab", {"min_length": 5}) == "too_short"
    assert code({"a": 1}) == "invalid_type"


def test_format_in_both_locales() -> None:
    assert TYPE.format("a\nb", {}, "zh-CN") == "a\nb"
    assert TYPE.format("a\nb", {}, "en") == "a\nb"
