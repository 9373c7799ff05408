"""JSON condition trees (decision 0002): shape checks, JSON Schema, compiling to the AST. Pure."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from runtime.errors import ExpressionError, Problem
from runtime.expr.ast import (
    DEFAULT_BUDGET,
    All,
    AnyOf,
    Binary,
    Budget,
    Call,
    Compare,
    Field,
    ListOf,
    Literal,
    Negate,
    Node,
    Not,
    Rows,
    Truth,
    fail,
)
from runtime.expr.formula import FIELD_KEY, FIELD_RE, check_formula, parse_formula
from runtime.expr.interpreter import Compiled, compile

NO_VALUE_OPS = ("is_empty", "is_not_empty")
LIST_OPS = ("in", "not_in")
SCALAR_OPS = ("gt", "gte", "lt", "lte", "contains", "not_contains", "starts_with")
EQUALITY_OPS = ("eq", "ne")  # the value may also be a list (multi-select equality)
OPS = (*EQUALITY_OPS, *SCALAR_OPS, *LIST_OPS, *NO_VALUE_OPS, "between")

ROW_MODES = ("some", "every")  # {"some": "items", "where": C}: some / every row of items
_FIELD_PATTERN = rf"^{FIELD_KEY}(\.{FIELD_KEY})?$"
_OPERAND = {"anyOf": [{"$ref": "#/$defs/scalar"}, {"$ref": "#/$defs/field_ref"}]}


def _has_op(ops: tuple[str, ...]) -> dict[str, Any]:
    return {"properties": {"op": {"enum": list(ops)}}}


CONDITION_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Condition tree",
    "$ref": "#/$defs/condition",
    "$defs": {
        "condition": {
            "oneOf": [
                {"$ref": "#/$defs/all"},
                {"$ref": "#/$defs/any"},
                {"$ref": "#/$defs/not"},
                {"$ref": "#/$defs/some"},
                {"$ref": "#/$defs/every"},
                {"$ref": "#/$defs/formula"},
                {"$ref": "#/$defs/comparison"},
            ]
        },
        "all": {
            "type": "object",
            "required": ["all"],
            "additionalProperties": False,
            "properties": {"all": {"type": "array", "items": {"$ref": "#/$defs/condition"}}},
        },
        "any": {
            "type": "object",
            "required": ["any"],
            "additionalProperties": False,
            "properties": {"any": {"type": "array", "items": {"$ref": "#/$defs/condition"}}},
        },
        "not": {
            "type": "object",
            "required": ["not"],
            "additionalProperties": False,
            "properties": {"not": {"$ref": "#/$defs/condition"}},
        },
        **{
            mode: {
                "type": "object",
                "required": [mode, "where"],
                "additionalProperties": False,
                "properties": {
                    mode: {"type": "string", "pattern": f"^{FIELD_KEY}$"},
                    "where": {"$ref": "#/$defs/condition"},
                },
            }
            for mode in ROW_MODES
        },
        "formula": {
            "type": "object",
            "required": ["formula"],
            "additionalProperties": False,
            "properties": {"formula": {"type": "string", "minLength": 1, "maxLength": 4096}},
        },
        "field_key": {"type": "string", "pattern": _FIELD_PATTERN},
        "field_ref": {
            "type": "object",
            "required": ["field"],
            "additionalProperties": False,
            "properties": {"field": {"$ref": "#/$defs/field_key"}},
        },
        "scalar": {"type": ["string", "number", "boolean", "null"]},
        "operand": _OPERAND,
        "comparison": {
            "type": "object",
            "required": ["field", "op"],
            "additionalProperties": False,
            "properties": {
                "field": {"$ref": "#/$defs/field_key"},
                "op": {"enum": list(OPS)},
                "value": True,
            },
            "allOf": [
                {
                    "if": _has_op(NO_VALUE_OPS),
                    "then": {"properties": {"value": {"type": "null"}}},
                },
                {
                    "if": _has_op(LIST_OPS),
                    "then": {
                        "required": ["value"],
                        "properties": {
                            "value": {"type": "array", "items": {"$ref": "#/$defs/operand"}}
                        },
                    },
                },
                {
                    "if": _has_op(("between",)),
                    "then": {
                        "required": ["value"],
                        "properties": {
                            "value": {
                                "type": "array",
                                "minItems": 2,
                                "maxItems": 2,
                                "items": {"$ref": "#/$defs/operand"},
                            }
                        },
                    },
                },
                {
                    "if": _has_op(EQUALITY_OPS),
                    "then": {
                        "required": ["value"],
                        "properties": {
                            "value": {
                                "anyOf": [
                                    {"$ref": "#/$defs/operand"},
                                    {"type": "array", "items": {"$ref": "#/$defs/scalar"}},
                                ]
                            }
                        },
                    },
                },
                {
                    "if": _has_op(SCALAR_OPS),
                    "then": {"required": ["value"], "properties": {"value": _OPERAND}},
                },
            ],
        },
    },
}


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


class _Checker:
    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.problems: list[Problem] = []

    def add(self, code: str, message: str, pointer: str) -> None:
        self.problems.append(Problem(code, message, pointer=pointer))

    def extra_keys(self, tree: Mapping[str, Any], allowed: set[str], pointer: str) -> None:
        for key in tree:
            if key not in allowed:
                self.add("unexpected_key", f"Unexpected key {key!r}.", f"{pointer}/{_escape(key)}")

    def condition(self, tree: object, pointer: str, depth: int) -> None:
        if depth > self.budget.max_depth:
            limit = self.budget.max_depth
            self.add("too_deep", f"Conditions are nested deeper than {limit} levels.", pointer)
            return
        if not isinstance(tree, Mapping):
            self.add("invalid_condition", "A condition must be an object.", pointer)
            return
        if any(not isinstance(key, str) for key in tree):
            self.add("invalid_condition", "Condition keys must be text.", pointer)
            return
        for kind in ("all", "any"):
            if kind in tree:
                self.extra_keys(tree, {kind}, pointer)
                items = tree[kind]
                if not isinstance(items, list):
                    self.add("invalid_condition", f"{kind!r} must be a list.", f"{pointer}/{kind}")
                    return
                for index, item in enumerate(items):
                    self.condition(item, f"{pointer}/{kind}/{index}", depth + 1)
                return
        if "not" in tree:
            self.extra_keys(tree, {"not"}, pointer)
            self.condition(tree["not"], f"{pointer}/not", depth + 1)
        elif "some" in tree or "every" in tree:
            self.rows(tree, pointer, depth)
        elif "formula" in tree:
            self.extra_keys(tree, {"formula"}, pointer)
            text = tree["formula"]
            if isinstance(text, str):
                self.problems.extend(
                    check_formula(text, pointer=f"{pointer}/formula", budget=self.budget)
                )
            else:
                self.add("invalid_formula", "A formula must be text.", f"{pointer}/formula")
        elif "field" in tree or "op" in tree:
            self.comparison(tree, pointer)
        else:
            self.add(
                "invalid_condition",
                "Expected one of 'all', 'any', 'not', 'some', 'every', 'formula' or 'field' with "
                "'op'.",
                pointer,
            )

    def rows(self, tree: Mapping[str, Any], pointer: str, depth: int) -> None:
        mode = "some" if "some" in tree else "every"
        self.extra_keys(tree, {mode, "where"}, pointer)
        key = tree[mode]
        if not isinstance(key, str) or FIELD_RE.fullmatch(key) is None or "." in key:
            self.add(
                "invalid_field",
                "Expected a line-items field key like 'items'.",
                f"{pointer}/{mode}",
            )
        if "where" not in tree:
            self.add(
                "missing_value", f"{mode!r} needs 'where': the rows' condition.", f"{pointer}/where"
            )
        else:
            self.condition(tree["where"], f"{pointer}/where", depth + 1)

    def comparison(self, tree: Mapping[str, Any], pointer: str) -> None:
        self.extra_keys(tree, {"field", "op", "value"}, pointer)
        self.field_key(tree.get("field"), f"{pointer}/field")
        op = tree.get("op")
        if op not in OPS:
            self.add("unknown_op", f"Unknown op {op!r}.", f"{pointer}/op")
            return
        where = f"{pointer}/value"
        value = tree.get("value")
        if op in NO_VALUE_OPS:
            if value is not None:
                self.add("unexpected_value", f"{op!r} takes no value.", where)
            return
        if "value" not in tree:
            self.add("missing_value", f"{op!r} needs a value.", where)
        elif op in LIST_OPS or op == "between":
            if not isinstance(value, list):
                self.add("invalid_value", f"{op!r} needs a list value.", where)
            elif op == "between" and len(value) != 2:
                self.add("invalid_value", "'between' needs [low, high].", where)
            else:
                for index, item in enumerate(value):
                    self.operand(item, f"{where}/{index}")
        elif op in EQUALITY_OPS and isinstance(value, list):
            for index, item in enumerate(value):
                self.scalar(item, f"{where}/{index}")
        else:
            self.operand(value, where)

    def field_key(self, key: object, pointer: str) -> None:
        if not isinstance(key, str) or FIELD_RE.fullmatch(key) is None:
            self.add("invalid_field", "Expected a field key like 'amount' or 'items.qty'.", pointer)

    def operand(self, value: object, pointer: str) -> None:
        if isinstance(value, Mapping):
            if set(value) != {"field"}:
                self.add("invalid_value", "An object value must be {'field': key}.", pointer)
            else:
                self.field_key(value["field"], f"{pointer}/field")
        else:
            self.scalar(value, pointer)

    def scalar(self, value: object, pointer: str) -> None:
        if value is None or isinstance(value, str | bool):
            return
        if isinstance(value, int | float | Decimal):
            number = _number(value)
            if number is None:
                self.add("invalid_value", "Numbers must be finite.", pointer)
            elif not number.is_zero() and number.adjusted() >= self.budget.max_digits:
                limit = self.budget.max_digits
                self.add("number_too_large", f"A number has more than {limit} digits.", pointer)
            return
        self.add("invalid_value", "Expected text, a number, TRUE/FALSE or null.", pointer)


def _number(value: int | float | Decimal) -> Decimal | None:
    if isinstance(value, int):
        return Decimal(value) if value.bit_length() < 1_000 else Decimal("1e1000")
    if isinstance(value, float):
        return Decimal(repr(value)) if value == value and abs(value) != float("inf") else None
    return value if value.is_finite() else None


def check_condition(
    tree: object, *, pointer: str = "", budget: Budget | None = None
) -> list[Problem]:
    """Every shape problem of a condition tree, with JSON pointers prefixed by `pointer`."""
    checker = _Checker(budget or DEFAULT_BUDGET)
    checker.condition(tree, pointer, 1)
    return checker.problems


def compile_condition(tree: Mapping[str, Any], *, budget: Budget | None = None) -> Node:
    """The AST of a condition tree; raise `ExpressionError` carrying every shape problem."""
    problems = check_condition(tree, budget=budget)
    if problems:
        first = problems[0]
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise ExpressionError(first.code, f"{first.message}{more}", problems)
    return _build(tree, budget or DEFAULT_BUDGET, frozenset())


def _build(tree: Mapping[str, Any], budget: Budget, rows: frozenset[str]) -> Node:
    """The AST of `tree`; `rows` are the line-items fields whose current row is in scope."""
    if "all" in tree:
        return All(tuple(_build(item, budget, rows) for item in tree["all"]))
    if "any" in tree:
        return AnyOf(tuple(_build(item, budget, rows) for item in tree["any"]))
    if "not" in tree:
        return Not(_build(tree["not"], budget, rows))
    for mode in ROW_MODES:
        if mode in tree:
            key = tree[mode]
            return Rows(mode, key, _build(tree["where"], budget, rows | {key}))
    if "formula" in tree:
        formula = parse_formula(tree["formula"], budget=budget)
        return Truth(_bind_rows(formula, rows) if rows else formula)
    op = tree["op"]
    value = None if op in NO_VALUE_OPS else _operand(tree.get("value"), rows)
    return Compare(op, _field(tree["field"], rows), value)


def _field(key: str, rows: frozenset[str]) -> Field:
    name, _, column = key.partition(".")
    if column and name in rows:
        return Field(key)  # the current row's column, read through the row view
    return Field(name, column or None)


def _bind_rows(node: Node, rows: frozenset[str]) -> Node:
    """A formula's AST with `{items.amount}` of an in-scope line-items field read from the row."""

    def bind(item: Node) -> Node:
        return _bind_rows(item, rows)

    match node:
        case Field(key, column) if column is not None and key in rows:
            return Field(f"{key}.{column}")
        case Literal() | Field():
            return node
        case ListOf(items):
            return ListOf(tuple(map(bind, items)))
        case All(items):
            return All(tuple(map(bind, items)))
        case AnyOf(items):
            return AnyOf(tuple(map(bind, items)))
        case Call(name, args):
            return Call(name, tuple(map(bind, args)))
        case Binary(op, left, right):
            return Binary(op, bind(left), bind(right))
        case Compare(op, subject, value):
            return Compare(op, bind(subject), None if value is None else bind(value))
        case Negate(operand):
            return Negate(bind(operand))
        case Not(operand):
            return Not(bind(operand))
        case Truth(operand):
            return Truth(bind(operand))
        case Rows(mode, key, test):
            return Rows(mode, key, bind(test))
    raise TypeError(f"not an expression node: {type(node).__name__}")


def _operand(value: Any, rows: frozenset[str]) -> Node:
    if isinstance(value, Mapping):
        return _field(value["field"], rows)
    if isinstance(value, list):
        return ListOf(tuple(_operand(item, rows) for item in value))
    if value is None or isinstance(value, str | bool):
        return Literal(value)
    number = _number(value)
    if number is None:  # check_condition reports these; kept for callers building by hand
        fail("invalid_value", "Numbers must be finite.")
    return Literal(number)


@lru_cache(maxsize=1024)
def _compiled_condition(text: str) -> Compiled:
    return compile(compile_condition(json.loads(text)))


def evaluate_condition(
    tree: Mapping[str, Any], values: Mapping[str, Any], *, now: datetime
) -> bool:
    """Whether the condition tree holds for `values`; compiled trees are cached by JSON text."""
    try:
        text = json.dumps(tree, sort_keys=True, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        fail("invalid_condition", "A condition tree must be plain JSON.")
    result = _compiled_condition(text)(values, now)
    return result is True
