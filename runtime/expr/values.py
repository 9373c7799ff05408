"""Expression values: coercion and comparison rules, the evaluation context. Pure."""

# Values are Decimal, str, bool, None, date, datetime and lists of those. Records give numbers as
# int/float/Decimal or decimal strings ("1234.50"), dates as "YYYY-MM-DD" and datetimes as ISO-8601
# with an offset; they are coerced here.

from __future__ import annotations

import decimal
import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from types import MappingProxyType
from typing import Any, TypeGuard

from runtime.expr.ast import Budget, fail

Value = Any  # Decimal | str | bool | None | date | datetime | list[Value]
Thunk = Callable[[], Value]

ZERO = Decimal(0)
ONE = Decimal(1)
# Exactly the JS mirror's NUMBER_RE (static/js/core/conditions.js); ASCII digits only.
NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)
DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
DATETIME_RE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?"
    r"(?:Z|[+-][0-9]{2}:[0-9]{2})",
    re.ASCII,
)


class Context:
    """The state of one evaluation: inputs, budget and the step counter."""

    __slots__ = ("budget", "decimal", "max_steps", "now", "steps", "values")

    def __init__(
        self,
        values: Mapping[str, Any],
        now: datetime,
        budget: Budget,
        decimal_ctx: decimal.Context | None = None,
    ) -> None:
        if not isinstance(now, datetime) or now.tzinfo is None:
            fail("naive_now", "`now` must be an aware datetime.")
        self.values = values
        self.now = now  # converted to UTC only when read (TODAY, NOW)
        self.budget = budget
        self.decimal = decimal_ctx or decimal_context(budget.max_digits)
        self.max_steps = budget.max_steps
        self.steps = 0

    def tick(self, count: int = 1) -> None:
        """Count `count` evaluation steps against the budget."""
        self.steps += count
        if self.steps > self.max_steps:
            over_budget(self)


def over_budget(ctx: Context) -> None:
    fail(
        "budget_exceeded",
        f"The expression took more than {ctx.max_steps} steps.",
        max_steps=ctx.max_steps,
    )


@lru_cache(maxsize=8)
def decimal_context(max_digits: int) -> decimal.Context:
    """A private Decimal context (never the thread's): `max_digits` precision, traps on."""
    return decimal.Context(
        prec=max_digits,
        rounding=decimal.ROUND_HALF_EVEN,
        Emax=999_999,
        Emin=-999_999,
        traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
    )


# --- coercion -----------------------------------------------------------------------------


def as_number(value: Value) -> Decimal | None:
    """The number `value` stands for when compared, or None (not numeric; never raises)."""
    kind = type(value)
    if kind is Decimal:
        return value if value.is_finite() else None
    if kind is int:
        return Decimal(value) if value.bit_length() < 10_000 else None
    if kind is str:
        return Decimal(value) if NUMBER_RE.fullmatch(value) else None
    if kind is float:
        return Decimal(repr(value)) if value == value and abs(value) != float("inf") else None
    return None


def check_number(number: Decimal, ctx: Context) -> Decimal:
    """Reject non-finite numbers and numbers past the digit budget; flush tiny ones to zero."""
    if not number.is_finite():
        fail("invalid_number", "The result is not a finite number.")
    limit = ctx.budget.max_digits
    if number.is_zero():
        exponent = number.as_tuple().exponent
        return number if isinstance(exponent, int) and -limit <= exponent <= 0 else ZERO
    adjusted = number.adjusted()
    if adjusted >= limit:
        fail("number_too_large", f"A number has more than {limit} digits.", max_digits=limit)
    return ZERO if adjusted < -limit else number


def to_number(value: Value, ctx: Context) -> Decimal:
    """The number `value` stands for in arithmetic (blank is 0, TRUE is 1), or a type_error."""
    if value is None or value == "":
        return ZERO
    if isinstance(value, bool):
        return ONE if value else ZERO
    if isinstance(value, int) and value.bit_length() > 4 * ctx.budget.max_digits:
        fail("number_too_large", "A number is too large.", max_digits=ctx.budget.max_digits)
    number = as_number(value)
    if number is None:
        fail("type_error", f"Expected a number, got {describe(value)}.")
    return check_number(number, ctx)


def to_integer(value: Value, ctx: Context, what: str) -> int:
    number = to_number(value, ctx)
    if number != number.to_integral_value():
        fail("type_error", f"{what} must be a whole number.")
    return int(number)


