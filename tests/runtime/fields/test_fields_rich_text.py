"""Rich text field: sanitised HTML."""

from __future__ import annotations

from typing import Any

import pytest

from runtime.fields import ValueProblem, field_types

TYPE = field_types.load("rich_text")


def check(raw: Any, config: dict[str, Any] | None = None) -> Any:
    return TYPE.compile(config or {})(raw)


def code(raw: Any, config: dict[str, Any] | None = None) -> str:
    with pytest.raises(ValueProblem) as caught:
        check(raw, config)
    assert {"en", "zh-CN"} <= set(TYPE.messages[caught.value.code])
    return caught.value.code


def test_keeps_allowed_markup() -> None:
    html = "<h2>标题</h2><p><strong>a</strong> <em>b</em></p><ul><li>c</li></ul>"
    assert check(html) == html


def test_tables_and_links_survive_with_safe_attributes() -> None:
    out = check('<table><tbody><tr><td colspan="2" style="x">1</td></tr></tbody></table>')
    assert out == '<table><tbody><tr><td colspan="2">1</td></tr></tbody></table>'
    link = check('<a href="https://example.com" title="t" target="_blank">x</a>')
    assert link == '<a href="https://example.com" title="t" rel="noopener noreferrer">x</a>'


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("<p>hi<script>alert(1)</script></p>", "<p>hi</p>"),
        ('<p onclick="steal()">hi</p>', "<p>hi</p>"),
        ('<a href="javascript:alert(1)">x</a>', '<a rel="noopener noreferrer">x</a>'),
        ('<img src="x" onerror="alert(1)">ok', "ok"),
        ("<style>p{}</style><p>a</p>", "<p>a</p>"),
        ("<iframe src='https://evil'></iframe>", ""),
    ],
)
def test_strips_dangerous_content(raw: str, expected: str) -> None:
    assert check(raw) == expected


def test_problems() -> None:
    assert code("<p>" + "x" * 60 + "</p>", {"max_length": 50}) == "too_long"
    assert code("x" * 200, {"max_length": 50}) == "too_long"
    assert code(["<p>"]) == "invalid_type"


def test_format_is_plain_text_in_both_locales() -> None:
    assert TYPE.format("<p>a &amp; <strong>b</strong></p>", {}, "zh-CN") == "a & b"
    assert TYPE.format("<p>x</p>", {}, "en") == "x"
