"""Money field: decimal strings, currency marks, symbols by locale."""

from __future__ import annotations

from typing import Any

import pytest

from runtime.fields import ValueProblem, field_types

TYPE = field_types.load("money")


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
        ("¥1,234.5", {}, "1234.50"),
        ("￥1,234.5", {}, "1234.50"),
        ("1234.5元", {}, "1234.50"),
        ("RMB 12", {}, "12.00"),
        ("-¥3", {}, "-3.00"),
        (1234.5, {}, "1234.50"),
        (7, {}, "7.00"),
        ("１２.３", {}, "12.30"),
        ("0.005", {}, "0.01"),
        ("US$1,000", {"currency": "USD"}, "1000.00"),
        ("$5", {"currency": "USD"}, "5.00"),
        ("12.345", {"decimals": 0}, "12"),
    ],
)
def test_canonical_values(raw: Any, config: dict[str, Any], expected: str) -> None:
    assert check(raw, config) == expected


@pytest.mark.parametrize(
    ("raw", "config", "expected"),
    [
        ("$5", {}, "currency_mismatch"),
        ("5 EUR", {}, "currency_mismatch"),
        ("¥abc", {}, "invalid_number"),
        ("", {}, "invalid_number"),
        (False, {}, "invalid_type"),
        (-1, {"min": 0}, "too_small"),
        ("1000.01", {"max": 1000}, "too_large"),
    ],
)
def test_problems(raw: Any, config: dict[str, Any], expected: str) -> None:
    assert code(raw, config) == expected


def test_format_uses_the_locale_symbol() -> None:
    assert TYPE.format("1234.50", {}, "zh-CN") == "¥1,234.50"
    assert TYPE.format("1234.50", {}, "en") == "CN¥1,234.50"
    assert TYPE.format("-5.00", {"currency": "USD"}, "en") == "-$5.00"
    assert TYPE.format("5.00", {"currency": "CHF"}, "en") == "CHF 5.00"


def test_messages_in_both_locales() -> None:
    problem = TYPE.problem("currency_mismatch", "amount", "zh-CN", currency="CNY")
    assert problem.message == "金额币种必须是 CNY。"
    assert "CNY" in TYPE.problem("currency_mismatch", "amount", "en", currency="CNY").message
