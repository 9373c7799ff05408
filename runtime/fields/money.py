"""Money field: a decimal string in one currency ("1234.50"). Pure."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

from typing_extensions import override

from runtime.fields.base import Checker, FieldType, ValueProblem, field_types
from runtime.fields.common import (
    DECIMAL_BOUND_SCHEMA,
    HALFWIDTH,
    canonical_decimal,
    config_decimal,
    decimal_text,
    grouped,
    quantize,
    to_decimal,
    with_common,
)
from runtime.fields.number import RANGE_MESSAGES, range_check

# Symbols and words people type around an amount → the currencies they may mean.
_MARKS: dict[str, frozenset[str]] = {
    "人民币": frozenset({"CNY"}),
    "元": frozenset({"CNY"}),
    "RMB": frozenset({"CNY"}),
    "CN¥": frozenset({"CNY"}),
    "¥": frozenset({"CNY", "JPY"}),
    "￥": frozenset({"CNY", "JPY"}),
    "US$": frozenset({"USD"}),
    "HK$": frozenset({"HKD"}),
    "$": frozenset({"USD", "HKD", "SGD", "AUD", "CAD", "TWD"}),
    "美元": frozenset({"USD"}),
    "港元": frozenset({"HKD"}),
    "港币": frozenset({"HKD"}),
    "€": frozenset({"EUR"}),
    "欧元": frozenset({"EUR"}),
    "£": frozenset({"GBP"}),
    "英镑": frozenset({"GBP"}),
    "円": frozenset({"JPY"}),
    "日元": frozenset({"JPY"}),
}
_MARK = "|".join(sorted((re.escape(mark) for mark in _MARKS), key=len, reverse=True))
_AMOUNT = re.compile(
    rf"\s*(?P<sign>-?)\s*(?P<pre>{_MARK}|[A-Z]{{3}})?\s*(?P<number>[^\s¥￥$€£元円A-Za-z]+?)"
    rf"\s*(?P<post>{_MARK}|[A-Z]{{3}})?\s*"
)

_BARE = re.compile(r"[\d.,+\- ]+")

# CLDR-style symbols: (zh-CN, en).
SYMBOLS: dict[str, tuple[str, str]] = {
    "CNY": ("¥", "CN¥"),
    "USD": ("US$", "$"),
    "HKD": ("HK$", "HK$"),
    "EUR": ("€", "€"),
    "GBP": ("£", "£"),
    "JPY": ("JP¥", "¥"),
}


@field_types.register
class Money(FieldType):
    key = "money"
    version = 1
    label: ClassVar[dict[str, str]] = {"en": "Amount", "zh-CN": "金额"}
    icon = "money"
    group = "basic"
    widget = "money"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "currency": {"type": "string", "pattern": "^[A-Z]{3}$", "default": "CNY"},
            "min": DECIMAL_BOUND_SCHEMA,
            "max": DECIMAL_BOUND_SCHEMA,
            "decimals": {"type": "integer", "minimum": 0, "maximum": 4, "default": 2},
        },
    }
    example_config: ClassVar[dict[str, Any]] = {"currency": "CNY", "min": 0, "decimals": 2}
    messages = with_common(
        {
            **RANGE_MESSAGES,
            "invalid_number": {"en": "Enter an amount.", "zh-CN": "请输入金额。"},
            "currency_mismatch": {
                "en": "The amount must be in {currency}.",
                "zh-CN": "金额币种必须是 {currency}。",
            },
        }
    )

    @override
    def value_schema(self, config: Mapping[str, Any]) -> dict[str, Any]:
        places = config.get("decimals", 2)
        pattern = rf"^-?\d+\.\d{{{places}}}$" if places else r"^-?\d+$"
        return {"type": "string", "pattern": pattern}

    @override
    def compile(self, config: Mapping[str, Any]) -> Checker:
        currency = config.get("currency", "CNY")
        places = config.get("decimals", 2)
        low = config_decimal(config.get("min"))
        high = config_decimal(config.get("max"))
        shown = dict(config)

        canonical = canonical_decimal(places)

        def check(raw: Any) -> str:
            if type(raw) is str and canonical.fullmatch(raw):
                range_check(Decimal(raw), low, high, shown)  # already the stored form
                return raw
            if isinstance(raw, str) and _BARE.fullmatch(raw) is None:
                raw = strip_currency(raw, currency)
            value = quantize(to_decimal(raw), places)
            range_check(value, low, high, shown)
            return decimal_text(value)

        return check

    @override
    def format(self, value: Any, config: Mapping[str, Any], locale: str) -> str:
        if value is None:
            return ""
        return format_money(Decimal(str(value)), config.get("currency", "CNY"), locale)


def strip_currency(raw: str, currency: str) -> str:
    """Remove currency marks around an amount; a mark of another currency is a problem."""
    if len(raw) > 64:
        raise ValueProblem("invalid_number")
    match = _AMOUNT.fullmatch(raw.translate(HALFWIDTH))
    if match is None:
        return raw
    for mark in (match["pre"], match["post"]):
        if mark is None:
            continue
        allowed = _MARKS.get(mark, frozenset({mark}))
        if currency not in allowed:
            raise ValueProblem("currency_mismatch", currency=currency)
    return match["sign"] + match["number"]


def format_money(value: Decimal, currency: str, locale: str) -> str:
    """ "¥1,234.50" in zh-CN; the symbol follows the currency and the locale."""
    symbols = SYMBOLS.get(currency)
    symbol = (symbols[0] if locale == "zh-CN" else symbols[1]) if symbols else currency + " "
    sign = "-" if value < 0 else ""
    return f"{sign}{symbol}{grouped(value.copy_abs())}"
