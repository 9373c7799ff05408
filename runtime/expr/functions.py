"""Expression values (coercion, comparison, arithmetic) and the allow-listed functions. Pure."""

# Values are Decimal, str, bool, None, date, datetime and lists of those. Records give numbers as
# int/float/Decimal or decimal strings ("1234.50"), dates as "YYYY-MM-DD" and datetimes as ISO-8601
# with an offset; they are coerced here. WEEKDAY numbers days ISO-style: 1 = Monday … 7 = Sunday
# (unlike Excel's default, where 1 = Sunday).

from __future__ import annotations

import calendar
import decimal
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
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


def _promote(moment: date | datetime) -> datetime:
    if isinstance(moment, datetime):
        return moment
    return datetime(moment.year, moment.month, moment.day, tzinfo=UTC)


def _temporal_pair(left: Value, right: Value) -> tuple[datetime | date, datetime | date] | None:
    a, b = as_temporal(left), as_temporal(right)
    if a is None or b is None:
        return None
    if isinstance(a, datetime) != isinstance(b, datetime):
        return _promote(a), _promote(b)
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


# --- operators -----------------------------------------------------------------------------


def negate(value: Value, ctx: Context) -> Decimal:
    return check_number(ctx.decimal.minus(to_number(value, ctx)), ctx)


def add(left: Value, right: Value, ctx: Context) -> Decimal:
    return check_number(ctx.decimal.add(to_number(left, ctx), to_number(right, ctx)), ctx)


def subtract(left: Value, right: Value, ctx: Context) -> Decimal:
    return check_number(ctx.decimal.subtract(to_number(left, ctx), to_number(right, ctx)), ctx)


def multiply(left: Value, right: Value, ctx: Context) -> Decimal:
    return check_number(ctx.decimal.multiply(to_number(left, ctx), to_number(right, ctx)), ctx)


def divide(left: Value, right: Value, ctx: Context) -> Decimal:
    divisor = to_number(right, ctx)
    if divisor.is_zero():
        fail("division_by_zero", "Division by zero.")
    return check_number(ctx.decimal.divide(to_number(left, ctx), divisor), ctx)


def power(left: Value, right: Value, ctx: Context) -> Decimal:
    """`left ^ right`, refusing before computing when the result would pass the digit budget."""
    base, exponent = to_number(left, ctx), to_number(right, ctx)
    if base.is_zero():
        if exponent < 0:
            fail("division_by_zero", "Zero raised to a negative power.")
        return ONE if exponent.is_zero() else ZERO
    limit = ctx.budget.max_digits
    # log10 of the result, from adjusted exponents: cheap and never computes the power itself.
    dc = ctx.decimal
    magnitude = dc.multiply(Decimal(abs(base.adjusted()) + 1), dc.abs(exponent))
    if magnitude >= 4 * limit:
        scale = dc.multiply(dc.log10(dc.abs(base)), exponent)
        if scale >= limit:
            fail("number_too_large", f"A number has more than {limit} digits.", max_digits=limit)
        if scale < -limit:
            return ZERO
    if base < 0 and exponent != exponent.to_integral_value():
        fail("invalid_number", "A negative number raised to a fractional power.")
    return check_number(ctx.decimal.power(base, exponent), ctx)


def concat(left: Value, right: Value, ctx: Context) -> str:
    a, b = to_text(left, ctx), to_text(right, ctx)
    if len(a) + len(b) > ctx.budget.max_string:
        fail_string(ctx)
    return a + b


BINARY: Mapping[str, Callable[[Value, Value, Context], Value]] = MappingProxyType(
    {"+": add, "-": subtract, "*": multiply, "/": divide, "^": power, "&": concat}
)


# --- functions -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Function:
    """An allow-listed function; a lazy one receives thunks instead of values."""

    name: str
    min_args: int
    max_args: int | None
    call: Callable[[Context, Sequence[Any]], Value]
    lazy: bool = False


def flatten(args: Sequence[Value], ctx: Context) -> list[Value]:
    """Arguments with list arguments spliced in (one level), each element counting a step."""
    out: list[Value] = []
    for arg in args:
        if is_list(arg):
            if len(arg) > ctx.budget.max_list:
                fail_list(ctx)
            ctx.tick(len(arg))
            out.extend(arg)
        else:
            out.append(arg)
    if len(out) > ctx.budget.max_list:
        fail_list(ctx)
    return out


