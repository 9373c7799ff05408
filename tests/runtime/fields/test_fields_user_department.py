"""User and department fields: keys that the shell resolves (the same rules, two kinds)."""

from __future__ import annotations

from typing import Any

import pytest

from runtime.fields import Reference, ValueProblem, field_types

# type key, then two valid keys `a` and `b` of that kind
KINDS = [
    pytest.param("user", "zhangsan", "lisi", id="user"),
    pytest.param("department", "sales", "sales.north", id="department"),
]
kinds = pytest.mark.parametrize(("key", "a", "b"), KINDS)


def check(key: str, raw: Any, config: dict[str, Any] | None = None) -> Any:
    return field_types.load(key).compile(config or {})(raw)


def code(key: str, raw: Any, config: dict[str, Any] | None = None) -> str:
    with pytest.raises(ValueProblem) as caught:
        check(key, raw, config)
    assert {"en", "zh-CN"} <= set(field_types.load(key).messages[caught.value.code])
    return caught.value.code


@kinds
def test_single_key(key: str, a: str, b: str) -> None:
    assert check(key, f" {a} ") == a
    assert check(key, {"key": a, "name": "x"}) == a


@kinds
def test_multiple_keys_keep_order_without_repeats(key: str, a: str, b: str) -> None:
    assert check(key, [b, a, b], {"multiple": True}) == [b, a]
    assert check(key, a, {"multiple": True}) == [a]


@kinds
@pytest.mark.parametrize(
    ("raw", "config", "expected"),
    [
        ("bad key!", {}, "invalid_key"),
        ("-x", {}, "invalid_key"),
        (["A"], {}, "invalid_type"),
        (3, {}, "invalid_type"),
        (["A", "B"], {"multiple": True, "max_items": 1}, "too_many_items"),
    ],
)
def test_problems(
    key: str, a: str, b: str, raw: Any, config: dict[str, Any], expected: str
) -> None:
    if isinstance(raw, list):  # "A" and "B" stand for the kind's sample keys
        raw = [{"A": a, "B": b}[item] for item in raw]
    assert code(key, raw, config) == expected


@kinds
def test_references(key: str, a: str, b: str) -> None:
    kind = field_types.load(key)
    assert kind.references(a, {}) == [Reference(key, a)]
    assert kind.references([a, b], {"multiple": True}) == [Reference(key, a), Reference(key, b)]
    assert kind.references(None, {}) == []


@kinds
def test_format_in_both_locales(key: str, a: str, b: str) -> None:
    kind = field_types.load(key)
    assert kind.format([a, b], {"multiple": True}, "zh-CN") == f"{a}, {b}"
    assert kind.format(a, {}, "en") == a
