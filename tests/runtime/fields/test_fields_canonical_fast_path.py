"""Checkers' short-cut for already-canonical input agrees with the full parse, value for value."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from runtime.fields import ValueProblem, field_types

RANDOM = random.Random(20261122)


def outcome(check, raw):
    try:
        return ("ok", check(raw))
    except ValueProblem as problem:
        return ("problem", problem.code)


def decimal_texts(places: int, count: int = 400) -> list[str]:
    texts = ["0", "1", "10", "999999999", "0.5", "-0.00", "-3"]
    for _ in range(count):
        whole = str(RANDOM.choice([0, RANDOM.randint(1, 9), RANDOM.randint(10, 10**12)]))
        digits = "".join(RANDOM.choice("0123456789") for _ in range(places))
        texts.append(f"{whole}.{digits}" if places else whole)
    return texts


@pytest.mark.parametrize(
    ("type_key", "config"),
    [
        ("money", {}),
        ("money", {"decimals": 0, "min": 10, "max": 10**9}),
        ("number", {"decimals": 2, "min": -5, "max": 5000}),
        ("number", {"decimals": 3}),
        ("number", {"min": 1, "max": 100_000}),
    ],
)
def test_decimal_short_cut_matches_full_parse(type_key, config):
    check = field_types.load(type_key).compile(config)
    places = config.get("decimals", 2 if type_key == "money" else 0)
    for text in decimal_texts(places):
        # a leading space is not canonical, so the second call takes the full path
        assert outcome(check, text) == outcome(check, f" {text}"), text
    if places == 0 and type_key == "number":
        for value in [0, -7, 42, 10**12, RANDOM.randint(-(10**6), 10**6)]:
            assert outcome(check, value) == outcome(check, f" {value}"), value


def test_date_short_cut_matches_full_parse():
    check = field_types.load("date").compile({"min": "2000-01-01", "max": "2030-12-31"})
    start = date(1990, 1, 1)
    for _ in range(400):
        day = start + timedelta(days=RANDOM.randint(0, 20000))
        assert outcome(check, day.isoformat()) == outcome(check, day.strftime("%Y/%m/%d"))
    for text in ("2026-02-30", "2026-13-01", "0000-01-01", "2026-01-1x"):
        assert outcome(check, text)[0] == "problem", text
