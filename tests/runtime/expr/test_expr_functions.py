"""Every allow-listed function, through both the interpreter and the compiler."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from runtime.errors import ExpressionError
from runtime.expr import FUNCTIONS, compile, evaluate, parse_formula

NOW = datetime(2024, 5, 6, 9, 30, tzinfo=UTC)  # a Monday
VALUES: dict[str, Any] = {
    "amount": "1234.50",
    "n": 3,
    "f": 0.1,
    "text": "Hello 世界",
    "tags": ["vip", "new"],
    "items": [{"amount": "10.50"}, {"amount": 2}, {"amount": None}, {"other": 1}],
    "nums": [1, "2", 3.5],
    "nested": [[1, 2]],
    "start": "2020-02-29",
    "end": "2024-02-28",
    "moment": "2024-05-06T23:30:00Z",
    "blank": "",
}


def both(text: str, values: dict[str, Any] | None = None) -> Any:
    node = parse_formula(text)
    data = VALUES if values is None else values
    interpreted = evaluate(node, data, now=NOW)
    compiled = compile(node)(data, NOW)
    assert interpreted == compiled
    assert type(interpreted) is type(compiled)
    return interpreted


def code_of(text: str, values: dict[str, Any] | None = None) -> str:
    node = parse_formula(text)
    data = VALUES if values is None else values
    with pytest.raises(ExpressionError) as interpreted:
        evaluate(node, data, now=NOW)
    with pytest.raises(ExpressionError) as compiled:
        compile(node)(data, NOW)
    assert interpreted.value.code == compiled.value.code
    return interpreted.value.code


CASES: list[tuple[str, Any]] = [
    # IF / IFS
    ('IF(TRUE, "a", "b")', "a"),
    ('IF(0, "a", "b")', "b"),
    ('IF({missing}, "a", "b")', "b"),
    ('IF("true", 1, 2)', Decimal(1)),
    ("IF(FALSE, 1)", False),
    ("IF(TRUE, 1, 1/0)", Decimal(1)),  # lazy: the other branch never runs
    ("IF(FALSE, 1/0, 2)", Decimal(2)),
    ("IFS({n}>5, 1, {n}>2, 2, TRUE, 3)", Decimal(2)),
    ("IFS(FALSE, 1)", None),
    ("IFS(TRUE, 1, 1/0, 2)", Decimal(1)),
    # AND / OR / NOT
    ('AND(TRUE, 1, "TRUE")', True),
    ("AND(TRUE, FALSE)", False),
    ("AND(FALSE, 1/0)", False),
    ("AND({missing})", False),
    ("OR(FALSE, 0, {missing})", False),
    ("OR(FALSE, 2)", True),
    ("OR(TRUE, 1/0)", True),
    ("NOT(FALSE)", True),
    ("NOT(1)", False),
    # SUM / AVG / MIN / MAX
    ("SUM(1, 2, 3)", Decimal(6)),
    ("SUM({items.amount})", Decimal("12.50")),
    ("SUM({nums}, 10)", Decimal("16.5")),
    ("SUM({f}, 0.2)", Decimal("0.3")),
    ("SUM({missing})", Decimal(0)),
    ("AVG(1, 2)", Decimal("1.5")),
    ("AVG({items.amount})", Decimal("6.25")),
    ("MIN({nums})", Decimal(1)),
    ("MAX({nums}, -1)", Decimal("3.5")),
    ("MIN({missing})", Decimal(0)),
    ("MAX({amount}, 1000)", Decimal("1234.50")),
    # ROUND / ABS
    ("ROUND(2.5)", Decimal(3)),
    ("ROUND(-2.5)", Decimal(-3)),
    ("ROUND(1.005, 2)", Decimal("1.01")),
    ("ROUND({amount}, -2)", Decimal(1200)),
    ("ROUND(1/3, 4)", Decimal("0.3333")),
    ("ROUND(123, 2)", Decimal("123.00")),
    ("ABS(-{amount})", Decimal("1234.50")),
    ("ABS(3)", Decimal(3)),
    # text
    ('CONCAT("a", 1.50, TRUE, {missing}, {tags})', "a1.50TRUEvipnew"),
    ('CONCAT({start}, " ", DATE(2024, 1, 2))', "2020-02-29 2024-01-02"),
    ("LEFT({text}, 5)", "Hello"),
    ("LEFT({text})", "H"),
    ("LEFT({text}, 100)", "Hello 世界"),
    ("RIGHT({text}, 2)", "世界"),
    ("RIGHT({text}, 0)", ""),
    ("RIGHT({amount})", "0"),
    ("LEN({text})", Decimal(8)),
    ("LEN({missing})", Decimal(0)),
    ("LEN(12.50)", Decimal(5)),
    ('CONTAINS({text}, "世")', True),
    ('CONTAINS({text}, "x")', False),
    ('CONTAINS({tags}, "vip")', True),
    ("CONTAINS({items.amount}, 2)", True),
    ('CONTAINS({missing}, "x")', False),
    # dates
    ("DATE(2024, 2, 29)", date(2024, 2, 29)),
    ("TODAY()", date(2024, 5, 6)),
    ("NOW()", NOW),
    ('DATEDIF({start}, {end}, "Y")', Decimal(3)),
    ('DATEDIF({start}, {end}, "M")', Decimal(47)),
    ('DATEDIF({start}, {end}, "D")', Decimal(1460)),
    ('DATEDIF("2024-01-31", "2024-02-29", "M")', Decimal(0)),
    ('DATEDIF({start}, TODAY(), "Y")', Decimal(4)),
    ('DATEDIF({moment}, "2024-05-08", "D")', Decimal(2)),
    ('DATEDIF({missing}, TODAY(), "D")', None),
    ('DATEADD({start}, 1, "Y")', date(2021, 2, 28)),
    ('DATEADD("2024-01-31", 1, "M")', date(2024, 2, 29)),
    ('DATEADD("2024-01-31", -2, "M")', date(2023, 11, 30)),
    ('DATEADD({start}, 10, "D")', date(2020, 3, 10)),
    ('DATEADD({start}, 3, "h")', datetime(2020, 2, 29, 3, 0, tzinfo=UTC)),
    ('DATEADD({moment}, 45, "m")', datetime(2024, 5, 7, 0, 15, tzinfo=UTC)),
    ('DATEADD(NOW(), -1, "D")', NOW - timedelta(days=1)),
    ('DATEADD({missing}, 1, "D")', None),
    ("WEEKDAY(TODAY())", Decimal(1)),  # Monday
    ('WEEKDAY("2024-05-12")', Decimal(7)),  # Sunday
    ("WEEKDAY({moment})", Decimal(1)),
    ("WEEKDAY({missing})", None),
    # ISBLANK
    ("ISBLANK({missing})", True),
    ("ISBLANK({blank})", True),
    ("ISBLANK({tags})", False),
    ("ISBLANK(0)", False),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[text for text, _ in CASES])
def test_function_results(text: str, expected: Any) -> None:
    assert both(text) == expected


def test_every_function_is_covered() -> None:
    used = {text.split("(")[0].upper() for text, _ in CASES}
    called = {name for name in FUNCTIONS if any(f"{name}(" in text for text, _ in CASES)}
    assert called == set(FUNCTIONS), set(FUNCTIONS) - called
    assert used  # sanity


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("AVG({missing})", "division_by_zero"),
        ('SUM("abc")', "type_error"),
        ("SUM({nested})", "type_error"),
        ("ROUND(1, 0.5)", "type_error"),
        ("ROUND(1, 41)", "invalid_argument"),
        ("LEFT({text}, -1)", "invalid_argument"),
        ("DATE(2023, 2, 29)", "invalid_date"),
        ("DATE(10000, 1, 1)", "invalid_date"),
        ('DATEDIF({end}, {start}, "D")', "invalid_argument"),
        ('DATEDIF({start}, {end}, "W")', "invalid_argument"),
        ('DATEDIF({start}, {end}, "y")', "invalid_argument"),
        ('DATEDIF("soon", {end}, "D")', "type_error"),
        ('DATEADD({start}, 1, "W")', "invalid_argument"),
        ('DATEADD({start}, 1.5, "D")', "type_error"),
        ('DATEADD({start}, 100000, "Y")', "invalid_date"),
        ('DATEADD({start}, 10000000000, "D")', "invalid_date"),
        ('DATEADD({start}, 1e39, "m")', "invalid_date"),
        ('WEEKDAY("2024-13-01")', "type_error"),
        ('IF("maybe", 1, 2)', "type_error"),
        ("NOT({tags})", "type_error"),
    ],
)
def test_function_errors(text: str, code: str) -> None:
    assert code_of(text) == code


def test_today_and_now_read_the_now_argument_in_utc() -> None:
    late = datetime(2024, 5, 6, 23, 30, tzinfo=timezone(timedelta(hours=-2)))  # 01:30Z on the 7th
    node = parse_formula("TODAY()")
    assert evaluate(node, {}, now=late) == date(2024, 5, 7)
    assert compile(parse_formula("NOW()"))({}, late) == datetime(2024, 5, 7, 1, 30, tzinfo=UTC)
