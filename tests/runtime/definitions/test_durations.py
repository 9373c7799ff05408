"""runtime/definitions/durations.py: ISO-8601 durations of flow definitions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from runtime.definitions.durations import (
    DurationError,
    format_duration,
    is_duration,
    parse_duration,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PT15M", timedelta(minutes=15)),
        ("PT4H", timedelta(hours=4)),
        ("PT48H", timedelta(hours=48)),
        ("P1D", timedelta(days=1)),
        ("P0D", timedelta(0)),
        ("P1DT12H", timedelta(days=1, hours=12)),
        ("P1DT2H3M4S", timedelta(days=1, hours=2, minutes=3, seconds=4)),
        ("PT90S", timedelta(seconds=90)),
        ("P2W", timedelta(weeks=2)),
        ("-P1D", timedelta(days=-1)),
        ("-PT30M", timedelta(minutes=-30)),
        ("-P1W", timedelta(weeks=-1)),
        ("PT0.5S", timedelta(milliseconds=500)),
        ("P1DT0.25S", timedelta(days=1, milliseconds=250)),
    ],
)
def test_parses_exact_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected
    assert is_duration(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "P",
        "PT",
        "P1DT",
        "1D",
        "p1d",
        "PT4h",
        "P1D2H",  # hours belong after T
        "PT1H2D",
        "P1W2D",  # weeks stand alone
        "+P1D",
        "--P1D",
        " P1D",
        "P1.5DT1H",  # only seconds take a fraction (as the engine reads them)
        "PT1.5H",
        "PT0,5S",
        "P-1D",
        "P" + "9" * 70 + "D",
        "P99999999999999999999D",
    ],
)
def test_refuses_what_is_not_a_duration(text: str) -> None:
    with pytest.raises(DurationError):
        parse_duration(text)
    assert not is_duration(text)


@pytest.mark.parametrize("text", ["P1Y", "P1M", "P1Y2M3D", "-P1M", "P1MT1H"])
def test_refuses_years_and_months_which_have_no_fixed_length(text: str) -> None:
    with pytest.raises(DurationError, match="years or months"):
        parse_duration(text)


def test_minutes_after_t_are_not_months() -> None:
    assert parse_duration("PT1M") == timedelta(minutes=1)


def test_is_duration_of_non_text() -> None:
    assert not is_duration(5)
    assert not is_duration(None)


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(0), "PT0S"),
        (timedelta(minutes=15), "PT15M"),
        (timedelta(days=1), "P1D"),
        (timedelta(days=1, hours=2, minutes=3, seconds=4), "P1DT2H3M4S"),
        (timedelta(weeks=2), "P14D"),
        (timedelta(days=-1), "-P1D"),
        (timedelta(minutes=-90), "-PT1H30M"),
        (timedelta(milliseconds=1500), "PT1.5S"),
    ],
)
def test_formats_and_reads_back(delta: timedelta, text: str) -> None:
    assert format_duration(delta) == text
    assert parse_duration(text) == delta
