"""Number field: integers, or decimal strings quantised to `decimals` places. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

from typing_extensions import override

from runtime.fields.base import Checker, FieldType, ValueProblem, field_types
from runtime.fields.common import (
    DECIMAL_BOUND_SCHEMA,
    canonical_decimal,
    config_decimal,
    decimal_text,
    grouped,
    quantize,
    to_decimal,
    with_common,
)

RANGE_MESSAGES = {
    "invalid_number": {"en": "Enter a number.", "zh-CN": "请输入数字。"},
    "too_small": {"en": "Must be at least {min}.", "zh-CN": "不能小于 {min}。"},
    "too_large": {"en": "Must be at most {max}.", "zh-CN": "不能大于 {max}。"},
}


def range_check(
    value: Decimal, low: Decimal | None, high: Decimal | None, shown: Mapping[str, Any]
) -> None:
    """Raise `too_small` / `too_large` when `value` is outside [low, high]."""
    if low is not None and value < low:
        raise ValueProblem("too_small", min=shown.get("min"))
    if high is not None and value > high:
        raise ValueProblem("too_large", max=shown.get("max"))


@field_types.register
class Number(FieldType):
    key = "number"
    version = 1
    label: ClassVar[dict[str, str]] = {"en": "Number", "zh-CN": "数字"}
    icon = "number"
    group = "basic"
    widget = "number"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "min": DECIMAL_BOUND_SCHEMA,
            "max": DECIMAL_BOUND_SCHEMA,
            "decimals": {"type": "integer", "minimum": 0, "maximum": 10, "default": 0},
            "step": {**DECIMAL_BOUND_SCHEMA, "exclusiveMinimum": 0},
            "unit": {"type": "string", "maxLength": 20},
        },
    }
    example_config: ClassVar[dict[str, Any]] = {
        "min": 0,
        "max": 1000,
        "decimals": 2,
        "step": "0.5",
        "unit": "kg",
    }
    messages = with_common(
        {
            **RANGE_MESSAGES,
            "step_mismatch": {
                "en": "Must be a multiple of {step}.",
                "zh-CN": "必须是 {step} 的整数倍。",
            },
        }
    )

    @override
    def value_schema(self, config: Mapping[str, Any]) -> dict[str, Any]:
        if config.get("decimals", 0) == 0:
            return {"type": "integer"}
        return {"type": "string", "pattern": rf"^-?\d+\.\d{{{config['decimals']}}}$"}

    @override
    def compile(self, config: Mapping[str, Any]) -> Checker:
        places = config.get("decimals", 0)
        low = config_decimal(config.get("min"))
        high = config_decimal(config.get("max"))
        step = config_decimal(config.get("step"))
        base = low if low is not None else Decimal(0)
        shown = dict(config)

        canonical = canonical_decimal(places)

        def check(raw: Any) -> int | str:
            kind = type(raw)
            if (kind is int and places == 0 and -(10**28) < raw < 10**28) or (
                kind is str and places and canonical.fullmatch(raw)
            ):
                value = Decimal(raw)  # already the stored form: only the checks remain
            else:
                value = quantize(to_decimal(raw), places)
            range_check(value, low, high, shown)
            if step is not None and (value - base) % step != 0:
                raise ValueProblem("step_mismatch", step=config_text(step))
            return int(value) if places == 0 else decimal_text(value)

        return check

    @override
    def format(self, value: Any, config: Mapping[str, Any], locale: str) -> str:
        if value is None:
            return ""
        text = grouped(Decimal(str(value)))
        unit = config.get("unit")
        return f"{text} {unit}" if unit else text


def config_text(value: Decimal) -> str:
    return format(value, "f")
