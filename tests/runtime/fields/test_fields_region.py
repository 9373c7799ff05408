"""Region field: GB/T 2260 codes from codes or names."""

from __future__ import annotations

from typing import Any

import pytest

from runtime.fields import ValueProblem, field_types
from runtime.fields.region import regions

TYPE = field_types.load("region")


def check(raw: Any, config: dict[str, Any] | None = None) -> Any:
    return TYPE.compile(config or {})(raw)


def code(raw: Any, config: dict[str, Any] | None = None) -> str:
    with pytest.raises(ValueProblem) as caught:
        check(raw, config)
    assert {"en", "zh-CN"} <= set(TYPE.messages[caught.value.code])
    return caught.value.code


@pytest.mark.parametrize(
    "raw",
    [
        "440305",
        "440305000000",
        "广东省/深圳市/南山区",
        "广东 深圳 南山",
        "广东省深圳市南山区",
        ["广东省", "深圳市", "南山区"],
        " 广东省 / 深圳市 / 南山区 ",
    ],
)
def test_district_from_codes_and_names(raw: Any) -> None:
    assert check(raw) == "440305"


@pytest.mark.parametrize(
    ("raw", "level", "expected"),
    [
        ("北京市东城区", "district", "110101"),
        ("北京/北京市/朝阳区", "district", "110105"),
        ("北京 朝阳", "district", "110105"),
        ("湖北省/仙桃市", "district", "429004"),
        ("广东省东莞市", "district", "441900"),
        ("香港", "district", "810000"),
        ("新疆 乌鲁木齐 天山", "district", "650102"),
        ("440305", "city", "440300"),
        ("广东 深圳 南山", "province", "440000"),
        ("北京 朝阳", "city", "110100"),
        ("内蒙古 呼和浩特", "city", "150100"),
    ],
)
def test_levels_and_special_divisions(raw: str, level: str, expected: str) -> None:
    assert check(raw, {"level": level}) == expected


@pytest.mark.parametrize(
    ("raw", "config", "expected"),
    [
        ("999999", {}, "invalid_region"),
        ("火星/奥林匹斯", {}, "invalid_region"),
        ("广东省/深圳市/不存在区", {}, "invalid_region"),
        ("广东" * 40, {}, "invalid_region"),
        ("广东省/深圳市", {}, "region_incomplete"),
        ("广东省", {"level": "city"}, "region_incomplete"),
        (440305, {}, "invalid_type"),
    ],
)
def test_problems(raw: Any, config: dict[str, Any], expected: str) -> None:
    assert code(raw, config) == expected


def test_incomplete_message_names_the_level() -> None:
    with pytest.raises(ValueProblem) as caught:
        check("广东省/深圳市")
    params = caught.value.params
    assert TYPE.problem("region_incomplete", "area", "zh-CN", **params).message == "请选择到区县。"
    assert TYPE.problem("region_incomplete", "area", "en", **params).message == (
        "Choose down to the district."
    )


def test_shipped_table_is_complete() -> None:
    data = regions()
    assert len(data.children[""]) == 34
    assert data.names["440300"] == "深圳市"
    assert all(len(code) == 6 and code.isdigit() for code in data.names)
    assert len(data.names) > 3000


def test_format_in_both_locales() -> None:
    assert TYPE.format("440305", {}, "zh-CN") == "广东省 深圳市 南山区"
    assert TYPE.format("440305", {}, "en") == "广东省 深圳市 南山区"
    assert TYPE.format("110101", {}, "zh-CN") == "北京市 东城区"
    assert TYPE.format("110100", {"level": "city"}, "zh-CN") == "北京市"
