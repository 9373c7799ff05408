"""Formula field: computed through runtime.expr, canonicalised per result type."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from runtime.errors import ExpressionError
from runtime.fields import ValueProblem, field_types

TYPE = field_types.load("formula")
NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)


def compute(config: dict[str, Any], values: dict[str, Any]) -> Any:
    return TYPE.compute(config, values, now=NOW)


@pytest.mark.parametrize(
    ("config", "values", "expected"),
    [
        ({"expression": "{a}*{b}"}, {"a": 3, "b": "2.5"}, 8),
        ({"expression": "{a}*{b}", "decimals": 2}, {"a": 3, "b": "2.5"}, "7.50"),
        ({"expression": "{a}*{b}", "result": "money"}, {"a": 3, "b": "2.555"}, "7.67"),
        (
            {"expression": "SUM({items.amount})", "result": "money"},
            {"items": [{"amount": "10.00"}, {"amount": "5.50"}]},
            "15.50",
        ),
        ({"expression": '"QT-"&{n}', "result": "text"}, {"n": "7"}, "QT-7"),
        ({"expression": "{a}>1", "result": "boolean"}, {"a": 2}, True),
        ({"expression": "TODAY()", "result": "date"}, {}, "2026-11-22"),
        ({"expression": '"2026-01-05"', "result": "date"}, {}, "2026-01-05"),
    ],
)
def test_computes_canonical_values(
    config: dict[str, Any], values: dict[str, Any], expected: Any
) -> None:
    assert compute(config, values) == expected


def test_wrong_result_type_is_an_expression_error() -> None:
    with pytest.raises(ExpressionError) as caught:
        compute({"expression": '"abc"', "result": "number"}, {})
    assert caught.value.code == "formula_result_type"
    with pytest.raises(ExpressionError):
        compute({"expression": "1", "result": "boolean"}, {})


def test_evaluation_errors_propagate() -> None:
    with pytest.raises(ExpressionError):
        compute({"expression": "{a}/{b}"}, {"a": 1, "b": 0})


def test_broken_formula_fails_at_compile_time() -> None:
    with pytest.raises(ExpressionError):
        TYPE.compile({"expression": "{a} +* )"})


def test_is_computed_and_read_only() -> None:
    assert TYPE.is_computed
    with pytest.raises(ValueProblem) as caught:
        TYPE.compile({"expression": "1+1"})(5)
    assert caught.value.code == "read_only"
    assert {"en", "zh-CN"} <= set(TYPE.messages["read_only"])


def test_dependencies_are_the_referenced_fields() -> None:
    deps = TYPE.dependencies({"expression": "SUM({items.amount})*{rate}"})  # type: ignore[attr-defined]
    assert deps == frozenset({"items", "rate"})


def test_value_schema_follows_the_result() -> None:
    assert TYPE.value_schema({"expression": "1"}) == {"type": "integer"}
    assert TYPE.value_schema({"expression": "1", "result": "boolean"}) == {"type": "boolean"}
    assert TYPE.value_schema({"expression": "1", "result": "money"})["type"] == "string"


def test_format_in_both_locales() -> None:
    money = {"expression": "1", "result": "money"}
    assert TYPE.format("1234.50", money, "zh-CN") == "¥1,234.50"
    assert TYPE.format("1234.50", money, "en") == "CN¥1,234.50"
    date = {"expression": "TODAY()", "result": "date"}
    assert TYPE.format("2026-11-22", date, "zh-CN") == "2026年11月22日"
    assert TYPE.format("2026-11-22", date, "en") == "2026-11-22"
    assert TYPE.format(True, {"expression": "1", "result": "boolean"}, "zh-CN") == "是"
    assert TYPE.format(12345, {"expression": "1"}, "en") == "12,345"
