"""Condition trees: shared cases (also run by tests/js/conditions.test.mjs), checks, schema."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from runtime.errors import ExpressionError
from runtime.expr import (
    CONDITION_SCHEMA,
    Budget,
    check_condition,
    compile,
    compile_condition,
    evaluate,
    evaluate_condition,
    field_refs,
)

NOW = datetime(2024, 5, 6, 9, 30, tzinfo=UTC)
SHARED = json.loads((Path(__file__).parent / "condition_cases.json").read_text("utf-8"))


@pytest.mark.parametrize("case", SHARED["cases"], ids=[case["name"] for case in SHARED["cases"]])
def test_shared_case_gives_the_same_answer_everywhere(case: dict[str, Any]) -> None:
    node = compile_condition(case["tree"])
    values = SHARED["values"]
    assert evaluate(node, values, now=NOW) is case["expected"]
    assert compile(node)(values, NOW) is case["expected"]
    assert evaluate_condition(case["tree"], values, now=NOW) is case["expected"]


def test_formula_leaf_uses_the_formula_truth() -> None:
    tree = {
        "all": [{"formula": "{amount} > 500000"}, {"field": "city", "op": "eq", "value": "北京"}]
    }
    assert evaluate_condition(tree, {"amount": "600000.00", "city": "北京"}, now=NOW) is True
    assert evaluate_condition(tree, {"amount": "6.00", "city": "北京"}, now=NOW) is False
    assert evaluate_condition({"formula": "{missing}"}, {}, now=NOW) is False
    assert evaluate_condition({"formula": "1"}, {}, now=NOW) is True


def test_formula_leaf_with_text_result_is_a_type_error() -> None:
    with pytest.raises(ExpressionError) as caught:
        evaluate_condition({"formula": '"yes please"'}, {}, now=NOW)
    assert caught.value.code == "type_error"


@pytest.mark.parametrize(
    ("tree", "expected"),
    [
        ({"field": "a", "op": "eq", "value": 1}, []),
        (
            {"all": [{"field": "a", "op": "eq", "value": 1}, {"field": "a", "op": "bogus"}]},
            [("unknown_op", "/all/1/op")],
        ),
        ({"any": [{"not": {"field": "a", "op": "gt"}}]}, [("missing_value", "/any/0/not/value")]),
        ({"field": "a", "op": "is_empty", "value": 3}, [("unexpected_value", "/value")]),
        ({"field": "a", "op": "between", "value": [1]}, [("invalid_value", "/value")]),
        ({"field": "a", "op": "in", "value": "x"}, [("invalid_value", "/value")]),
        ({"field": "a", "op": "in", "value": [1, {"x": 1}]}, [("invalid_value", "/value/1")]),
        (
            {"field": "a", "op": "eq", "value": {"field": "__class__"}},
            [("invalid_field", "/value/field")],
        ),
        ({"field": "a b", "op": "eq", "value": 1}, [("invalid_field", "/field")]),
        ({"field": "a", "op": "eq", "value": 1, "extra/x": 2}, [("unexpected_key", "/extra~1x")]),
        ({"all": {"field": "a"}}, [("invalid_condition", "/all")]),
        ({"all": [3]}, [("invalid_condition", "/all/0")]),
        ({}, [("invalid_condition", "")]),
        ({"any": [{"formula": "1 +"}]}, [("syntax_error", "/any/0/formula")]),
        ({"formula": 5}, [("invalid_formula", "/formula")]),
        ({"field": "a", "op": "eq", "value": float("nan")}, [("invalid_value", "/value")]),
        ({"field": "a", "op": "eq", "value": 10**50}, [("number_too_large", "/value")]),
        ({"field": "a", "op": "eq", "value": [[1]]}, [("invalid_value", "/value/0")]),
        (
            {"all": [{"field": "a", "op": "nope"}, {"field": 3, "op": "eq", "value": 1}]},
            [("unknown_op", "/all/0/op"), ("invalid_field", "/all/1/field")],
        ),
    ],
)
def test_check_condition_reports_every_problem_with_a_pointer(
    tree: object, expected: list[tuple[str, str]]
) -> None:
    problems = check_condition(tree)
    assert [(problem.code, problem.pointer) for problem in problems] == expected


def test_check_condition_prefixes_pointers() -> None:
    problems = check_condition({"not": {"field": "a", "op": "x"}}, pointer="/fields/2/visible_when")
    assert [problem.pointer for problem in problems] == ["/fields/2/visible_when/not/op"]


def test_check_condition_stops_at_the_depth_budget() -> None:
    tree: dict[str, Any] = {"field": "a", "op": "is_empty"}
    for _ in range(100):
        tree = {"not": tree}
    problems = check_condition(tree)
    assert [problem.code for problem in problems] == ["too_deep"]
    assert check_condition(tree, budget=Budget(max_depth=200)) == []


def test_compile_condition_raises_with_all_problems() -> None:
    tree = {"all": [{"field": "a", "op": "nope"}, {"field": "b", "op": "gt"}]}
    with pytest.raises(ExpressionError) as caught:
        compile_condition(tree)
    assert caught.value.code == "unknown_op"
    assert [problem.pointer for problem in caught.value.problems] == ["/all/0/op", "/all/1/value"]


def test_evaluate_condition_rejects_non_json_trees() -> None:
    with pytest.raises(ExpressionError) as caught:
        evaluate_condition({"field": "a", "op": "eq", "value": object()}, {}, now=NOW)
    assert caught.value.code == "invalid_condition"


def test_field_refs_of_a_tree() -> None:
    tree = {
        "all": [
            {"field": "city", "op": "eq", "value": {"field": "home_city"}},
            {"field": "items.amount", "op": "contains", "value": 5},
            {"field": "qty", "op": "between", "value": [{"field": "low"}, 9]},
            {"formula": "{discount} < 0.8"},
        ]
    }
    assert field_refs(compile_condition(tree)) == {
        "city",
        "home_city",
        "items",
        "qty",
        "low",
        "discount",
    }


VALIDATOR = Draft202012Validator(CONDITION_SCHEMA)


def test_condition_schema_is_a_valid_2020_12_schema() -> None:
    Draft202012Validator.check_schema(CONDITION_SCHEMA)


@pytest.mark.parametrize(
    "tree",
    [
        *[case["tree"] for case in SHARED["cases"]],
        {"field": "a", "op": "bogus"},
        {"field": "a", "op": "gt"},
        {"field": "a", "op": "is_empty", "value": 3},
        {"field": "a", "op": "between", "value": [1]},
        {"field": "a", "op": "in", "value": "x"},
        {"field": "a", "op": "eq", "value": {"field": "_x"}},
        {"field": "a", "op": "eq", "value": [[1]]},
        {"field": "a", "op": "eq", "value": 1, "extra": 2},
        {"all": {"field": "a"}},
        {"all": [3]},
        {},
        {"not": {"field": "a", "op": "eq", "value": 1}, "all": []},
        {"formula": 5},
        {"formula": "{a} > 1"},
    ],
)
def test_schema_and_checker_agree(tree: object) -> None:
    assert VALIDATOR.is_valid(tree) is (check_condition(tree) == [])


# --- some / every row of a line-items field ------------------------------------------------

ROWS_VALUES = {
    "limit": "1000",
    "items": [
        {"product": "标准版", "qty": 2, "price": "800.00", "cost": "500"},
        {"product": "试用版", "qty": 30, "price": "0", "cost": "0"},
    ],
    "extras": [{"code": "X"}, {"code": "Y"}],
}


def _both(tree: dict[str, Any], values: dict[str, Any]) -> bool:
    node = compile_condition(tree)
    walked = evaluate(node, values, now=NOW)
    compiled = compile(node)(values, NOW)
    assert walked is compiled
    return bool(walked)


def test_a_formula_inside_a_row_test_reads_the_current_row() -> None:
    row_total = {"formula": "{items.qty} * {items.price} > {limit}"}
    assert _both({"some": "items", "where": row_total}, ROWS_VALUES) is True
    assert _both({"every": "items", "where": row_total}, ROWS_VALUES) is False
    # outside a row test the same column is the whole column (a list): SUM works on it
    assert _both({"formula": "SUM({items.qty}) = 32"}, ROWS_VALUES) is True


def test_row_tests_nest_and_a_row_field_to_field_compares_the_same_row() -> None:
    margin = {"field": "items.price", "op": "gt", "value": {"field": "items.cost"}}
    assert _both({"some": "items", "where": margin}, ROWS_VALUES) is True
    assert _both({"every": "items", "where": margin}, ROWS_VALUES) is False
    nested = {
        "every": "items",
        "where": {"some": "extras", "where": {"field": "extras.code", "op": "eq", "value": "Y"}},
    }
    assert _both(nested, ROWS_VALUES) is True
    inner_missing = {
        "some": "items",
        "where": {"some": "extras", "where": {"field": "items.qty", "op": "gt", "value": 10}},
    }
    assert _both(inner_missing, ROWS_VALUES) is True  # the outer row stays in scope


def test_row_tests_count_against_the_budget() -> None:
    values = {"items": [{"qty": 1}] * 3000}
    tree = {"every": "items", "where": {"field": "items.qty", "op": "eq", "value": 1}}
    with pytest.raises(ExpressionError) as caught:
        evaluate_condition(tree, values, now=NOW)
    assert caught.value.code == "budget_exceeded"
    assert compile(compile_condition(tree), budget=Budget(max_steps=100_000))(values, NOW) is True


def test_the_record_is_untouched_after_a_row_test_fails() -> None:
    node = compile_condition(
        {
            "all": [
                {"some": "items", "where": {"formula": "{items.qty} / 0 > 1"}},
            ]
        }
    )
    with pytest.raises(ExpressionError):
        compile(node)(ROWS_VALUES, NOW)
    tree = {
        "all": [
            {"some": "items", "where": {"field": "items.qty", "op": "gt", "value": 5}},
            {"field": "limit", "op": "eq", "value": 1000},
        ]
    }
    assert _both(tree, ROWS_VALUES) is True


def test_field_refs_of_row_tests_name_the_line_items_field() -> None:
    tree = {
        "some": "items",
        "where": {
            "all": [
                {"field": "items.qty", "op": "gt", "value": {"field": "limit"}},
                {"formula": "{items.price} > {floor}"},
            ]
        },
    }
    assert field_refs(compile_condition(tree)) == {"items", "limit", "floor"}


@pytest.mark.parametrize(
    ("tree", "expected"),
    [
        ({"some": "items", "where": {"field": "items.qty", "op": "gt", "value": 1}}, []),
        ({"some": "items.qty", "where": {"all": []}}, [("invalid_field", "/some")]),
        ({"every": 3, "where": {"all": []}}, [("invalid_field", "/every")]),
        ({"some": "items"}, [("missing_value", "/where")]),
        (
            {"every": "items", "where": {"field": "items.qty", "op": "gt"}},
            [("missing_value", "/where/value")],
        ),
        ({"some": "items", "where": {"all": []}, "x": 1}, [("unexpected_key", "/x")]),
    ],
)
def test_row_test_problems_have_pointers(tree: object, expected: list[tuple[str, str]]) -> None:
    assert [(problem.code, problem.pointer) for problem in check_condition(tree)] == expected


@pytest.mark.parametrize(
    "tree",
    [
        {"some": "items", "where": {"field": "items.qty", "op": "gt", "value": 1}},
        {"every": "items", "where": {"all": []}},
        {"some": "items.qty", "where": {"all": []}},
        {"some": "items"},
        {"some": "items", "every": "items", "where": {"all": []}},
        {"some": "items", "where": {"all": []}, "x": 1},
        {"field": "a", "op": "between", "value": [{"field": "b"}, {"field": "c"}]},
    ],
)
def test_schema_and_checker_agree_on_row_tests(tree: object) -> None:
    assert VALIDATOR.is_valid(tree) is (check_condition(tree) == [])
