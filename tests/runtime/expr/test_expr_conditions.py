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
