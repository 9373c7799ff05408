"""Checkbox and multiselect fields: a list of option values (the same rules, two widgets)."""

from __future__ import annotations

from typing import Any

import pytest

from runtime.fields import FieldType, ValueProblem, field_types

OPTIONS = [
    {"value": "a", "label": {"zh-CN": "甲", "en": "Alpha"}},
    {"value": "b", "label": {"zh-CN": "乙", "en": "Beta"}},
    {"value": "c", "label": {"zh-CN": "丙", "en": "Gamma"}},
]
CONFIG: dict[str, Any] = {"options": OPTIONS}


@pytest.fixture(params=["checkbox", "multiselect"])
def kind(request: pytest.FixtureRequest) -> FieldType:
    return field_types.load(request.param)


def check(kind: FieldType, raw: Any, config: dict[str, Any] | None = None) -> Any:
    return kind.compile(config or {})(raw)


def code(kind: FieldType, raw: Any, config: dict[str, Any] | None = None) -> str:
    with pytest.raises(ValueProblem) as caught:
        check(kind, raw, config)
    assert {"en", "zh-CN"} <= set(kind.messages[caught.value.code])
    return caught.value.code


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (["c", "a"], ["a", "c"]),
        (["a", "a", "Alpha"], ["a"]),
        ("b", ["b"]),
        ("c, 甲", ["a", "c"]),
        ("乙、丙", ["b", "c"]),
    ],
)
def test_orders_and_deduplicates(kind: FieldType, raw: Any, expected: list[str]) -> None:
    assert check(kind, raw, CONFIG) == expected


@pytest.mark.parametrize(
    ("raw", "config", "expected"),
    [
        (["a", "z"], CONFIG, "invalid_option"),
        ([1], CONFIG, "invalid_type"),
        (7, CONFIG, "invalid_type"),
        (["a"], {**CONFIG, "min_items": 2}, "too_few_items"),
        (["a", "b"], {**CONFIG, "max_items": 1}, "too_many_items"),
        (["a"] * 7, CONFIG, "too_many_items"),
    ],
)
def test_problems(kind: FieldType, raw: Any, config: dict[str, Any], expected: str) -> None:
    assert code(kind, raw, config) == expected


def test_format_joins_labels_per_locale(kind: FieldType) -> None:
    assert kind.format(["a", "c"], CONFIG, "zh-CN") == "甲、丙"
    assert kind.format(["a", "c"], CONFIG, "en") == "Alpha, Gamma"
    assert kind.problem("too_few_items", "x", "zh-CN", min=2).message == "至少选择 2 项。"
