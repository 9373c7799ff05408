"""Formula text: tokenizer, Excel precedence, literals, syntax errors with positions."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from runtime.errors import ExpressionError
from runtime.expr import Budget, check_formula, evaluate, field_refs, parse_formula
from runtime.expr.ast import Binary, Call, Compare, Field, Literal, Negate

NOW = datetime(2024, 5, 6, 9, 30, tzinfo=UTC)


def run(text: str, values: dict[str, Any] | None = None) -> Any:
    return evaluate(parse_formula(text), values or {}, now=NOW)


def error_of(text: str, **kwargs: Any) -> ExpressionError:
    with pytest.raises(ExpressionError) as caught:
        parse_formula(text, **kwargs)
    return caught.value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1+2*3", Decimal(7)),
        ("(1+2)*3", Decimal(9)),
        ("2^3^2", Decimal(64)),  # left-associative, as Excel
        ("-2^2", Decimal(4)),  # unary minus binds tighter than ^, as Excel
        ("2^-1", Decimal("0.5")),
        ("--3", Decimal(3)),
        ("10-4-3", Decimal(3)),
        ("12/2/3", Decimal(2)),
        ("2*3^2", Decimal(18)),
        ('1+2&"x"', "3x"),
        ('"a"&1+1', "a2"),
        ("1+1=2", True),
        ('"a"&"b"="ab"', True),
        ("1<2=TRUE", True),
        ("3>2>1", False),  # (3>2)>1 → TRUE>1: booleans and numbers have no order
        ("1<>2", True),
        ("2<=2", True),
        ("2>=3", False),
        ("0.1+0.2=0.3", True),
    ],
)
def test_precedence_and_associativity_follow_excel(text: str, expected: Any) -> None:
    assert run(text) == expected


def test_ast_shape() -> None:
    node = parse_formula('IF({a.b} >= -1, "x""y", TRUE)')
    assert node == Call(
        "IF",
        (
            Compare("gte", Field("a", "b"), Negate(Literal(Decimal(1)))),
            Literal('x"y'),
            Literal(True),
        ),
    )
    assert parse_formula("1 + 2") == Binary("+", Literal(Decimal(1)), Literal(Decimal(2)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.50", Decimal("12.50")),
        (".5", Decimal("0.5")),
        ("1e3", Decimal(1000)),
        ("1.5E-2", Decimal("0.015")),
        ('""', ""),
        ('""""', '"'),
        ('"北京 ""市"""', '北京 "市"'),
        ("true", True),
        ("False", False),
        (" \t\n 1 \u3000", Decimal(1)),
    ],
)
def test_literals(text: str, expected: Any) -> None:
    assert run(text) == expected


def test_function_names_are_case_insensitive() -> None:
    assert run("sum(1,2)") == run("Sum(1,2)") == run("SUM(1,2)") == Decimal(3)


def test_field_references() -> None:
    values = {"amount": "1234.50", "items": [{"qty": 2}, {"qty": "3"}]}
    assert run("{amount} * 2", values) == Decimal("2469.00")
    assert run("SUM({items.qty})", values) == Decimal(5)
    assert field_refs(parse_formula("{a} + SUM({items.qty}) + {a}")) == {"a", "items"}


@pytest.mark.parametrize(
    ("text", "code", "position"),
    [
        ("1 +", "syntax_error", 4),
        ("(1", "syntax_error", 3),
        ("1)", "syntax_error", 2),
        ('"abc', "syntax_error", 1),
        ("1 2", "syntax_error", 3),
        ("", "syntax_error", 1),
        ("{a b}", "syntax_error", 1),
        ("{__class__}", "syntax_error", 1),
        ("{a", "syntax_error", 1),
        ("amount", "syntax_error", 1),
        ("EVAL(1)", "unknown_function", 1),
        ("1 + __import__(1)", "unknown_function", 5),
        ("IF(1)", "wrong_arity", 1),
        ("IFS(TRUE, 1, FALSE)", "wrong_arity", 1),
        ("TODAY(1)", "wrong_arity", 1),
        ('"".x', "syntax_error", 3),
        ("1\x00", "invalid_character", 2),
        ("1 ; 2", "syntax_error", 3),
        ("SUM(1,)", "syntax_error", 7),
        ("1e99", "number_too_large", 1),
    ],
)
def test_syntax_errors_carry_code_and_position(text: str, code: str, position: int) -> None:
    error = error_of(text)
    assert error.code == code
    assert error.problems[0].params["position"] == position
    assert f"position {position}" in error.message


def test_too_long_text() -> None:
    assert error_of("1+" * 3000 + "1").code == "too_long"
    assert parse_formula("1+1", budget=Budget(max_text=3)) is not None
    assert error_of("1+1", budget=Budget(max_text=2)).code == "too_long"


def test_depth_limits_nesting_and_ast_height() -> None:
    assert error_of("(" * 500 + "1" + ")" * 500).code == "too_deep"
    assert error_of("IF(TRUE," * 200 + "1" + ",0)" * 200).code == "too_deep"
    assert error_of("-" * 100 + "1").code == "too_deep"
    assert error_of("+".join(["1"] * 100)).code == "too_deep"  # left-deep chain
    assert run("(" * 60 + "1" + ")" * 60) == Decimal(1)
    assert run("+".join(["1"] * 60)) == Decimal(60)


def test_check_formula_returns_problems_at_the_pointer() -> None:
    assert check_formula("1+1") == []
    [problem] = check_formula("IF(", pointer="/fields/0/default/formula")
    assert problem.code == "syntax_error"
    assert problem.pointer == "/fields/0/default/formula"
    assert problem.params["position"] == 4
