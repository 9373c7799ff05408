"""Evaluate expression ASTs: a tree-walking interpreter and a closure compiler. Pure."""

# Both count one step per node visited (plus one per list element processed) and share every
# value rule in `functions.py`, so they agree on results, errors and budgets; the compiler only
# removes dispatch and specialises `field <op> literal` comparisons.

from __future__ import annotations

import decimal
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from functools import partial
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
)
from runtime.expr.functions import (
    BINARY,
    COMPARISONS,
    FUNCTIONS,
    NUMBER_RE,
    Context,
    Value,
    as_number,
    as_temporal,
    decimal_context,
    fail_list,
    is_list,
    negate,
    over_budget,
    to_bool,
)

Compiled = Callable[[Mapping[str, Any], datetime], Any]
_Fn = Callable[[Context], Value]


def _convert(error: Exception) -> ExpressionError:
    """An `ExpressionError` for any other exception raised while evaluating."""
    if isinstance(error, RecursionError):
        code, message = "too_deep", "The expression or its data is nested too deeply."
    elif isinstance(error, ZeroDivisionError):
        code, message = "division_by_zero", "Division by zero."
    elif isinstance(error, decimal.Overflow | OverflowError):
        code, message = "number_too_large", "A number is too large."
    elif isinstance(error, ArithmeticError):
        code, message = "invalid_number", "A calculation has no valid result."
    else:
        code, message = "evaluation_failed", f"The expression failed ({type(error).__name__})."
    return ExpressionError(code, message, [Problem(code, message)])


# --- shared pieces -------------------------------------------------------------------------


def read_field(ctx: Context, key: str, column: str | None) -> Value:
    """`{key}` (None when missing) or `{key.column}` (a list; [] when the field is no list)."""
    value = ctx.values.get(key)
    if column is None:
        return value
    if not is_list(value):
        return []
    if len(value) > ctx.budget.max_list:
        fail_list(ctx)
    ctx.tick(len(value))
    return [row.get(column) if isinstance(row, Mapping) else None for row in value]


class RowView(Mapping[str, Any]):
    """The values seen inside a `Rows` test: `key.column` is the current row's column, the rest
    are the enclosing values (the record, or an outer row's view)."""

    __slots__ = ("outer", "prefix", "row")

    def __init__(self, outer: Mapping[str, Any], key: str, row: object) -> None:
        self.outer = outer
        self.prefix = f"{key}."
        self.row: Mapping[str, Any] = row if isinstance(row, Mapping) else {}

    def __getitem__(self, name: str) -> Any:
        if name.startswith(self.prefix):
            return self.row.get(name[len(self.prefix) :])
        return self.outer[name]

    def get(self, name: str, default: Any = None) -> Any:
        if name.startswith(self.prefix):
            return self.row.get(name[len(self.prefix) :], default)
        return self.outer.get(name, default)

    def __iter__(self) -> Any:
        return iter(self.outer)

    def __len__(self) -> int:
        return len(self.outer)


def run_rows(mode: str, key: str, test: _Fn, ctx: Context) -> bool:
    """Whether some / every row of `key` passes `test` (no rows: `some` false, `every` true)."""
    outer = ctx.values
    rows = outer.get(key)
    if not is_list(rows):
        return mode == "every"
    if len(rows) > ctx.budget.max_list:
        fail_list(ctx)
    ctx.tick(len(rows))
    wanted = mode == "some"
    try:
        for row in rows:
            ctx.values = RowView(outer, key, row)
            if to_bool(test(ctx)) is wanted:
                return wanted
    finally:
        ctx.values = outer
    return not wanted


def run_test(op: str, left: Value, right: Value, ctx: Context) -> bool:
    if is_list(left):
        ctx.tick(len(left))
    if is_list(right):
        ctx.tick(len(right))
    return COMPARISONS[op](left, right)


# --- the interpreter -----------------------------------------------------------------------


def evaluate(
    node: Node, values: Mapping[str, Any], *, now: datetime, budget: Budget | None = None
) -> Any:
    """Evaluate `node` over record `values`; `now` (aware) is what TODAY() and NOW() read."""
    try:
        return _eval(node, Context(values, now, budget or DEFAULT_BUDGET))
    except ExpressionError:
        raise
    except Exception as error:  # the contract: only ExpressionError leaves an evaluation
        raise _convert(error) from error