def to_text(value: Value, ctx: Context) -> str:
    """The text of `value` for concatenation and text functions."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return aware(value).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        return format(to_number(value, ctx), "f")
    fail("type_error", f"Expected text, got {describe(value)}.")


def check_text(text: str, ctx: Context) -> str:
    if len(text) > ctx.budget.max_string:
        fail_string(ctx)
    return text


def fail_string(ctx: Context) -> None:
    limit = ctx.budget.max_string
    fail("string_too_long", f"A text result is longer than {limit} characters.", max_string=limit)


def to_bool(value: Value) -> bool:
    """The truth of `value`: blank is false, numbers are true when non-zero."""
    if value is True or value is False:
        return value
    if value is None or value == "":
        return False
    if isinstance(value, str):
        upper = value.upper()
        if upper in ("TRUE", "FALSE"):
            return upper == "TRUE"
    else:
        number = as_number(value)
        if number is not None:
            return not number.is_zero()
    fail("type_error", f"Expected TRUE or FALSE, got {describe(value)}.")


def aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def as_temporal(value: Value) -> date | datetime | None:
    """A date or aware datetime from `value` (object or ISO text), or None."""
    if isinstance(value, datetime):
        return aware(value)
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            if DATE_RE.fullmatch(value):
                return date.fromisoformat(value)
            if DATETIME_RE.fullmatch(value):
                return aware(datetime.fromisoformat(value))
        except ValueError:
            return None
    return None


def to_date(value: Value, what: str) -> date | datetime:
    moment = as_temporal(value)
    if moment is None:
        fail("type_error", f"{what} must be a date, got {describe(value)}.")
    return moment


def describe(value: Value) -> str:
    if value is None:
        return "blank"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, datetime | date):
        return "a date"
    return "a number" if as_number(value) is not None else "a value"


def is_list(value: Value) -> TypeGuard[list[Any] | tuple[Any, ...]]:
    return isinstance(value, list | tuple)


# --- comparison (the condition ops; identical to the JS mirror) ----------------------------


def promote(moment: date | datetime) -> datetime:
    """A date as midnight UTC; datetimes unchanged."""
    if isinstance(moment, datetime):
        return moment
    return datetime(moment.year, moment.month, moment.day, tzinfo=UTC)


def _temporal_pair(left: Value, right: Value) -> tuple[datetime | date, datetime | date] | None:
    a, b = as_temporal(left), as_temporal(right)
    if a is None or b is None:
        return None
    if isinstance(a, datetime) != isinstance(b, datetime):
        return promote(a), promote(b)
    return a, b


def _is_temporal(value: Value) -> bool:
    return isinstance(value, date)


def equals(left: Value, right: Value) -> bool:
    """`eq`: null equals only null; numbers (and decimal text) by value; lists item by item."""
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    a, b = as_number(left), as_number(right)
    if a is not None and b is not None:
        return a == b
    if _is_temporal(left) or _is_temporal(right):
        pair = _temporal_pair(left, right)
        return pair is not None and pair[0] == pair[1]
    if is_list(left) and is_list(right):
        return len(left) == len(right) and all(map(equals, left, right))
    if isinstance(left, str) and isinstance(right, str):
        return left == right
    return False


def order(left: Value, right: Value) -> int | None:
    """-1, 0 or 1 for comparable values; None when there is no order (then gt…lte are false)."""
    if left is None or right is None:
        return None
    if isinstance(left, bool) or isinstance(right, bool):
        if isinstance(left, bool) and isinstance(right, bool):
            return int(left) - int(right)
        return None
    a, b = as_number(left), as_number(right)
    if a is not None and b is not None:
        return (a > b) - (a < b)
    if _is_temporal(left) or _is_temporal(right):
        pair = _temporal_pair(left, right)
        if pair is None:
            return None
        x, y = pair
        return (x > y) - (x < y)
    if isinstance(left, str) and isinstance(right, str):
        return (left > right) - (left < right)
    return None


def op_ne(left: Value, right: Value) -> bool:
    return not equals(left, right)


def op_gt(left: Value, right: Value) -> bool:
    result = order(left, right)
    return result is not None and result > 0


def op_gte(left: Value, right: Value) -> bool:
    result = order(left, right)
    return result is not None and result >= 0


def op_lt(left: Value, right: Value) -> bool:
    result = order(left, right)
    return result is not None and result < 0


def op_lte(left: Value, right: Value) -> bool:
    result = order(left, right)
    return result is not None and result <= 0


def op_in(left: Value, right: Value) -> bool:
    if left is None:
        return False
    options = right if is_list(right) else [right]
    subjects = left if is_list(left) else [left]
    return any(equals(item, option) for item in subjects for option in options)


def op_not_in(left: Value, right: Value) -> bool:
    return left is not None and not op_in(left, right)


def op_contains(left: Value, right: Value) -> bool:
    if isinstance(left, str):
        return isinstance(right, str) and right in left
    if is_list(left):
        return any(equals(item, right) for item in left)
    return False


def op_not_contains(left: Value, right: Value) -> bool:
    return (isinstance(left, str) or is_list(left)) and not op_contains(left, right)


def op_starts_with(left: Value, right: Value) -> bool:
    return isinstance(left, str) and isinstance(right, str) and left.startswith(right)


def is_blank(value: Value) -> bool:
    if value is None:
        return True
    if isinstance(value, str | list | tuple | dict):
        return len(value) == 0
    return False


def op_is_empty(left: Value, _right: Value) -> bool:
    return is_blank(left)


def op_is_not_empty(left: Value, _right: Value) -> bool:
    return not is_blank(left)


def op_between(left: Value, right: Value) -> bool:
    if not is_list(right) or len(right) != 2:
        return False
    return op_gte(left, right[0]) and op_lte(left, right[1])


COMPARISONS: Mapping[str, Callable[[Value, Value], bool]] = MappingProxyType(
    {
        "eq": equals,
        "ne": op_ne,
        "gt": op_gt,
        "gte": op_gte,
        "lt": op_lt,
        "lte": op_lte,
        "in": op_in,
        "not_in": op_not_in,
        "contains": op_contains,
        "not_contains": op_not_contains,
        "starts_with": op_starts_with,
        "is_empty": op_is_empty,
        "is_not_empty": op_is_not_empty,
        "between": op_between,
    }
)
