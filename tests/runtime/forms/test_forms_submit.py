"""runtime/forms/submit.py: coercion, read-only keys, required, defaults, formulas, partial."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from forms_examples import NOW, deal

from runtime.errors import Problem
from runtime.forms.compile import CompiledForm, compile_form
from runtime.forms.submit import check_values

ITEMS = [
    {"product": "Widget", "quantity": 2, "unit_price": "10.50"},
    {"product": "Gadget", "quantity": "3", "unit_price": 5},
]


@pytest.fixture
def form() -> CompiledForm:
    return compile_form(deal())


def codes(problems: list[Problem]) -> dict[str | None, str]:
    return {problem.field: problem.code for problem in problems}


def create(form: CompiledForm, raw: dict[str, Any], **kw: Any) -> tuple[dict[str, Any], Any]:
    return check_values(form, raw, existing=None, locale="en", now=NOW, **kw)


def test_valid_create_gives_the_full_canonical_record(form: CompiledForm) -> None:
    data, problems = create(form, {"name": " Acme ", "email": "a@example.com", "amount": "1,000"})
    assert problems == []
    assert set(data) == set(form.fields)
    assert data["name"] == "Acme"
    assert data["amount"] == "1000.00"
    assert data["number"] is None  # the shell assigns serials on insert


def test_unknown_keys_are_reported_and_never_written(form: CompiledForm) -> None:
    data, problems = create(form, {"name": "A", "email": "a@example.com", "ghost": 1})
    assert codes(problems) == {"ghost": "unknown_field"}
    assert "ghost" not in data


@pytest.mark.parametrize("key", ["score", "subtotal", "total", "number"])
def test_read_only_and_computed_keys_are_never_written(form: CompiledForm, key: str) -> None:
    existing = {"name": "A", "email": "a@example.com", "score": 7, "number": "D-0001"}
    data, problems = check_values(
        form, {key: "99"}, existing=existing, locale="en", now=NOW, partial=True
    )
    assert codes(problems) == {key: "read_only"}
    assert data[key] == {"score": 7, "number": "D-0001"}.get(key, data[key])
    assert data[key] != "99"


def test_keys_outside_writable_are_read_only(form: CompiledForm) -> None:
    data, problems = create(
        form, {"name": "A", "email": "a@example.com", "stage": "won"}, writable={"name", "email"}
    )
    assert codes(problems) == {"stage": "read_only"}
    assert data["stage"] == "new"  # the default, not the input


def test_readonly_when_keeps_the_existing_value(form: CompiledForm) -> None:
    existing = {"name": "A", "email": "a@example.com", "stage": "won", "amount": "10.00"}
    data, problems = check_values(
        form, {"amount": "20"}, existing=existing, locale="en", now=NOW, partial=True
    )
    assert codes(problems) == {"amount": "read_only"}
    assert data["amount"] == "10.00"


def test_readonly_when_is_evaluated_on_the_merged_data(form: CompiledForm) -> None:
    existing = {"name": "A", "email": "a@example.com", "stage": "won", "amount": "10.00"}
    data, problems = check_values(
        form, {"stage": "new", "amount": "20"}, existing=existing, locale="en", now=NOW
    )
    assert problems == []
    assert data["amount"] == "20.00"


@pytest.mark.parametrize("empty", [None, "", "   ", "\u3000", [], {}])
def test_empty_inputs_become_null(form: CompiledForm, empty: Any) -> None:
    data, problems = create(form, {"name": "A", "email": "a@example.com", "tags": empty})
    assert problems == []
    assert data["tags"] is None


def test_required_and_conditionally_required(form: CompiledForm) -> None:
    data, problems = create(form, {"name": "  "})
    # phone is required when email is empty
    assert codes(problems) == {"name": "required", "phone": "required"}
    assert data["name"] is None


def test_required_when_visible_only(form: CompiledForm) -> None:
    _, problems = create(form, {"name": "A", "email": "a@example.com", "stage": "lost"})
    assert codes(problems) == {"reason": "required"}
    doc = deal()
    doc["fields"][5]["visible_when"] = {"field": "stage", "op": "eq", "value": "won"}
    hidden = compile_form(doc)
    _, problems = create(hidden, {"name": "A", "email": "a@example.com", "stage": "lost"})
    assert problems == []  # hidden by its condition: never required


def test_defaults_apply_on_create_for_absent_keys(form: CompiledForm) -> None:
    data, _ = create(form, {"name": "A", "email": "a@example.com"})
    assert data["stage"] == "new"
    assert data["discount"] == "1.00"
    assert data["opened_on"] == "2026-11-22"  # {"formula": "TODAY()"} with `now`
    data, _ = create(form, {"name": "A", "email": "a@example.com", "stage": ""})
    assert data["stage"] is None  # given (empty) means no default


def test_defaults_do_not_apply_on_update(form: CompiledForm) -> None:
    existing = {"name": "A", "email": "a@example.com"}
    data, problems = check_values(form, {"name": "B"}, existing=existing, locale="en", now=NOW)
    assert problems == []
    assert data["stage"] is None
    assert data["opened_on"] is None


def test_formulas_are_recomputed_in_dependency_order(form: CompiledForm) -> None:
    data, problems = create(
        form, {"name": "A", "email": "a@example.com", "items": ITEMS, "discount": "0.75"}
    )
    assert problems == []
    assert [row["amount"] for row in data["items"]] == ["21.00", "15.00"]
    assert data["subtotal"] == "36.00"
    assert data["total"] == "27.00"


def test_formulas_follow_existing_values_on_update(form: CompiledForm) -> None:
    existing, _ = create(form, {"name": "A", "email": "a@example.com", "items": ITEMS})
    data, problems = check_values(
        form, {"discount": "0.5"}, existing=existing, locale="en", now=NOW, partial=True
    )
    assert problems == []
    assert data["total"] == "18.00"


def test_formula_errors_are_problems_on_the_formula_field(form: CompiledForm) -> None:
    data, problems = create(
        form, {"name": "A", "email": "a@example.com", "amount": "10", "units": "0"}
    )
    assert codes(problems) == {"per_unit": "formula_error"}
    assert data["per_unit"] is None


def test_partial_checks_required_only_for_given_keys(form: CompiledForm) -> None:
    existing = {"stage": "new"}
    _, problems = check_values(
        form, {"stage": "won"}, existing=existing, locale="en", now=NOW, partial=True
    )
    assert problems == []
    _, problems = check_values(
        form, {"name": ""}, existing=existing, locale="en", now=NOW, partial=True
    )
    assert codes(problems) == {"name": "required"}
    _, problems = check_values(form, {"stage": "won"}, existing=existing, locale="en", now=NOW)
    assert codes(problems) == {"name": "required", "phone": "required"}


def test_every_problem_is_collected_once_per_field(form: CompiledForm) -> None:
    _, problems = create(
        form,
        {
            "ghost": 1,
            "score": 5,
            "email": "not-an-email",
            "stage": "maybe",
            "discount": "2",
            "units": "0",
            "amount": "5",
        },
    )
    assert codes(problems) == {
        "ghost": "unknown_field",
        "score": "read_only",
        "email": "invalid_email",
        "stage": "invalid_option",
        "discount": "too_large",
        "per_unit": "formula_error",
        "name": "required",
        "phone": "required",
    }
    assert len(problems) == len(codes(problems))


def test_messages_come_from_the_field_type_in_the_locale(form: CompiledForm) -> None:
    _, problems = check_values(
        form,
        {"name": "A", "phone": "13800138000", "email": "x"},
        existing=None,
        locale="zh-CN",
        now=NOW,
    )
    (problem,) = problems
    assert problem.field == "email"
    assert problem.message == "请输入有效的邮箱地址。"


def test_existing_keys_the_form_no_longer_has_are_dropped(form: CompiledForm) -> None:
    existing = {"name": "A", "email": "a@example.com", "retired": "x"}
    data, _ = check_values(form, {}, existing=existing, locale="en", now=NOW)
    assert "retired" not in data


def with_schedule(doc: dict[str, Any]) -> dict[str, Any]:
    """`deal()` plus line items whose row formula reads TODAY() and a formula summing them."""
    schedule = {
        "key": "schedule",
        "type": "line_items",
        "config": {
            "columns": [{"key": "due", "type": "date"}, {"key": "days", "type": "number"}],
            "row_formulas": {
                "days": 'DATEDIF(TODAY(), {due}, "D")',
                "ratio": "ROUND(100/{days},2)",
            },
        },
    }
    total = {
        "key": "days_total",
        "type": "formula",
        "config": {"expression": "SUM({schedule.days})"},
    }
    return {**doc, "fields": [*doc["fields"], schedule, total]}


def test_row_formulas_use_the_given_now_and_feed_formula_fields() -> None:
    form = compile_form(with_schedule(deal()))
    raw = {"name": "A", "email": "a@example.com", "schedule": [{"due": "2026-12-01"}]}
    data, problems = create(form, raw)
    assert problems == []
    assert data["schedule"] == [{"due": "2026-12-01", "days": 9, "ratio": "11.11"}]
    assert data["days_total"] == 9
    later = NOW + timedelta(days=4)
    data, _ = check_values(form, raw, existing=None, locale="en", now=later)
    assert [row["days"] for row in data["schedule"]] == [5]
    assert data["days_total"] == 5


def test_stored_rows_are_not_recomputed_when_other_fields_change() -> None:
    form = compile_form(with_schedule(deal()))
    raw = {"name": "A", "email": "a@example.com", "schedule": [{"due": "2026-12-01"}]}
    existing, _ = create(form, raw)
    later = NOW + timedelta(days=4)
    data, problems = check_values(
        form, {"name": "B"}, existing=existing, locale="en", now=later, partial=True
    )
    assert problems == []
    assert data["schedule"] == existing["schedule"]


def test_row_formula_errors_are_problems_on_the_line_items_field() -> None:
    form = compile_form(with_schedule(deal()))
    raw = {"name": "A", "email": "a@example.com", "schedule": [{"due": "2026-11-22"}]}
    data, problems = create(form, raw)  # days = 0, so 100/{days} divides by zero
    assert codes(problems) == {"schedule": "invalid_row"}
    assert problems[0].params["detail"] == "formula_failed"
    assert data["schedule"] is None
    assert data["days_total"] == 0


def test_default_rows_get_their_row_formulas_on_create() -> None:
    doc = with_schedule(deal())
    doc["fields"][-2] = {**doc["fields"][-2], "default": [{"due": "2026-11-25"}]}
    form = compile_form(doc)
    data, problems = create(form, {"name": "A", "email": "a@example.com"})
    assert problems == []
    assert data["schedule"] == [{"due": "2026-11-25", "days": 3, "ratio": "33.33"}]
    assert data["days_total"] == 3
