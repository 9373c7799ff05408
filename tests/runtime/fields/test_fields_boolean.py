"""Boolean field: switches and yes/no words."""

from __future__ import annotations

from typing import Any

import pytest

from runtime.fields import ValueProblem, field_types

TYPE = field_types.load("boolean")


def check(raw: Any, config: dict[str, Any] | None = None) -> Any:
    return TYPE.compile(config or {})(raw)


def code(raw: Any, config: dict[str, Any] | None = None) -> str:
    with pytest.raises(ValueProblem) as caught:
        check(raw, config)
    assert {"en", "zh-CN"} <= set(TYPE.messages[caught.value.code])
    return caught.value.code


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (True, True),
        (False, False),
        ("true", True),
        ("FALSE", False),
        ("on", True),
        ("off", False),
        ("1", True),
        ("0", False),
        (1, True),
        (0, False),
        ("是", True),
        ("否", False),
        (" Yes ", True),
    ],
)
def test_accepted_inputs(raw: Any, expected: bool) -> None:
    assert check(raw) is expected


@pytest.mark.parametrize("raw", ["maybe", 2, 0.5, [True], "x" * 20])
def test_rejects_everything_else(raw: Any) -> None:
    assert code(raw) == "invalid_boolean"


def test_format_in_both_locales_and_custom_labels() -> None:
    assert TYPE.format(True, {}, "zh-CN") == "是"
    assert TYPE.format(False, {}, "en") == "No"
    config = {"true_label": {"zh-CN": "已签约", "en": "Signed"}}
    assert TYPE.format(True, config, "en") == "Signed"
    assert TYPE.format(False, config, "zh-CN") == "否"
