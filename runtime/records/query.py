"""Condition trees and sort keys → SQL over `records.data` (SQLite and PostgreSQL). Shell."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    exists,
    false,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    true,
    tuple_,
)
from sqlalchemy.dialects.postgresql import JSONB

from runtime.errors import InvalidInput, Problem
from runtime.records.models import Record

NUMERIC_TYPES = frozenset({"number", "money", "percent", "rating"})
NUMERIC_FORMULA_RESULTS = frozenset({"number", "money"})
LIST_TYPES = frozenset({"multiselect", "checkbox"})
BUILTIN_SORTS: dict[str, ColumnElement[Any]] = {
    "id": Record.id.expression,
    "created_at": Record.created_at.expression,
    "updated_at": Record.updated_at.expression,
}
SLUG = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
# Empty values sort as the smallest value on both databases (no NULL cases in the cursor).
SMALLEST_NUMBER = "-1e308"


def _bad(code: str, message: str, field: str = "filter") -> InvalidInput:
    return InvalidInput(code, message, [Problem(code, message, field=field)])


def numeric_fields(fields: Sequence[Mapping[str, Any]]) -> frozenset[str]:
    """Keys whose stored values compare as numbers (money is stored as decimal text)."""
    return frozenset(
        f["key"]
        for f in fields
        if f["type"] in NUMERIC_TYPES
        or (
            f["type"] == "formula"
            and (f.get("config") or {}).get("result") in NUMERIC_FORMULA_RESULTS
        )
    )


def value_sql(key: str, *, numeric: bool, dialect: str) -> str:
    """SQL reading field `key` from `data` (NULL when empty).

    Literal paths, not bound parameters, so an expression index can match the query text.
    Keys are slugs (the meta-schema says so); anything else is refused here as well.
    """
    if not SLUG.match(key):
        raise _bad("unknown_field", f"Unknown field {key!r}.")
    if dialect == "postgresql":
        return f"(data ->> '{key}')::double precision" if numeric else f"(data ->> '{key}')"
    extract = f"json_extract(data, '$.{key}')"
    return f"CAST({extract} AS REAL)" if numeric else extract


def sort_sql(key: str, *, numeric: bool, dialect: str) -> str:
    """The sort expression for `key`; expression indexes are created on exactly this text."""
    empty = SMALLEST_NUMBER if numeric else "''"
    return f"COALESCE({value_sql(key, numeric=numeric, dialect=dialect)}, {empty})"


class QueryBuilder:
    """Builds SQL for one form: `types` maps field key → field type key."""

    def __init__(
        self, types: Mapping[str, str], dialect: str, numeric: frozenset[str] = frozenset()
    ) -> None:
        self.types = types
        self.dialect = dialect
        self.numeric = numeric

    def column(self, key: str) -> ColumnElement[Any]:
        if key not in self.types:
            raise _bad("unknown_field", f"Unknown field {key!r}.")
        numeric = key in self.numeric
        return literal_column(value_sql(key, numeric=numeric, dialect=self.dialect))

    def is_numeric(self, key: str) -> bool:
        return key in self.numeric

    def condition(self, tree: Any, pointer: str = "") -> ColumnElement[bool]:
        if not isinstance(tree, Mapping):
            raise _bad("invalid_filter", f"A condition must be an object ({pointer or '/'}).")
        if "all" in tree:
            parts = [self.condition(c, f"{pointer}/all/{i}") for i, c in enumerate(tree["all"])]
            return and_(true(), *parts)
        if "any" in tree:
            parts = [self.condition(c, f"{pointer}/any/{i}") for i, c in enumerate(tree["any"])]
            return or_(false(), *parts)
        if "not" in tree:
            return not_(self.condition(tree["not"], f"{pointer}/not"))
        if "field" in tree and "op" in tree:
            return self.leaf(str(tree["field"]), str(tree["op"]), tree.get("value"))
        raise _bad(
            "invalid_filter", f"Filters support all/any/not and field comparisons ({pointer})."
        )

    def _value(self, key: str, value: Any) -> Any:
        if isinstance(value, Mapping) or (
            isinstance(value, list) and self.types.get(key) not in LIST_TYPES
        ):
            raise _bad("invalid_filter", f"Unsupported value for {key!r}.")
        if self.is_numeric(key):
            try:
                return float(value)
            except (TypeError, ValueError) as error:
                raise _bad("invalid_filter", f"{key!r} compares with numbers.") from error
        return value if isinstance(value, str) else json.dumps(value)

    def leaf(self, key: str, op: str, value: Any) -> ColumnElement[bool]:
        col = self.column(key)
        is_list = self.types.get(key) in LIST_TYPES
        if op == "is_empty":
            return or_(col.is_(None), col == "", col == "[]")
        if op == "is_not_empty":
            return and_(col.is_not(None), col != "", col != "[]")
        if op in ("contains", "not_contains"):
            clause = (
                self._contains(key, value) if is_list else col.contains(str(value), autoescape=True)
            )
            return clause if op == "contains" else not_(clause)
        if op in ("in", "not_in"):
            if not isinstance(value, list):
                raise _bad("invalid_filter", f"{op} needs a list.")
            member = col.in_([self._value(key, v) for v in value])
            return member if op == "in" else or_(col.is_(None), not_(member))
        if op == "starts_with":
            return col.startswith(str(value), autoescape=True)
        if op == "between":
            if not isinstance(value, list) or len(value) != 2:
                raise _bad("invalid_filter", "between needs [low, high].")
            return col.between(self._value(key, value[0]), self._value(key, value[1]))
        comparisons = {
            "eq": col.__eq__,
            "ne": col.__ne__,
            "gt": col.__gt__,
            "gte": col.__ge__,
            "lt": col.__lt__,
            "lte": col.__le__,
        }
        if op not in comparisons:
            raise _bad("invalid_filter", f"Unknown operator {op!r}.")
        if value is None:
            return col.is_(None) if op == "eq" else col.is_not(None)
        compared: ColumnElement[bool] = comparisons[op](self._value(key, value))
        return or_(col.is_(None), compared) if op == "ne" else compared

    def _contains(self, key: str, value: Any) -> ColumnElement[bool]:
        if self.dialect == "postgresql":
            contains: ColumnElement[bool] = Record.data[key].op("@>")(
                literal(json.dumps([value]), JSONB)
            )
            return contains
        each = func.json_each(Record.data, f'$."{key}"').table_valued("value")
        return exists(select(1).select_from(each).where(each.c.value == value))

    def order(self, sort: str | None) -> tuple[ColumnElement[Any], bool, bool]:
        """(expression, descending, is_builtin) for `sort` like '-amount'."""
        sort = sort or "-id"
        descending = sort.startswith("-")
        key = sort.lstrip("-+")
        if key in BUILTIN_SORTS:
            return BUILTIN_SORTS[key], descending, True
        if key not in self.types:
            raise _bad("unknown_field", f"Cannot sort by {key!r}.", field="sort")
        if self.types[key] in LIST_TYPES:
            raise _bad("unsortable_field", f"Cannot sort by the list field {key!r}.", field="sort")
        expression = sort_sql(key, numeric=key in self.numeric, dialect=self.dialect)
        return literal_column(expression), descending, False


def encode_cursor(values: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values), default=str).encode()).decode()


def decode_cursor(cursor: str) -> list[Any]:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except ValueError as error:
        raise _bad("invalid_cursor", "The cursor is not valid.", field="cursor") from error
    if not isinstance(values, list) or len(values) != 2:
        raise _bad("invalid_cursor", "The cursor is not valid.", field="cursor")
    return values


def after_cursor(
    expr: ColumnElement[Any], descending: bool, value: Any, last_id: int
) -> ColumnElement[bool]:
    """Rows strictly after (value, last_id) in (expr, id) order: one row-value comparison."""
    if expr is Record.id.expression:
        return Record.id < last_id if descending else Record.id > last_id
    here = tuple_(expr, Record.id)
    there = tuple_(literal(value), literal(last_id))
    return here < there if descending else here > there


def sort_value(value: Any, *, numeric: bool) -> Any:
    """What `sort_sql` computes for a stored value, for the cursor."""
    if numeric:
        return float(value) if value not in (None, "") else float(SMALLEST_NUMBER)
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def cursor_datetime(value: Any) -> datetime:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError as error:
        raise _bad("invalid_cursor", "The cursor is not valid.", field="cursor") from error
