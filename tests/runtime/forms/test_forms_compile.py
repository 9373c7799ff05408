"""runtime/forms/compile.py: contract, checkers, conditions, defaults, computed order, cache."""

from __future__ import annotations

from typing import Any

import pytest
from forms_examples import NOW, deal, text
from jsonschema import Draft202012Validator

from runtime.errors import InvalidDefinition
from runtime.forms.compile import clear_cache, compile_form, definition_digest


def test_contract_accepts_a_stored_record_with_nulls() -> None:
    form = compile_form(deal())
    record = dict.fromkeys(form.fields)
    record.update({"name": "A", "stage": "won", "amount": "12.50", "tags": ["a"]})
    Draft202012Validator.check_schema(form.contract)
    assert list(Draft202012Validator(form.contract).iter_errors(record)) == []


@pytest.mark.parametrize(
    ("key", "value"),
    [("stage", "maybe"), ("amount", 12.5), ("tags", ["c"]), ("ghost", 1)],
)
def test_contract_rejects_what_a_record_cannot_hold(key: str, value: Any) -> None:
    contract = compile_form(deal()).contract
    assert not Draft202012Validator(contract).is_valid({key: value})


def test_computed_fields_in_dependency_order() -> None:
    # `total` is defined before `subtotal` but reads it
    order = [item.key for item in compile_form(deal()).computed_order]
    assert order.index("subtotal") < order.index("total")
    assert "number" not in order  # serials are assigned by the shell


def test_checkers_defaults_and_conditions_are_precompiled() -> None:
    form = compile_form(deal())
    amount = form.fields["amount"]
    assert amount.check is not None
    assert amount.check("1,234.5") == "1234.50"
    assert form.fields["stage"].default == "new"
    assert form.fields["discount"].default == "1.00"
    opened_on = form.fields["opened_on"].default_formula
    assert opened_on is not None
    assert str(opened_on({}, NOW)) == "2026-11-22"
    reason = form.fields["reason"]
    assert reason.visible_when is not None
    assert reason.visible_when({"stage": "lost"}, NOW)
    assert not reason.visible_when({"stage": "new"}, NOW)
    assert form.fields["subtotal"].is_locked
    assert form.fields["score"].is_locked
    assert [item.key for item in form.readonly_checks] == ["amount"]
    assert {item.key for item in form.required_checks} == {"name", "phone", "reason"}


def test_compiled_forms_are_cached_by_content() -> None:
    clear_cache()
    first = compile_form(deal())
    assert compile_form(deal()) is first
    changed = deal()
    changed["title"] = text("交易2", "Deal 2")
    assert compile_form(changed) is not first
    assert definition_digest(deal()) == first.digest


def test_unknown_type_raises_with_pointer() -> None:
    doc = deal()
    doc["fields"][1]["type"] = "hologram"
    with pytest.raises(InvalidDefinition) as raised:
        compile_form(doc)
    assert raised.value.problems[0].pointer == "/fields/1/type"


def test_invalid_default_raises() -> None:
    doc = deal()
    doc["fields"][4]["default"] = "maybe"
    with pytest.raises(InvalidDefinition) as raised:
        compile_form(doc)
    assert raised.value.code == "invalid_default"
    assert raised.value.problems[0].pointer == "/fields/4/default"


def test_formula_cycle_raises() -> None:
    doc = deal()
    doc["fields"][10]["config"]["expression"] = "{total}+1"
    with pytest.raises(InvalidDefinition) as raised:
        compile_form(doc)
    assert raised.value.code == "formula_cycle"
    assert raised.value.problems[0].pointer == "/fields/8/config/expression"