def _eval(node: Node, ctx: Context) -> Value:
    ctx.steps += 1
    if ctx.steps > ctx.max_steps:
        over_budget(ctx)
    match node:
        case Literal(value):
            return value
        case Field(key, column):
            return read_field(ctx, key, column)
        case Compare(op, subject, value):
            left = _eval(subject, ctx)
            return run_test(op, left, None if value is None else _eval(value, ctx), ctx)
        case All(items):
            return all(to_bool(_eval(item, ctx)) for item in items)
        case AnyOf(items):
            return any(to_bool(_eval(item, ctx)) for item in items)
        case Not(operand):
            return not to_bool(_eval(operand, ctx))
        case Truth(operand):
            return to_bool(_eval(operand, ctx))
        case Call(name, args):
            function = FUNCTIONS[name]
            if function.lazy:
                return function.call(ctx, [partial(_eval, arg, ctx) for arg in args])
            return function.call(ctx, [_eval(arg, ctx) for arg in args])
        case Binary(op, left, right):
            return BINARY[op](_eval(left, ctx), _eval(right, ctx), ctx)
        case Negate(operand):
            return negate(_eval(operand, ctx), ctx)
        case ListOf(items):
            return [_eval(item, ctx) for item in items]
        case Rows(mode, key, test):
            return run_rows(mode, key, partial(_eval, test), ctx)
    raise TypeError(f"not an expression node: {type(node).__name__}")


# --- the closure compiler ------------------------------------------------------------------


def compile(node: Node, *, budget: Budget | None = None) -> Compiled:
    """Compile `node` into a function of (values, now): same results, errors and budgets."""
    limits = budget or DEFAULT_BUDGET
    decimal_ctx = decimal_context(limits.max_digits)
    function = _compile(node)

    def run(values: Mapping[str, Any], now: datetime) -> Any:
        try:
            return function(Context(values, now, limits, decimal_ctx))
        except ExpressionError:
            raise
        except Exception as error:  # the contract: only ExpressionError leaves an evaluation
            raise _convert(error) from error

    return run


def _compile(node: Node) -> _Fn:
    match node:
        case Literal(value):
            return _constant(value)
        case Field(key, column):
            return _field(key, column)
        case Compare(op, Field(key, None), Literal(literal)) if op in _ORDER_OPS:
            fast = _field_test(op, key, literal)
            if fast is not None:
                return fast
    match node:
        case Compare(op, subject, other):
            return _test(op, _compile(subject), None if other is None else _compile(other))
        case All(items):
            return _all(tuple(map(_compile, items)))
        case AnyOf(items):
            return _any(tuple(map(_compile, items)))
        case Not(operand) | Truth(operand):
            return _truth(_compile(operand), negated=isinstance(node, Not))
        case Rows(mode, key, test):
            return _rows(mode, key, _compile(test))
        case Call("IF", args):
            return _if(tuple(map(_compile, args)))
        case Call(name, args):
            return _call(name, tuple(map(_compile, args)))
        case Binary(op, left, right):
            return _binary(op, _compile(left), _compile(right))
        case Negate(operand):
            return _negate(_compile(operand))
        case ListOf(items):
            return _list(tuple(map(_compile, items)))
    raise TypeError(f"not an expression node: {type(node).__name__}")


def _constant(value: Value) -> _Fn:
    def constant(ctx: Context) -> Value:
        ctx.steps += 1
        if ctx.steps > ctx.max_steps:
            over_budget(ctx)
        return value

    return constant


def _field(key: str, column: str | None) -> _Fn:
    def field(ctx: Context) -> Value:
        ctx.steps += 1
        if ctx.steps > ctx.max_steps:
            over_budget(ctx)
        if column is None:
            return ctx.values.get(key)
        return read_field(ctx, key, column)

    return field


_ORDER_OPS = frozenset({"eq", "ne", "gt", "gte", "lt", "lte"})
_NUMBER_CHECKS: dict[str, Callable[[Decimal, Decimal], bool]] = {
    "eq": Decimal.__eq__,
    "ne": Decimal.__ne__,
    "gt": Decimal.__gt__,
    "gte": Decimal.__ge__,
    "lt": Decimal.__lt__,
    "lte": Decimal.__le__,
}
_TEXT_CHECKS: dict[str, Callable[[str, str], bool]] = {
    "eq": str.__eq__,
    "ne": str.__ne__,
    "gt": str.__gt__,
    "gte": str.__ge__,
    "lt": str.__lt__,
    "lte": str.__le__,
}


