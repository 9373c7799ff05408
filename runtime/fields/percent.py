"""Percent field: stored as the ratio's decimal text ("0.75" for 75%). Pure."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

from typing_extensions import override

from runtime.fields.base import Checker, FieldType, field_types
from runtime.fields.common import (
    DECIMAL_BOUND_SCHEMA,
    config_decimal,
    quantize,
    to_decimal,
    trim_zeros,
    with_common,
)
from runtime.fields.number import RANGE_MESSAGES, range_check

HUNDRED = Decimal(100)


@field_types.register
class Percent(FieldType):
    """`decimals` counts places of the percentage (75.25%), so the ratio keeps decimals + 2.

    The stored ratio is trimmed of trailing zeros ("0.75", "1", "0.7525") so that every
    amount has exactly one canonical text. A bare number is a ratio; "75%" is a percentage.
    """

    key = "percent"
    version = 1
    label: ClassVar[dict[str, str]] = {"en": "Percent", "zh-CN": "百分比"}
    icon = "percent"
    group = "basic"
    widget = "percent"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "min": DECIMAL_BOUND_SCHEMA,
            "max": DECIMAL_BOUND_SCHEMA,
            "decimals": {"type": "integer", "minimum": 0, "maximum": 6, "default": 2},
        },
    }
    example_config: ClassVar[dict[str, Any]] = {"min": 0, "max": 1, "decimals": 1}
    messages = with_common(RANGE_MESSAGES)

    @override
    def value_schema(self, config: Mapping[str, Any]) -> dict[str, Any]:
        return {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}

    @override
    def compile(self, config: Mapping[str, Any]) -> Checker:
        places = config.get("decimals", 2) + 2
        low = config_decimal(config.get("min"))
        high = config_decimal(config.get("max"))
        shown = {
            key: f"{trim_zeros(bound * HUNDRED)}%"
            for key, bound in (("min", low), ("max", high))
            if bound is not None
        }

        def check(raw: Any) -> str:
            if isinstance(raw, str):
                text = raw.strip()
                if text.endswith(("%", "％")):
                    value = to_decimal(text[:-1]) / HUNDRED
                else:
                    value = to_decimal(text)
            else:
                value = to_decimal(raw)
            value = quantize(value, places)
            range_check(value, low, high, shown)
            return trim_zeros(value)

        return check

    @override
    def format(self, value: Any, config: Mapping[str, Any], locale: str) -> str:
        if value is None:
            return ""
        return f"{trim_zeros(Decimal(str(value)) * HUNDRED)}%"
