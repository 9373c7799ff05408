"""Expression AST: the nodes formulas and condition trees compile to, and budgets. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import NoReturn, TypeAlias

from runtime.errors import ExpressionError, Problem


@dataclass(frozen=True, slots=True)
class Budget:
    """Limits on one parse or evaluation; exceeding one raises `ExpressionError`."""

    max_steps: int = 10_000  # evaluation steps (one per node, one per list element processed)
    max_depth: int = 64  # nesting of formula text, AST height, condition tree depth
    max_string: int = 10_000  # characters in a string result
    max_digits: int = 40  # integer digits of a number (and decimal precision)
    max_list: int = 10_000  # elements in a list being processed
    max_text: int = 4_096  # characters of formula source


DEFAULT_BUDGET = Budget()


@dataclass(frozen=True, slots=True)
class Literal:
    """A constant: Decimal, str, bool or None."""

    value: Decimal | str | bool | None


@dataclass(frozen=True, slots=True)
class Field:
    """`{key}`, or `{key.column}`: the column of every row of a line-items field (a list)."""

    key: str
    column: str | None = None


@dataclass(frozen=True, slots=True)
class ListOf:
    """A list of values (the right side of `in`, `not_in`, `between`)."""

    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Negate:
    """Unary minus."""

    operand: Node


@dataclass(frozen=True, slots=True)
class Binary:
    """Arithmetic (`+ - * / ^`) or concatenation (`&`)."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Compare:
    """A comparison op of the condition language; formula `= <> < <= > >=` map to eq…lte."""

    op: str
    subject: Node
    value: Node | None = None


@dataclass(frozen=True, slots=True)
class Call:
    """A call of an allow-listed function; `name` is upper case."""

    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class All:
    """True when every item is true (no items: true)."""

    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    """True when some item is true (no items: false)."""

    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    """Logical negation."""

    operand: Node


@dataclass(frozen=True, slots=True)
class Rows:
    """`some` / `every` row of the line-items field `key` satisfies `test`.

    Inside `test` a column of this field reads the current row's value: it is a `Field` whose key
    is `key.column` (record keys never hold a dot), looked up in a per-row view of the values.
    """

    mode: str  # "some" | "every"
    key: str
    test: Node


@dataclass(frozen=True, slots=True)
class Truth:
    """The truth value of a formula used as a condition leaf."""

    operand: Node


Node: TypeAlias = (
    Literal | Field | ListOf | Negate | Binary | Compare | Call | All | AnyOf | Not | Truth | Rows
)

COMPARE_OPS = frozenset(
    {
        "eq",
        "ne",
        "gt",
        "gte",
        "lt",
        "lte",
        "in",
        "not_in",
        "contains",
        "not_contains",
        "starts_with",
        "is_empty",
        "is_not_empty",
        "between",
    }
)


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-nodes of `node`."""
    match node:
        case Literal() | Field():
            return ()
        case ListOf(items) | All(items) | AnyOf(items):
            return items
        case Call(_, args):
            return args
        case Negate(operand) | Not(operand) | Truth(operand) | Rows(_, _, operand):
            return (operand,)
        case Binary(_, left, right):
            return (left, right)
        case Compare(_, subject, value):
            return (subject,) if value is None else (subject, value)


def field_refs(node: Node) -> frozenset[str]:
    """The field keys `node` reads (`{items.amount}` and a row's `items.amount` read `items`)."""
    keys: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Field):
            keys.add(current.key.partition(".")[0])
        elif isinstance(current, Rows):
            keys.add(current.key)
        stack.extend(children(current))
    return frozenset(keys)


def fail(code: str, message: str, **params: object) -> NoReturn:
    """Raise an `ExpressionError` carrying one problem with `code` and `message`."""
    raise ExpressionError(code, message, [Problem(code, message, params=dict(params))])
