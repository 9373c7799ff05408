"""Department field: keys that the shell resolves."""

from __future__ import annotations

from typing import Any

import pytest

from runtime.fields import Reference, ValueProblem, field_types

TYPE = field_types.load("department")


def check(raw: Any, config: dict[str, Any] | None = None) -> Any:
    return TYPE.compile(config or {})(raw)


def code(raw: Any, config: dict[str, Any] | None = None) -> str:
    with pytest.raises(ValueProblem) as caught:
        check(raw, config)
    assert {"en", "zh-CN"} <= set(TYPE.messages[caught.value.code])
    return caught.value.code


def test_single_key() -> None:
    assert check(" sales ") == "sales"
    assert check({"key": "sales", "name": "x"}) == "sales"


def test_multiple_keys_keep_order_without_repeats() -> None:
    assert check(["sales.north", "sales", "sales.north"], {"multiple": True}) == [
        "sales.north",
        "sales",
    ]
    assert check("sales", {"multiple": True}) == ["sales"]


@pytest.mark.parametrize(
    ("raw", "config", "expected"),
    [
        ("bad key!", {}, "invalid_key"),
        ("-x", {}, "invalid_key"),
        (["sales"], {}, "invalid_type"),
        (3, {}, "invalid_type"),
        (["sales", "sales.north"], {"multiple": True, "max_items": 1}, "too_many_items"),
    ],
)
def test_problems(raw: Any, config: dict[str, Any], expected: str) -> None:
    assert code(raw, config) == expected


def test_references() -> None:
    assert TYPE.references("sales", {}) == [Reference("department", "sales")]
    assert TYPE.references(["sales", "sales.north"], {"multiple": True}) == [
        Reference("department", "sales"),
        Reference("department", "sales.north"),
    ]
    assert TYPE.references(None, {}) == []


def test_format_in_both_locales() -> None:
    assert (
        TYPE.format(["sales", "sales.north"], {"multiple": True}, "zh-CN") == "sales, sales.north"
    )
    assert TYPE.format("sales", {}, "en") == "sales"
