"""Formula field: a value computed from the record's other values by `runtime.expr`. Pure."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, ClassVar

from typing_extensions import override

from runtime import expr
from runtime.errors import ExpressionError
from runtime.fields.base import Checker, FieldType, ValueProblem, field_types
from runtime.fields.common import (
    canonical_result,
    decimal_text,
    quantize,
    reject_input,
    to_decimal,
    with_common,
)
from runtime.fields.date import DATE_SCHEMA, format_date, parse_date
from runtime.fields.money import format_money

Evaluator = Callable[[Mapping[str, Any], datetime], Any]
RESULTS = ("number", "money", "text", "date", "boolean")


@lru_cache(maxsize=1024)
def evaluator(expression: str) -> Evaluator:
    """Parse and compile a formula once per distinct text."""
    compiled: Evaluator = expr.compile(expr.parse_formula(expression))
    return compiled


@lru_cache(maxsize=1024)
def references(expression: str) -> frozenset[str]:
    """Field keys a formula reads."""
    refs: frozenset[str] = expr.field_refs(expr.parse_formula(expression))
    return refs


def _wrong(kind: str, result: object) -> ExpressionError:
    message = f"formula result {result!r} is not a {kind}"
    return ExpressionError("formula_result_type", message)


def canonical(result: object, kind: str, places: int) -> Any:
    """Canonicalise a formula result as the configured result type."""
    if result is None or result == "":
        return None
    if kind in ("number", "money"):
        if isinstance(result, bool) or not isinstance(result, int | float | Decimal | str):
            raise _wrong(kind, result)
        try:
            value = quantize(to_decimal(result), places)
        except ValueProblem:
            raise _wrong(kind, result) from None
        return int(value) if kind == "number" and places == 0 else decimal_text(value)
    if kind == "date":
        if isinstance(result, datetime):
            return result.date().isoformat()
        if isinstance(result, date):
            return result.isoformat()
        try:
            return parse_date(result).isoformat()
        except ValueProblem:
            raise _wrong(kind, result) from None
    if kind == "boolean":
        if not isinstance(result, bool):
            raise _wrong(kind, result)
        return result
    if isinstance(result, bool):
        return "TRUE" if result else "FALSE"
    return str(canonical_result(result))


@field_types.register
class Formula(FieldType):
    key = "formula"
    version = 1
    label: ClassVar[dict[str, str]] = {"en": "Formula", "zh-CN": "公式"}
    icon = "function"
    group = "advanced"
    widget = "readonly"
    is_computed = True
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["expression"],
        "properties": {
            "expression": {"type": "string", "minLength": 1, "maxLength": 4000},
            "result": {"enum": list(RESULTS), "default": "number"},
            "decimals": {"type": "integer", "minimum": 0, "maximum": 10},
            "currency": {"type": "string", "pattern": "^[A-Z]{3}$", "default": "CNY"},
        },
    }
    example_config: ClassVar[dict[str, Any]] = {
        "expression": "SUM({items.amount})*(1-{discount})",
        "result": "money",
        "decimals": 2,
    }
    messages = with_common({})

    @override
    def value_schema(self, config: Mapping[str, Any]) -> dict[str, Any]:
        kind = config.get("result", "number")
        if kind == "number" and self._places(config) == 0:
            return {"type": "integer"}
        if kind in ("number", "money"):
            return {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}
        if kind == "date":
            return {"type": "string", "format": "date", "pattern": DATE_SCHEMA["pattern"]}
        if kind == "boolean":
            return {"type": "boolean"}
        return {"type": "string"}

    @override
    def compile(self, config: Mapping[str, Any]) -> Checker:
        evaluator(config["expression"])  # parse now: a broken formula fails at compile time
        return reject_input

    @override
    def compute(
        self, config: Mapping[str, Any], values: Mapping[str, Any], *, now: datetime
    ) -> Any:
        """Evaluate the formula; `ExpressionError` propagates (the caller reports it)."""
        result = evaluator(config["expression"])(values, now)
        return canonical(result, config.get("result", "number"), self._places(config))

    def dependencies(self, config: Mapping[str, Any]) -> frozenset[str]:
        """Field keys the formula reads (forms order computed fields by these)."""
        return references(config["expression"])

    @override
    def format(self, value: Any, config: Mapping[str, Any], locale: str) -> str:
        if value is None:
            return ""
        kind = config.get("result", "number")
        if kind == "money":
            return format_money(Decimal(value), config.get("currency", "CNY"), locale)
        if kind == "number":
            return format(Decimal(str(value)), ",f")
        if kind == "date":
            return format_date(date.fromisoformat(value), locale)
        if kind == "boolean":
            return ("是" if value else "否") if locale == "zh-CN" else ("Yes" if value else "No")
        return str(value)

    @staticmethod
    def _places(config: Mapping[str, Any]) -> int:
        default = 2 if config.get("result") == "money" else 0
        places: int = config.get("decimals", default)
        return places
