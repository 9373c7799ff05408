"""Text field: strings, bounds, patterns."""

from __future__ import annotations

from typing import Any

import pytest

from runtime.errors import InvalidDefinition
from runtime.fields import ValueProblem, field_types

TYPE = field_types.load("text")


def check(raw: Any, config: dict[str, Any] | None = None) -> Any:
    return TYPE.compile(config or {})(raw)


def code(raw: Any, config: dict[str, Any] | None = None) -> str:
    with pytest.raises(ValueProblem) as caught:
        check(raw, config)
    assert {"en", "zh-CN"} <= set(TYPE.messages[caught.value.code])
    return caught.value.code


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("  hello ", "hello"), ("北京", "北京"), (12, "12")],
)
def test_accepts_and_strips(raw: Any, expected: str) -> None:
    assert check(raw) == expected


def test_keeps_whitespace_when_strip_is_off() -> None:
    assert check(" a ", {"strip": False}) == " a "


@pytest.mark.parametrize(
    ("raw", "config", "expected"),
    [
        ("x" * 201, {}, "too_long"),
        ("ab", {"min_length": 3}, "too_short"),
        ("AB12", {"pattern": r"[A-Z]{2}\d{4}"}, "pattern_mismatch"),
        ("a\nb", {}, "no_line_breaks"),
        (["a"], {}, "invalid_type"),
        (True, {}, "invalid_type"),
    ],
)
def test_reports_problems(raw: Any, config: dict[str, Any], expected: str) -> None:
    assert code(raw, config) == expected


def test_pattern_must_match_whole_value() -> None:
    assert check("AB1234", {"pattern": r"[A-Z]{2}\d{4}"}) == "AB1234"
    assert code("AB12345", {"pattern": r"[A-Z]{2}\d{4}"}) == "pattern_mismatch"


@pytest.mark.parametrize(
    ("pattern", "expected"), [("(a+)+$", "unsafe_pattern"), ("(", "invalid_pattern")]
)
def test_refuses_unsafe_or_broken_patterns(pattern: str, expected: str) -> None:
    with pytest.raises(InvalidDefinition) as caught:
        TYPE.compile({"pattern": pattern})
    assert caught.value.code == expected


def test_pattern_message_from_config_in_both_locales() -> None:
    config = {"pattern": r"\d+", "pattern_message": {"zh-CN": "只能填数字", "en": "Digits only"}}
    with pytest.raises(ValueProblem) as caught:
        check("abc", config)
    params = caught.value.params
    assert TYPE.problem("pattern_mismatch", "code", "zh-CN", **params).message == "只能填数字"
    assert TYPE.problem("pattern_mismatch", "code", "en", **params).message == "Digits only"
    assert TYPE.problem("pattern_mismatch", "code", "en").message == (
        "This value is not in the expected format."
    )


def test_too_long_message_names_the_limit() -> None:
    problem = TYPE.problem("too_long", "name", "zh-CN", max=200)
    assert problem.message == "最多 200 个字符。"
    assert TYPE.problem("too_long", "name", "en", max=200).message == "At most 200 characters."


def test_format_is_the_text() -> None:
    assert TYPE.format("abc", {}, "en") == "abc"
    assert TYPE.format(None, {}, "zh-CN") == ""
