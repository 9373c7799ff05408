"""Evaluation: Decimal arithmetic, null rules, budgets, and interpreter/compiler parity."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from runtime.errors import ExpressionError
from runtime.expr import Budget, compile, compile_condition, evaluate, parse_formula
from runtime.expr.ast import Call, Compare, Field, ListOf, Literal, Node

NOW = datetime(2024, 5, 6, 9, 30, tzinfo=UTC)
VALUES: dict[str, Any] = {
    "amount": "1234.50",
    "discount": 0.8,
    "qty": 3,
    "price": Decimal("19.99"),
    "name": "Ada",
    "flag": True,
    "due": "2024-05-01",
    "at": "2024-05-06T08:00:00Z",
    "items": [{"amount": "10.50"}, {"amount": "0.25"}],
    "big": list(range(4000)),
    "long": "x" * 6000,
}


def outcome(node: Node, values: Mapping[str, Any], budget: Budget | None = None) -> Any:
    """(result) or ("error", code) from both paths, asserting they agree."""
    results = []
    for run in (
        lambda: evaluate(node, values, now=NOW, budget=budget),
        lambda: compile(node, budget=budget)(values, NOW),
    ):
        try:
            results.append(("ok", run()))
        except ExpressionError as error:
            results.append(("error", error.code))
    assert results[0] == results[1]
    return results[0][1] if results[0][0] == "ok" else results[0]


def run(text: str, values: Mapping[str, Any] | None = None, budget: Budget | None = None) -> Any:
    return outcome(parse_formula(text), VALUES if values is None else values, budget)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.1 + 0.2", Decimal("0.3")),
        ("{discount} * 3", Decimal("2.4")),
        ("{amount} + 0.5", Decimal("1235.00")),
        ("{price} * {qty}", Decimal("59.97")),
        ("1 / 3 * 3", Decimal("0." + "9" * 40)),  # 40 significant digits, then rounded
        ("10 / 4", Decimal("2.5")),
        ("{missing} + 1", Decimal(1)),  # blank is 0 in arithmetic, as Excel
        ('{missing} & "x"', "x"),
        ("TRUE + 1", Decimal(2)),
        ('"2" * "3"', Decimal(6)),
        ("2 ^ 0.5", Decimal("1.414213562373095048801688724209698078570")),
        ("0 ^ 0", Decimal(1)),
        ("10 ^ -2", Decimal("0.01")),
        ('{amount} & ""', "1234.50"),
        ('"n=" & 1/4', "n=0.25"),
        ('"on " & DATE(2024, 1, 2)', "on 2024-01-02"),
        ('"" & NOW()', "2024-05-06T09:30:00Z"),
    ],
)
def test_arithmetic_is_exact_decimal(text: str, expected: Any) -> None:
    result = run(text)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{missing} = {other}", True),
        ("{missing} <> 1", True),
        ("{missing} = 0", False),
        ("{missing} > 0", False),
        ("{missing} < 0", False),
        ("{missing} <= {other}", False),
        ('{missing} = ""', False),
        ("{amount} = 1234.5", True),
        ("{amount} > 999", True),
        ("{due} < TODAY()", True),
        ("{due} = DATE(2024, 5, 1)", True),
        ("{at} > TODAY()", True),  # a datetime against a date: the date is midnight UTC
        ('TODAY() > "2024-05-06T08:00:00Z"', False),
        ('"abc" < "abd"', True),
        ('"b" > 1', False),
        ("{flag} = TRUE", True),
        ("{flag} = 1", False),
        ("{items.amount} = 10.5", False),  # a list is not a number
    ],
)
def test_comparisons_and_null_rules(text: str, expected: bool) -> None:
    assert run(text) is expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("1/0", "division_by_zero"),
        ("{amount} / {missing}", "division_by_zero"),
        ("1 / (2 - 2)", "division_by_zero"),
        ("0 ^ -1", "division_by_zero"),
        ('"abc" + 1', "type_error"),
        ("{items.amount} + 1", "type_error"),
        ("(-8) ^ 0.5", "invalid_number"),
        ("9^9^9", "number_too_large"),
        ("9^9^9^9", "number_too_large"),
        ("10^100000", "number_too_large"),
        ("10^40", "number_too_large"),
        ("2^-100000", None),
        ("99999999999999999999 * 99999999999999999999 * 10", "number_too_large"),
        ('"1e100" + 0', "number_too_large"),
        ("{long} & {long}", "string_too_long"),
        ("CONCAT({long}, {long})", "string_too_long"),
        ("SUM({big}, {big}, {big})", "budget_exceeded"),
    ],
)
def test_errors_and_budgets(text: str, code: str | None) -> None:
    result = run(text)
    if code is None:
        assert result == Decimal(0)  # flushed below the digit budget
    else:
        assert result == ("error", code)


def test_power_refusal_is_instant() -> None:
    import time

    start = time.perf_counter()
    assert run("9^9^9^9^9") == ("error", "number_too_large")
    assert run("1.0000001 ^ 99999999999999999999") == ("error", "number_too_large")
    assert time.perf_counter() - start < 0.5


def test_step_budget_counts_every_node() -> None:
    node = parse_formula("1+1+1")  # 5 nodes
    assert outcome(node, {}, Budget(max_steps=5)) == Decimal(3)
    assert outcome(node, {}, Budget(max_steps=4)) == ("error", "budget_exceeded")


def test_step_budget_counts_list_elements() -> None:
    values = {"xs": list(range(100))}
    assert run("SUM({xs})", values, Budget(max_steps=103)) == Decimal(4950)
    assert run("SUM({xs})", values, Budget(max_steps=100)) == ("error", "budget_exceeded")


def test_list_budget() -> None:
    values = {"xs": list(range(50)), "rows": [{"a": 1}] * 50}
    assert run("SUM({xs})", values, Budget(max_list=49)) == ("error", "list_too_long")
    assert run("SUM({rows.a})", values, Budget(max_list=49)) == ("error", "list_too_long")
    assert run("SUM({rows.a})", values, Budget(max_list=50)) == Decimal(50)


def test_string_and_digit_budgets_are_configurable() -> None:
    assert run('"ab" & "cd"', {}, Budget(max_string=3)) == ("error", "string_too_long")
    assert run('LEFT("abcd", 4)', {}, Budget(max_string=3)) == ("error", "string_too_long")
    assert run("10^5", {}, Budget(max_digits=5)) == ("error", "number_too_large")
    assert run("10^4", {}, Budget(max_digits=5)) == Decimal(10000)


def test_line_item_columns() -> None:
    assert run("{items.amount}") == ["10.50", "0.25"]
    assert run("SUM({items.amount}) * 2") == Decimal("21.50")
    assert run("{missing.amount}") == []
    assert run("{name.amount}") == []  # not a list: no rows
    assert run("SUM({rows.x})", {"rows": [{"x": 1}, "junk", None, {"y": 2}]}) == Decimal(1)


def test_other_exceptions_become_expression_errors() -> None:
    deep: list[Any] = []
    for _ in range(5000):
        deep = [deep]
    node = compile_condition({"field": "a", "op": "eq", "value": {"field": "b"}})
    assert outcome(node, {"a": deep, "b": deep}) == ("error", "too_deep")
    assert run("{a} + 1", {"a": float("nan")}) == ("error", "type_error")
    assert run("{a} + 1", {"a": object()}) == ("error", "type_error")
    assert outcome(parse_formula("{a}"), [1, 2]) == ("error", "evaluation_failed")  # type: ignore[arg-type]


def test_naive_now_is_refused() -> None:
    with pytest.raises(ExpressionError) as caught:
        evaluate(parse_formula("1"), {}, now=datetime(2024, 1, 1))
    assert caught.value.code == "naive_now"


def test_hand_built_nodes_evaluate() -> None:
    node = Compare("in", Field("qty"), ListOf((Literal(Decimal(1)), Literal(Decimal(3)))))
    assert outcome(node, VALUES) is True
    assert outcome(Call("ISBLANK", (Field("nope"),)), VALUES) is True


PARITY = [
    'IF(AND({amount}>500000,{discount}<0.8),"大单","普通")',
    'IFS({qty}>5, "many", {qty}>1, "some")',
    "OR({flag}, 1/0)",
    'CONCAT({items.amount}, "|", {name})',
    'DATEADD({due}, {qty}, "M")',
    "ROUND({amount} * {discount} / 3, 2)",
    "-{amount} ^ 2",
    '{name} & {qty} = "Ada3"',
    '{due} >= "2024-05-01"',
    "LEN({long})",
]


@pytest.mark.parametrize("text", PARITY)
@pytest.mark.parametrize("max_steps", [1, 2, 3, 5, 8, 13, 10_000])
def test_interpreter_and_compiler_agree_including_budgets(text: str, max_steps: int) -> None:
    outcome(parse_formula(text), VALUES, Budget(max_steps=max_steps))


def test_compiled_condition_step_counts_match_the_interpreter() -> None:
    tree = {
        "all": [
            {"field": "name", "op": "eq", "value": "Ada"},
            {"field": "amount", "op": "gt", "value": 5},
            {"field": "items.amount", "op": "contains", "value": "0.25"},
        ]
    }
    node = compile_condition(tree)
    for max_steps in range(1, 15):
        outcome(node, VALUES, Budget(max_steps=max_steps))
    assert outcome(node, {"name": ["Ada"], "amount": [6]}) is False


def test_results_are_dates_for_date_functions() -> None:
    assert run("DATE(2024, 1, 2)") == date(2024, 1, 2)
