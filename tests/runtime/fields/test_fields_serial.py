"""Serial field: scopes and rendered numbers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from runtime.fields import ValueProblem, field_types
from runtime.fields.serial import Serial

TYPE = field_types.load("serial")
assert isinstance(TYPE, Serial)
SERIAL: Serial = TYPE
CONFIG = {"pattern": "QT-{yyyyMMdd}-{0000}"}
NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)


def test_scope_is_the_pattern_without_its_counter() -> None:
    assert SERIAL.scope(CONFIG, NOW) == "QT-20261122-"


def test_render_pads_the_counter_and_overflows_wider() -> None:
    assert SERIAL.render(CONFIG, NOW, 7) == "QT-20261122-0007"
    assert SERIAL.render(CONFIG, NOW, 12345) == "QT-20261122-12345"


def test_dates_are_local_to_the_field_timezone() -> None:
    late = datetime(2026, 11, 22, 17, 0, tzinfo=UTC)  # already the 23rd in Shanghai
    assert SERIAL.scope(CONFIG, late) == "QT-20261123-"
    assert SERIAL.scope({**CONFIG, "timezone": "UTC"}, late) == "QT-20261122-"


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("{yyyy}{MM}{dd}-{000}", "20261122-003"),
        ("HT{yy}{MM}-{00}", "HT2611-03"),
        ("{yyyyMM}/{0}", "202611/3"),
        ("NO.{000000}", "NO.000003"),
    ],
)
def test_tokens(pattern: str, expected: str) -> None:
    assert SERIAL.render({"pattern": pattern}, NOW, 3) == expected


@pytest.mark.parametrize("pattern", ["QT-{yyyyMMdd}", "{0000}-{0000}", "QT-{HH}-{000}", "{00"])
def test_config_schema_needs_exactly_one_counter_and_known_tokens(pattern: str) -> None:
    errors = list(Draft202012Validator(SERIAL.config_schema).iter_errors({"pattern": pattern}))
    assert errors


def test_is_computed_and_read_only() -> None:
    assert SERIAL.is_computed
    with pytest.raises(ValueProblem) as caught:
        SERIAL.compile(CONFIG)("QT-1")
    assert caught.value.code == "read_only"
    assert {"en", "zh-CN"} <= set(SERIAL.messages["read_only"])


def test_format_in_both_locales() -> None:
    value: Any = "QT-20261122-0007"
    assert SERIAL.format(value, CONFIG, "zh-CN") == value
    assert SERIAL.format(value, CONFIG, "en") == value
