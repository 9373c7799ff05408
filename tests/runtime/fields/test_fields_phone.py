"""Phone field: E.164 through phonenumbers."""

from __future__ import annotations

from typing import Any

import pytest

from runtime.fields import ValueProblem, field_types

TYPE = field_types.load("phone")


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
        "13800138000",
        "138 0013 8000",
        "+86 138-0013-8000",
        "008613800138000",
        "１３８００１３８０００",
        "(+86) 138 0013 8000",
        13800138000,
    ],
)
def test_mobile_spellings(raw: Any) -> None:
    assert check(raw) == "+8613800138000"


def test_landline_and_foreign_numbers() -> None:
    assert check("010-6552 9988") == "+861065529988"
    assert check("+1 650-253-0000") == "+16502530000"
    assert check("650-253-0000", {"region": "US"}) == "+16502530000"


@pytest.mark.parametrize(
    ("raw", "config", "expected"),
    [
        ("12345", {}, "invalid_phone"),
        ("phone", {}, "invalid_phone"),
        ("1" * 50, {}, "invalid_phone"),
        ("010-6552 9988", {"mobile_only": True}, "not_mobile"),
        (["138"], {}, "invalid_type"),
    ],
)
def test_problems(raw: Any, config: dict[str, Any], expected: str) -> None:
    assert code(raw, config) == expected


def test_format_is_national_at_home_and_international_abroad() -> None:
    assert TYPE.format("+8613800138000", {}, "zh-CN") == "138 0013 8000"
    assert TYPE.format("+8613800138000", {}, "en") == "138 0013 8000"
    assert TYPE.format("+16502530000", {}, "en") == "+1 650-253-0000"


def test_the_quick_mobile_format_reads_as_phonenumbers_would() -> None:
    # given Chinese mobile numbers across every 3-digit block and a spread of 7-digit prefixes
    import phonenumbers

    phone = field_types.load("phone")
    samples = [
        f"+86{block}{middle:04d}{tail:04d}"
        for block in range(130, 200)
        for middle, tail in ((0, 0), (13, 8000), (5678, 1234), (9999, 9999))
    ]
    checked = 0
    for value in samples:
        # when formatted at home (the quick path for valid mobiles, the library otherwise)
        shown = phone.format(value, {"region": "CN"}, "zh-CN")
        # then the text is the library's own national format
        expected = phonenumbers.format_number(
            phonenumbers.parse(value, None), phonenumbers.PhoneNumberFormat.NATIONAL
        )
        assert shown == expected, value
        checked += 1
    assert checked == 280
    # abroad, a Chinese mobile still reads internationally
    assert phone.format("+8613800138000", {"region": "US"}, "en") == "+86 138 0013 8000"