def fail_list(ctx: Context) -> None:
    limit = ctx.budget.max_list
    fail("list_too_long", f"A list has more than {limit} items.", max_list=limit)


def _numbers(args: Sequence[Value], ctx: Context) -> list[Decimal]:
    return [to_number(item, ctx) for item in flatten(args, ctx) if not is_blank(item)]


def fn_if(_ctx: Context, args: Sequence[Thunk]) -> Value:
    if to_bool(args[0]()):
        return args[1]()
    return args[2]() if len(args) > 2 else False


def fn_ifs(_ctx: Context, args: Sequence[Thunk]) -> Value:
    for index in range(0, len(args), 2):
        if to_bool(args[index]()):
            return args[index + 1]()
    return None  # no condition held: blank (Excel says #N/A)


def fn_and(ctx: Context, args: Sequence[Thunk]) -> Value:
    for arg in args:
        value = arg()
        items = flatten([value], ctx) if is_list(value) else [value]
        if not all(to_bool(item) for item in items):
            return False
    return True


def fn_or(ctx: Context, args: Sequence[Thunk]) -> Value:
    for arg in args:
        value = arg()
        items = flatten([value], ctx) if is_list(value) else [value]
        if any(to_bool(item) for item in items):
            return True
    return False


def fn_not(_ctx: Context, args: Sequence[Value]) -> Value:
    return not to_bool(args[0])


def fn_sum(ctx: Context, args: Sequence[Value]) -> Value:
    total = ZERO
    for number in _numbers(args, ctx):
        total = check_number(ctx.decimal.add(total, number), ctx)
    return total


def fn_avg(ctx: Context, args: Sequence[Value]) -> Value:
    numbers = _numbers(args, ctx)
    if not numbers:
        fail("division_by_zero", "AVG of no numbers.")
    total = ZERO
    for number in numbers:
        total = check_number(ctx.decimal.add(total, number), ctx)
    return check_number(ctx.decimal.divide(total, Decimal(len(numbers))), ctx)


def fn_min(ctx: Context, args: Sequence[Value]) -> Value:
    return min(_numbers(args, ctx), default=ZERO)


def fn_max(ctx: Context, args: Sequence[Value]) -> Value:
    return max(_numbers(args, ctx), default=ZERO)


def fn_round(ctx: Context, args: Sequence[Value]) -> Value:
    """Round half away from zero (as Excel) to `digits` decimals; negative digits round left."""
    number = ctx.decimal.plus(to_number(args[0], ctx))  # at most max_digits significant digits
    digits = to_integer(args[1], ctx, "ROUND digits") if len(args) > 1 else 0
    limit = ctx.budget.max_digits
    if abs(digits) > limit:
        fail("invalid_argument", f"ROUND digits must be between -{limit} and {limit}.")
    if number.adjusted() + 1 + max(digits, 0) > limit:
        return number  # already exact to that many places within the precision
    exponent = Decimal((0, (1,), -digits))
    rounded = number.quantize(exponent, rounding=decimal.ROUND_HALF_UP, context=ctx.decimal)
    if digits < 0:
        rounded = rounded.quantize(ONE, context=ctx.decimal)
    return check_number(rounded, ctx)


def fn_abs(ctx: Context, args: Sequence[Value]) -> Value:
    return ctx.decimal.abs(to_number(args[0], ctx))


def fn_concat(ctx: Context, args: Sequence[Value]) -> Value:
    parts: list[str] = []
    size = 0
    for item in flatten(args, ctx):
        text = to_text(item, ctx)
        size += len(text)
        if size > ctx.budget.max_string:
            fail_string(ctx)
        parts.append(text)
    return "".join(parts)


def _count(args: Sequence[Value], ctx: Context, name: str) -> int:
    count = to_integer(args[1], ctx, f"{name} count") if len(args) > 1 else 1
    if count < 0:
        fail("invalid_argument", f"{name} count must not be negative.")
    return count


def fn_left(ctx: Context, args: Sequence[Value]) -> Value:
    return check_text(to_text(args[0], ctx)[: _count(args, ctx, "LEFT")], ctx)


def fn_right(ctx: Context, args: Sequence[Value]) -> Value:
    text, count = to_text(args[0], ctx), _count(args, ctx, "RIGHT")
    return check_text(text[len(text) - count :] if count < len(text) else text, ctx)


def fn_len(ctx: Context, args: Sequence[Value]) -> Value:
    return Decimal(len(to_text(args[0], ctx)))


