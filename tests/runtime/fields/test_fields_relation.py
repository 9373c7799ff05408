"""Relation field: record ids of another form."""

from __future__ import annotations

from typing import Any

import pytest

from runtime.fields import Reference, ValueProblem, field_types

TYPE = field_types.load("relation")


def check(raw: Any, config: dict[str, Any] | None = None) -> Any:
    return TYPE.compile(config or {})(raw)


def code(raw: Any, config: dict[str, Any] | None = None) -> str:
    with pytest.raises(ValueProblem) as caught:
        check(raw, config)
    assert {"en", "zh-CN"} <= set(TYPE.messages[caught.value.code])
    return caught.value.code


ONE = {"form": "customer"}
MANY = {"form": "customer", "multiple": True}


@pytest.mark.parametrize(("raw", "expected"), [(12, 12), ("12", 12), ({"id": 7, "title": "x"}, 7)])
def test_single_id(raw: Any, expected: int) -> None:
    assert check(raw, ONE) == expected


def test_many_ids_deduplicated() -> None:
    assert check([3, "1", 3], MANY) == [3, 1]
    assert check(5, MANY) == [5]


@pytest.mark.parametrize(
    ("raw", "config", "expected"),
    [
        (0, ONE, "invalid_record_id"),
        (-4, ONE, "invalid_record_id"),
        ("abc", ONE, "invalid_record_id"),
        (True, ONE, "invalid_record_id"),
        (2**64, ONE, "invalid_record_id"),
        ([1, 2], ONE, "invalid_record_id"),
        (list(range(1, 600)), MANY, "too_many_items"),
    ],
)
def test_problems(raw: Any, config: dict[str, Any], expected: str) -> None:
    assert code(raw, config) == expected


def test_references_name_the_target_form() -> None:
    assert TYPE.references(12, ONE) == [Reference("record", "12", form="customer")]
    assert TYPE.references([1, 2], MANY)[1] == Reference("record", "2", form="customer")


def test_format_in_both_locales() -> None:
    assert TYPE.format(12, ONE, "zh-CN") == "#12"
    assert TYPE.format([1, 2], MANY, "en") == "#1, #2"
