"""Line items field: rows of typed cells and row formulas."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from runtime.errors import InvalidDefinition
from runtime.fields import ValueProblem, field_types
from runtime.fields.line_items import LineItems

TYPE = field_types.load("line_items")
assert isinstance(TYPE, LineItems)
NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
CONFIG: dict[str, Any] = {
    "columns": [
        {"key": "product", "type": "text", "label": {"zh-CN": "产品", "en": "Product"}},
        {"key": "quantity", "type": "number", "required": True, "config": {"min": 1}},
        {"key": "unit_price", "type": "money", "required": True},
        {"key": "amount", "type": "money"},
    ],
    "row_formulas": {"amount": "{quantity}*{unit_price}"},
    "max_rows": 3,
}


def check(raw: Any, config: dict[str, Any] | None = None) -> Any:
    """Check the cells, then compute the row formulas (as `check_values` does)."""
    rows = TYPE.compile(config or CONFIG)(raw)
    return TYPE.compute_rows(config or CONFIG, rows, now=NOW)


def problem(raw: Any, config: dict[str, Any] | None = None) -> ValueProblem:
    with pytest.raises(ValueProblem) as caught:
        check(raw, config)
    assert {"en", "zh-CN"} <= set(TYPE.messages[caught.value.code])
    return caught.value


def test_coerces_cells_and_computes_row_formulas() -> None:
    rows = check([{"product": " 螺丝 ", "quantity": "1,000", "unit_price": "¥0.5"}])
    assert rows == [{"product": "螺丝", "quantity": 1000, "unit_price": "0.50", "amount": "500.00"}]


def test_the_checker_leaves_row_formulas_to_compute_rows() -> None:
    config = {
        "columns": [{"key": "a", "type": "number"}],
        "row_formulas": {"double": "{a}*2", "a_again": "{a}"},
    }
    rows = TYPE.compile(config)([{"a": "2"}])
    assert rows == [{"a": 2, "double": None, "a_again": None}]
    computed = TYPE.compute_rows(config, rows, now=NOW)
    assert computed == [{"a": 2, "double": "4", "a_again": 2}]
    assert rows == [{"a": 2, "double": None, "a_again": None}]  # the input is not changed


def test_row_formulas_read_the_given_now() -> None:
    config = {
        "columns": [{"key": "due", "type": "date"}],
        "row_formulas": {"days": 'DATEDIF(TODAY(), {due}, "D")'},
    }
    rows = TYPE.compile(config)([{"due": "2026-12-01"}])
    assert TYPE.compute_rows(config, rows, now=NOW) == [{"due": "2026-12-01", "days": "9"}]


def test_formula_columns_ignore_client_input_and_empty_cells_are_null() -> None:
    rows = check([{"quantity": 2, "unit_price": "3", "amount": "999"}])
    assert rows == [{"product": None, "quantity": 2, "unit_price": "3.00", "amount": "6.00"}]


def test_formula_keys_that_are_not_columns_are_kept_as_json() -> None:
    config = {
        "columns": [{"key": "a", "type": "number", "config": {"decimals": 2}}],
        "row_formulas": {"double": "{a}*2"},
    }
    assert check([{"a": "1.25"}], config) == [{"a": "1.25", "double": "2.5"}]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            [{"quantity": 0, "unit_price": "1"}],
            {"row": 1, "column": "quantity", "detail": "too_small"},
        ),
        ([{"quantity": 1}], {"row": 1, "column": "unit_price", "detail": "required"}),
        (
            [{"quantity": 1, "unit_price": 1}, {"quantity": 1, "unit_price": "x"}],
            {"row": 2, "column": "unit_price", "detail": "invalid_number"},
        ),
        (
            [{"quantity": 1, "unit_price": 1, "colour": "red"}],
            {"row": 1, "detail": "unknown_field"},
        ),
        (["row"], {"row": 1, "detail": "invalid_type"}),
    ],
)
def test_first_bad_cell_is_reported(raw: Any, expected: dict[str, Any]) -> None:
    found = problem(raw)
    assert found.code == "invalid_row"
    assert expected.items() <= found.params.items()


def test_failing_row_formula_is_reported_on_its_column() -> None:
    config = {
        "columns": [{"key": "a", "type": "number"}, {"key": "b", "type": "number"}],
        "row_formulas": {"ratio": "{a}/{b}"},
    }
    found = problem([{"a": 1, "b": 0}], config)
    assert (found.params["column"], found.params["detail"]) == ("ratio", "formula_failed")


def test_row_counts() -> None:
    row = {"quantity": 1, "unit_price": 1}
    assert problem([row] * 4).code == "too_many_rows"
    assert problem([row], {**CONFIG, "min_rows": 2}).code == "too_few_rows"
    assert problem({"quantity": 1}).code == "invalid_type"


def test_problem_message_uses_the_column_label_and_its_type_words() -> None:
    found = problem([{"product": "x" * 300, "quantity": 1, "unit_price": 1}])
    zh = TYPE.problem(found.code, "items", "zh-CN", **found.params).message
    en = TYPE.problem(found.code, "items", "en", **found.params).message
    assert zh == "第 1 行「产品」：最多 200 个字符。"
    assert en == "Row 1, Product: At most 200 characters."


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"columns": [{"key": "f", "type": "attachment"}]}, "column_type_not_allowed"),
        ({"columns": [{"key": "f", "type": "line_items"}]}, "column_type_not_allowed"),
        ({"columns": [{"key": "f", "type": "nope"}]}, "unknown_field_type"),
        (
            {"columns": [{"key": "a", "type": "number"}], "row_formulas": {"b": "{zz}*2"}},
            "unknown_field_ref",
        ),
    ],
)
def test_bad_configs_fail_at_compile_time(config: dict[str, Any], expected: str) -> None:
    with pytest.raises(InvalidDefinition) as caught:
        TYPE.compile(config)
    assert caught.value.code == expected


def test_value_schema_allows_null_cells() -> None:
    schema = TYPE.value_schema(CONFIG)
    assert schema["items"]["properties"]["quantity"]["anyOf"][1] == {"type": "null"}


def test_format_in_both_locales() -> None:
    assert TYPE.format([{}, {}], CONFIG, "zh-CN") == "2 行"
    assert TYPE.format([{}, {}], CONFIG, "en") == "2 rows"
