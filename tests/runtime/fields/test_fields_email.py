"""Email field: normalised addresses."""

from __future__ import annotations

from typing import Any

import pytest

from runtime.fields import ValueProblem, field_types

TYPE = field_types.load("email")


def check(raw: Any, config: dict[str, Any] | None = None) -> Any:
    return TYPE.compile(config or {})(raw)


def code(raw: Any, config: dict[str, Any] | None = None) -> str:
    with pytest.raises(ValueProblem) as caught:
        check(raw, config)
    assert {"en", "zh-CN"} <= set(TYPE.messages[caught.value.code])
    return caught.value.code


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Alice@Example.COM", "Alice@example.com"),
        ("  bob@example.cn ", "bob@example.cn"),
        ("ｃａｒｏｌ＠ｅｘａｍｐｌｅ．ｃｏｍ", "carol@example.com"),
        ("用户@例子.中国", "用户@例子.中国"),
    ],
)
def test_normalises(raw: str, expected: str) -> None:
    assert check(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("not an email", "invalid_email"),
        ("a@b", "invalid_email"),
        ("a@" + "x" * 300 + ".com", "invalid_email"),
        (5, "invalid_type"),
    ],
)
def test_problems(raw: Any, expected: str) -> None:
    assert code(raw) == expected


def test_format_in_both_locales() -> None:
    assert TYPE.format("a@example.com", {}, "zh-CN") == "a@example.com"
    assert (
        TYPE.problem(
            "invalid_email",
            "email",
            "en",
        ).message
        == "Enter a valid email address."
    )
