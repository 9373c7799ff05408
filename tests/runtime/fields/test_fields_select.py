"""Select field: one option value."""

from __future__ import annotations

from typing import Any

import pytest

from runtime.fields import ValueProblem, field_types

TYPE = field_types.load("select")


def check(raw: Any, config: dict[str, Any] | None = None) -> Any:
    return TYPE.compile(config or {})(raw)


def code(raw: Any, config: dict[str, Any] | None = None) -> str:
    with pytest.raises(ValueProblem) as caught:
        check(raw, config)
    assert {"en", "zh-CN"} <= set(TYPE.messages[caught.value.code])
    return caught.value.code


OPTIONS = [
    {"value": "北京", "label": {"zh-CN": "北京", "en": "Beijing"}},
    {"value": "sh", "label": {"zh-CN": "上海", "en": "Shanghai"}},
]
CONFIG = {"options": OPTIONS}


@pytest.mark.parametrize(
    ("raw", "expected"), [("北京", "北京"), ("sh", "sh"), ("Shanghai", "sh"), (" sh ", "sh")]
)
def test_accepts_values_and_labels(raw: str, expected: str) -> None:
    assert check(raw, CONFIG) == expected


def test_other_text_when_allowed() -> None:
    assert check(" 广州 ", {"options": OPTIONS, "allow_other": True}) == "广州"
    assert code("x" * 201, {"options": OPTIONS, "allow_other": True}) == "other_too_long"


@pytest.mark.parametrize(("raw", "expected"), [("广州", "invalid_option"), (1, "invalid_type")])
def test_problems(raw: Any, expected: str) -> None:
    assert code(raw, CONFIG) == expected


def test_value_schema_lists_the_options() -> None:
    assert TYPE.value_schema(CONFIG)["enum"] == ["北京", "sh"]


def test_format_shows_the_label_in_each_locale() -> None:
    assert TYPE.format("sh", CONFIG, "zh-CN") == "上海"
    assert TYPE.format("sh", CONFIG, "en") == "Shanghai"
    assert TYPE.format("广州", CONFIG, "en") == "广州"