def fn_contains(ctx: Context, args: Sequence[Value]) -> Value:
    if is_list(args[0]):
        ctx.tick(len(args[0]))
    return op_contains(args[0], args[1])


def fn_date(ctx: Context, args: Sequence[Value]) -> Value:
    year, month, day = (to_integer(arg, ctx, "DATE part") for arg in args)
    try:
        return date(year, month, day)
    except (ValueError, OverflowError):
        fail("invalid_date", f"DATE({year}, {month}, {day}) is not a date.")


def fn_today(ctx: Context, _args: Sequence[Value]) -> Value:
    return aware(ctx.now).date()


def fn_now(ctx: Context, _args: Sequence[Value]) -> Value:
    return aware(ctx.now)


def _day(value: Value, what: str) -> date:
    moment = to_date(value, what)
    return moment.date() if isinstance(moment, datetime) else moment


def fn_datedif(_ctx: Context, args: Sequence[Value]) -> Value:
    """Whole years ("Y"), months ("M") or days ("D") from start to end; blank in, blank out."""
    if args[0] is None or args[1] is None:
        return None
    start, end = _day(args[0], "DATEDIF start"), _day(args[1], "DATEDIF end")
    unit = args[2]
    if start > end:
        fail("invalid_argument", "DATEDIF start is after its end.")
    if unit == "D":
        return Decimal((end - start).days)
    months = (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)
    if unit == "M":
        return Decimal(months)
    if unit == "Y":
        return Decimal(months // 12)
    fail("invalid_argument", 'DATEDIF unit must be "Y", "M" or "D".')


def _add_months(moment: date, months: int) -> date:
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        fail("invalid_date", "DATEADD went past the supported years.")
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def fn_dateadd(ctx: Context, args: Sequence[Value]) -> Value:
    """Add whole years "Y", months "M", days "D", hours "h" or minutes "m" (case matters)."""
    if args[0] is None:
        return None
    moment = to_date(args[0], "DATEADD date")
    amount = to_integer(args[1], ctx, "DATEADD amount")
    unit = args[2]
    try:
        if unit in ("Y", "M"):
            return _add_months(moment, amount * 12 if unit == "Y" else amount)
        if unit == "D":
            return moment + timedelta(days=amount)
        if unit in ("h", "m"):
            step = timedelta(hours=amount) if unit == "h" else timedelta(minutes=amount)
            return _promote(moment) + step
    except OverflowError:
        fail("invalid_date", "DATEADD went past the supported years.")
    fail("invalid_argument", 'DATEADD unit must be "Y", "M", "D", "h" or "m".')


def fn_weekday(_ctx: Context, args: Sequence[Value]) -> Value:
    """1 = Monday … 7 = Sunday (ISO 8601)."""
    if args[0] is None:
        return None
    return Decimal(_day(args[0], "WEEKDAY date").isoweekday())


def fn_isblank(_ctx: Context, args: Sequence[Value]) -> Value:
    return is_blank(args[0])


FUNCTIONS: Mapping[str, Function] = MappingProxyType(
    {
        entry.name: entry
        for entry in (
            Function("IF", 2, 3, fn_if, lazy=True),
            Function("IFS", 2, None, fn_ifs, lazy=True),
            Function("AND", 1, None, fn_and, lazy=True),
            Function("OR", 1, None, fn_or, lazy=True),
            Function("NOT", 1, 1, fn_not),
            Function("SUM", 1, None, fn_sum),
            Function("AVG", 1, None, fn_avg),
            Function("MIN", 1, None, fn_min),
            Function("MAX", 1, None, fn_max),
            Function("ROUND", 1, 2, fn_round),
            Function("ABS", 1, 1, fn_abs),
            Function("CONCAT", 1, None, fn_concat),
            Function("LEFT", 1, 2, fn_left),
            Function("RIGHT", 1, 2, fn_right),
            Function("LEN", 1, 1, fn_len),
            Function("CONTAINS", 2, 2, fn_contains),
            Function("DATE", 3, 3, fn_date),
            Function("TODAY", 0, 0, fn_today),
            Function("NOW", 0, 0, fn_now),
            Function("DATEDIF", 3, 3, fn_datedif),
            Function("DATEADD", 3, 3, fn_dateadd),
            Function("WEEKDAY", 1, 1, fn_weekday),
            Function("ISBLANK", 1, 1, fn_isblank),
        )
    }
)
