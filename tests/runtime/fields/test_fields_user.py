"""User field: keys that the shell resolves."""

from __future__ import annotations

from typing import Any

import pytest

from runtime.fields import Reference, ValueProblem, field_types

TYPE = field_types.load("user")


def check(raw: Any, config: dict[str, Any] | None = None) -> Any:
    return TYPE.compile(config or {})(raw)


def code(raw: Any, config: dict[str, Any] | None = None) -> str:
    with pytest.raises(ValueProblem) as caught:
        check(raw, config)
    assert {"en", "zh-CN"} <= set(TYPE.messages[caught.value.code])
    return caught.value.code


def test_single_key() -> None:
    assert check(" zhangsan ") == "zhangsan"
    assert check({"key": "zhangsan", "name": "x"}) == "zhangsan"


def test_multiple_keys_keep_order_without_repeats() -> None:
    assert check(["lisi", "zhangsan", "lisi"], {"multiple": True}) == ["lisi", "zhangsan"]
    assert check("zhangsan", {"multiple": True}) == ["zhangsan"]


@pytest.mark.parametrize(
    ("raw", "config", "expected"),
    [
        ("bad key!", {}, "invalid_key"),
        ("-x", {}, "invalid_key"),
        (["zhangsan"], {}, "invalid_type"),
        (3, {}, "invalid_type"),
        (["zhangsan", "lisi"], {"multiple": True, "max_items": 1}, "too_many_items"),
    ],
)
def test_problems(raw: Any, config: dict[str, Any], expected: str) -> None:
    assert code(raw, config) == expected


def test_references() -> None:
    assert TYPE.references("zhangsan", {}) == [Reference("user", "zhangsan")]
    assert TYPE.references(["zhangsan", "lisi"], {"multiple": True}) == [
        Reference("user", "zhangsan"),
        Reference("user", "lisi"),
    ]
    assert TYPE.references(None, {}) == []


def test_format_in_both_locales() -> None:
    assert TYPE.format(["zhangsan", "lisi"], {"multiple": True}, "zh-CN") == "zhangsan, lisi"
    assert TYPE.format("zhangsan", {}, "en") == "zhangsan"
