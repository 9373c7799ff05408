"""Radio and select fields: one option value (the same rules, two widgets)."""

from __future__ import annotations

from typing import Any

import pytest

from runtime.fields import FieldType, ValueProblem, field_types

OPTIONS = [
    {"value": "北京", "label": {"zh-CN": "北京", "en": "Beijing"}},
    {"value": "sh", "label": {"zh-CN": "上海", "en": "Shanghai"}},
]
CONFIG = {"options": OPTIONS}


@pytest.fixture(params=["radio", "select"])
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
    ("raw", "expected"), [("北京", "北京"), ("sh", "sh"), ("Shanghai", "sh"), (" sh ", "sh")]
)
def test_accepts_values_and_labels(kind: FieldType, raw: str, expected: str) -> None:
    assert check(kind, raw, CONFIG) == expected


def test_other_text_when_allowed(kind: FieldType) -> None:
    assert check(kind, " 广州 ", {"options": OPTIONS, "allow_other": True}) == "广州"
    assert code(kind, "x" * 201, {"options": OPTIONS, "allow_other": True}) == "other_too_long"


@pytest.mark.parametrize(("raw", "expected"), [("广州", "invalid_option"), (1, "invalid_type")])
def test_problems(kind: FieldType, raw: Any, expected: str) -> None:
    assert code(kind, raw, CONFIG) == expected


def test_value_schema_lists_the_options(kind: FieldType) -> None:
    assert kind.value_schema(CONFIG)["enum"] == ["北京", "sh"]


def test_format_shows_the_label_in_each_locale(kind: FieldType) -> None:
    assert kind.format("sh", CONFIG, "zh-CN") == "上海"
    assert kind.format("sh", CONFIG, "en") == "Shanghai"
    assert kind.format("广州", CONFIG, "en") == "广州"