def _field_test(op: str, key: str, literal: Value) -> _Fn | None:
    """`{key} <op> literal` as one closure (3 steps, like the interpreter), or None."""
    if isinstance(literal, Decimal):
        check = _NUMBER_CHECKS[op]
        missing = op == "ne"  # a non-number never equals a number

        def number_test(ctx: Context) -> bool:
            ctx.steps += 3
            if ctx.steps > ctx.max_steps:
                over_budget(ctx)
            value = ctx.values.get(key)
            if type(value) is list or type(value) is tuple:
                return run_test(op, value, literal, ctx)
            number = as_number(value)
            return missing if number is None else check(number, literal)

        return number_test
    if isinstance(literal, str) and not NUMBER_RE.fullmatch(literal):
        if as_temporal(literal) is not None:
            return None
        text_check = _TEXT_CHECKS[op]

        def text_test(ctx: Context) -> bool:
            ctx.steps += 3
            if ctx.steps > ctx.max_steps:
                over_budget(ctx)
            value = ctx.values.get(key)
            if type(value) is str:
                return text_check(value, literal)
            return run_test(op, value, literal, ctx)

        return text_test
    return None


def _test(op: str, subject: _Fn, value: _Fn | None) -> _Fn:
    def test(ctx: Context) -> bool:
        ctx.steps += 1
        if ctx.steps > ctx.max_steps:
            over_budget(ctx)
        left = subject(ctx)
        return run_test(op, left, None if value is None else value(ctx), ctx)

    return test


def _all(items: tuple[_Fn, ...]) -> _Fn:
    def all_of(ctx: Context) -> bool:
        ctx.steps += 1
        if ctx.steps > ctx.max_steps:
            over_budget(ctx)
        for item in items:
            result = item(ctx)
            if result is not True and (result is False or not to_bool(result)):
                return False
        return True

    return all_of


def _any(items: tuple[_Fn, ...]) -> _Fn:
    def any_of(ctx: Context) -> bool:
        ctx.steps += 1
        if ctx.steps > ctx.max_steps:
            over_budget(ctx)
        for item in items:
            result = item(ctx)
            if result is True or (result is not False and to_bool(result)):
                return True
        return False

    return any_of


def _truth(operand: _Fn, *, negated: bool) -> _Fn:
    def truth(ctx: Context) -> bool:
        ctx.steps += 1
        if ctx.steps > ctx.max_steps:
            over_budget(ctx)
        return to_bool(operand(ctx)) is not negated

    return truth


def _rows(mode: str, key: str, test: _Fn) -> _Fn:
    def rows(ctx: Context) -> bool:
        ctx.steps += 1
        if ctx.steps > ctx.max_steps:
            over_budget(ctx)
        return run_rows(mode, key, test, ctx)

    return rows


def _if(args: tuple[_Fn, ...]) -> _Fn:
    condition, then = args[0], args[1]
    otherwise = args[2] if len(args) > 2 else None

    def if_(ctx: Context) -> Value:
        ctx.steps += 1
        if ctx.steps > ctx.max_steps:
            over_budget(ctx)
        if to_bool(condition(ctx)):
            return then(ctx)
        return False if otherwise is None else otherwise(ctx)

    return if_


def _call(name: str, args: tuple[_Fn, ...]) -> _Fn:
    function = FUNCTIONS[name]
    call = function.call

    if function.lazy:

        def lazy_call(ctx: Context) -> Value:
            ctx.steps += 1
            if ctx.steps > ctx.max_steps:
                over_budget(ctx)
            return call(ctx, [partial(arg, ctx) for arg in args])

        return lazy_call

    def eager_call(ctx: Context) -> Value:
        ctx.steps += 1
        if ctx.steps > ctx.max_steps:
            over_budget(ctx)
        return call(ctx, [arg(ctx) for arg in args])

    return eager_call


def _binary(op: str, left: _Fn, right: _Fn) -> _Fn:
    operation = BINARY[op]

    def binary(ctx: Context) -> Value:
        ctx.steps += 1
        if ctx.steps > ctx.max_steps:
            over_budget(ctx)
        return operation(left(ctx), right(ctx), ctx)

    return binary


def _negate(operand: _Fn) -> _Fn:
    def negative(ctx: Context) -> Value:
        ctx.steps += 1
        if ctx.steps > ctx.max_steps:
            over_budget(ctx)
        return negate(operand(ctx), ctx)

    return negative


def _list(items: tuple[_Fn, ...]) -> _Fn:
    def list_of(ctx: Context) -> Value:
        ctx.steps += 1
        if ctx.steps > ctx.max_steps:
            over_budget(ctx)
        return [item(ctx) for item in items]

    return list_of
