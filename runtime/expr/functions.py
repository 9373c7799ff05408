"""Expression operators and the allow-listed functions. Pure."""

# Values and their coercion and comparison rules live in `runtime.expr.values`. WEEKDAY numbers
# days ISO-style: 1 = Monday … 7 = Sunday (unlike Excel's default, where 1 = Sunday).

from __future__ import annotations

import calendar
import decimal
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from runtime.expr.ast import fail
from runtime.expr.values import (
    COMPARISONS,
    NUMBER_RE,
    ONE,
    ZERO,
    Context,
    Value,
    as_number,
    as_temporal,
    aware,
    check_number,
    check_text,
    decimal_context,
    fail_string,
    is_blank,
    is_list,
    op_contains,
    over_budget,
    promote,
    to_bool,
    to_date,
    to_integer,
    to_number,
    to_text,
)

# What the interpreter takes from here; the value rules are re-exported from `values`.
__all__ = [
    "BINARY",
    "COMPARISONS",
    "FUNCTIONS",
    "NUMBER_RE",
    "Context",
    "Value",
    "as_number",
    "as_temporal",
    "decimal_context",
    "fail_list",
    "is_list",
    "negate",
    "over_budget",
    "to_bool",
]

Thunk = Callable[[], Value]


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
            return promote(moment) + step
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
