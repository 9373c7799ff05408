"""Line items field: a table of rows whose cells are other field types. Pure."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from typing_extensions import override

from runtime.errors import ExpressionError, Problem
from runtime.fields.base import COMMON_MESSAGES, Checker, FieldType, ValueProblem, field_types
from runtime.fields.common import LOCALE_LABEL_SCHEMA, bad_config, canonical_result, with_common
from runtime.fields.formula import Evaluator, evaluator, references
from runtime.i18n import message, text

EXCLUDED_COLUMN_TYPES = frozenset({"line_items", "attachment", "formula", "serial"})
KEY_PATTERN = "^[a-z][a-z0-9_]*$"
EMPTY: tuple[object, ...] = (None, "", [], {})
RowComputer = Callable[[Sequence[Mapping[str, Any]], datetime], list[dict[str, Any]]]

LINE_MESSAGES = with_common(
    {
        "invalid_row": {
            "en": "Row {row}, {column}: {detail}",
            "zh-CN": "第 {row} 行「{column}」：{detail}",
        },
        "too_few_rows": {"en": "Add at least {min} rows.", "zh-CN": "至少填写 {min} 行。"},
        "too_many_rows": {"en": "At most {max} rows.", "zh-CN": "最多 {max} 行。"},
        "formula_failed": {"en": "The formula could not be computed.", "zh-CN": "公式无法计算。"},
    }
)


@dataclass(frozen=True, slots=True)
class _Column:
    key: str
    check: Checker
    required: bool
    kind: FieldType
    label: Mapping[str, str]


_RowFormula = tuple[str, Evaluator, Checker | None]  # key, formula, the column's checker


def _compile_parts(config: Mapping[str, Any]) -> tuple[list[_Column], list[_RowFormula]]:
    """The columns and row formulas of a config; `InvalidDefinition` for what cannot compile."""
    columns = []
    for index, column in enumerate(config["columns"]):
        pointer = f"/config/columns/{index}/type"
        if column["type"] in EXCLUDED_COLUMN_TYPES:
            raise bad_config("column_type_not_allowed", f"{column['type']!r} column", pointer)
        kind = field_types.load(column["type"], pointer=pointer)
        columns.append(
            _Column(
                column["key"],
                kind.compile(column.get("config") or {}),
                bool(column.get("required", False)),
                kind,
                column.get("label") or {},
            )
        )
    by_key = {column.key: column for column in columns}
    formulas: list[_RowFormula] = []
    for key, expression in (config.get("row_formulas") or {}).items():
        unknown = references(expression) - by_key.keys() - {k for k, _, _ in formulas}
        if unknown:
            pointer = f"/config/row_formulas/{key}"
            raise bad_config("unknown_field_ref", f"unknown columns {sorted(unknown)}", pointer)
        column = by_key.get(key)
        formulas.append((key, evaluator(expression), column.check if column else None))
    return columns, formulas


def _bad_cell(
    by_key: Mapping[str, _Column], row: int, key: str, code: str, params: Mapping[str, object]
) -> ValueProblem:
    column = by_key.get(key)
    return ValueProblem(
        "invalid_row",
        row=row,
        column=key,
        detail=code,
        detail_params=dict(params),
        column_type=column.kind.key if column else None,
        column_label=column.label if column else None,
    )


@field_types.register
class LineItems(FieldType):
    """The checker coerces cells; `compute_rows` (called by `check_values`, which knows `now`)
    then runs the row formulas in the order given. A formula whose key is also a column is
    canonicalised by that column's type (and overrides client input)."""

    key = "line_items"
    version = 1
    label: ClassVar[dict[str, str]] = {"en": "Line items", "zh-CN": "明细表"}
    icon = "table"
    group = "advanced"
    widget = "table"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["columns"],
        "properties": {
            "columns": {
                "type": "array",
                "minItems": 1,
                "maxItems": 50,
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["key", "type"],
                    "properties": {
                        "key": {"type": "string", "pattern": KEY_PATTERN, "maxLength": 64},
                        "type": {"type": "string", "pattern": KEY_PATTERN},
                        "label": LOCALE_LABEL_SCHEMA,
                        "config": {"type": "object"},
                        "required": {"type": "boolean", "default": False},
                    },
                },
            },
            "row_formulas": {
                "type": "object",
                "propertyNames": {"pattern": KEY_PATTERN},
                "additionalProperties": {"type": "string", "minLength": 1, "maxLength": 2000},
            },
            "min_rows": {"type": "integer", "minimum": 0, "maximum": 1000, "default": 0},
            "max_rows": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 200},
        },
    }
    example_config: ClassVar[dict[str, Any]] = {
        "columns": [
            {"key": "product", "type": "text", "label": {"zh-CN": "产品", "en": "Product"}},
            {"key": "quantity", "type": "number", "required": True, "config": {"min": 1}},
            {"key": "unit_price", "type": "money", "required": True},
            {"key": "amount", "type": "money"},
        ],
        "row_formulas": {"amount": "{quantity}*{unit_price}"},
        "max_rows": 100,
    }
    messages = LINE_MESSAGES

    @override
    def value_schema(self, config: Mapping[str, Any]) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        for column in config["columns"]:
            cell = field_types.load(column["type"]).value_schema(column.get("config") or {})
            properties[column["key"]] = {"anyOf": [cell, {"type": "null"}]}
        for key in config.get("row_formulas", {}):
            properties.setdefault(key, {})
        return {
            "type": "array",
            "maxItems": config.get("max_rows", 200),
            "items": {"type": "object", "additionalProperties": False, "properties": properties},
        }

    @override
    def compile(self, config: Mapping[str, Any]) -> Checker:
        """Coerce and validate the cells; row formulas are left empty (see `compute_rows`)."""
        columns, formulas = _compile_parts(config)
        by_key = {column.key: column for column in columns}
        computed = frozenset(key for key, _, _ in formulas)
        extra = tuple(key for key, _, _ in formulas if key not in by_key)
        allowed = by_key.keys() | computed
        low, high = config.get("min_rows", 0), config.get("max_rows", 200)

        def check_row(number: int, raw: Any) -> dict[str, Any]:
            if not isinstance(raw, Mapping):
                raise _bad_cell(by_key, number, "", "invalid_type", {})
            for key in raw:
                if key not in allowed:
                    raise _bad_cell(by_key, number, str(key)[:64], "unknown_field", {})
            row: dict[str, Any] = {}
            for column in columns:
                key = column.key
                value = None if key in computed else raw.get(key)
                if value in EMPTY:
                    if column.required and key not in computed:
                        raise _bad_cell(by_key, number, key, "required", {})
                    row[key] = None
                    continue
                try:
                    row[key] = column.check(value)
                except ValueProblem as problem:
                    raise _bad_cell(by_key, number, key, problem.code, problem.params) from None
            for key in extra:  # filled by compute_rows; the slot keeps the key order
                row[key] = None
            return row

        def check(raw: Any) -> list[dict[str, Any]]:
            if not isinstance(raw, list):
                raise ValueProblem("invalid_type")
            if len(raw) > high:
                raise ValueProblem("too_many_rows", max=high)
            if len(raw) < low:
                raise ValueProblem("too_few_rows", min=low)
            return [check_row(index + 1, row) for index, row in enumerate(raw)]

        return check

    def row_computer(self, config: Mapping[str, Any]) -> RowComputer | None:
        """Compile the row formulas once: checked rows, `now` → rows with formula values.

        None when the config has no row formulas. The function raises `ValueProblem`
        (`invalid_row`) for the first row whose formula fails or does not fit its column.
        """
        columns, formulas = _compile_parts(config)
        if not formulas:
            return None
        by_key = {column.key: column for column in columns}

        def compute(rows: Sequence[Mapping[str, Any]], now: datetime) -> list[dict[str, Any]]:
            out = []
            for index, checked in enumerate(rows):
                row = dict(checked)
                for key, evaluate, cast in formulas:
                    try:
                        result = canonical_result(evaluate(row, now))
                        row[key] = (
                            cast(result) if cast is not None and result not in EMPTY else result
                        )
                    except ExpressionError:
                        raise _bad_cell(by_key, index + 1, key, "formula_failed", {}) from None
                    except ValueProblem as problem:
                        raise _bad_cell(
                            by_key, index + 1, key, problem.code, problem.params
                        ) from None
                out.append(row)
            return out

        return compute

    def compute_rows(
        self, config: Mapping[str, Any], rows: Sequence[Mapping[str, Any]], *, now: datetime
    ) -> list[dict[str, Any]]:
        """Checked rows with their row formulas computed (in the order given) at `now`."""
        compute = self.row_computer(config)
        return [dict(row) for row in rows] if compute is None else compute(rows, now)

    @override
    def problem(self, code: str, field: str, locale: str, **params: object) -> Problem:
        """Spell out `invalid_row`'s cell problem in the column type's own words."""
        if code != "invalid_row":
            return super().problem(code, field, locale, **params)
        kind = field_types.get(str(params.get("column_type")))
        detail_code = str(params.get("detail"))
        detail_params = params.get("detail_params")
        inner = kind.messages if kind and detail_code in kind.messages else self.messages
        if detail_code not in inner:
            inner = COMMON_MESSAGES
        extra = detail_params if isinstance(detail_params, dict) else {}
        detail = message(inner, detail_code, locale, **extra)
        label = params.get("column_label")
        column = text(label, locale) if isinstance(label, dict) and label else params.get("column")
        shown = {**params, "detail": detail, "column": column}
        return Problem(code, message(self.messages, code, locale, **shown), field, params=params)

    @override
    def format(self, value: Any, config: Mapping[str, Any], locale: str) -> str:
        if not value:
            return ""
        return f"{len(value)} 行" if locale == "zh-CN" else f"{len(value)} rows"
