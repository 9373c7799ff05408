"""URL field: allowed schemes and hosts only."""

from __future__ import annotations

from typing import Any

import pytest

from runtime.fields import ValueProblem, field_types

TYPE = field_types.load("url")


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
        ("https://example.com/a?b=1", {}, "https://example.com/a?b=1"),
        ("HTTP://Example.com", {}, "http://Example.com"),
        (" www.example.com/x ", {}, "https://www.example.com/x"),
        ("mailto:a@example.com", {"schemes": ["mailto"]}, "mailto:a@example.com"),
    ],
)
def test_accepts(raw: str, config: dict[str, Any], expected: str) -> None:
    assert check(raw, config) == expected


@pytest.mark.parametrize(
    ("raw", "config", "expected"),
    [
        ("javascript:alert(1)", {}, "url_scheme_not_allowed"),
        ("JavaScript:alert(1)", {}, "url_scheme_not_allowed"),
        ("data:text/html,<b>", {}, "invalid_url"),
        ("data:text/html;base64,AAAA", {}, "url_scheme_not_allowed"),
        ("ftp://example.com", {}, "url_scheme_not_allowed"),
        ("http://example.com", {"schemes": ["https"]}, "url_scheme_not_allowed"),
        ("https://", {}, "invalid_url"),
        ("https:///path", {}, "invalid_url"),
        ("https://exa mple.com", {}, "invalid_url"),
        ("https://example.com:99999", {}, "invalid_url"),
        ("/relative/path", {}, "invalid_url"),
        ("https://example.com/" + "a" * 2048, {}, "url_too_long"),
        (42, {}, "invalid_type"),
    ],
)
def test_problems(raw: Any, config: dict[str, Any], expected: str) -> None:
    assert code(raw, config) == expected


def test_format_and_messages_in_both_locales() -> None:
    assert TYPE.format("https://example.com", {}, "en") == "https://example.com"
    problem = TYPE.problem("url_scheme_not_allowed", "site", "zh-CN", schemes="https:")
    assert problem.message == "链接必须以 https: 开头。"
