"""builder/validate/forms.py: one test per problem code, each with its pointer."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from builder.validate.forms import MESSAGES, validate_form
from runtime.errors import Problem


def text(zh: str, en: str) -> dict[str, str]:
    return {"zh-CN": zh, "en": en}


BASE: dict[str, Any] = {
    "format": 1,
    "key": "deal",
    "title": text("交易", "Deal"),
    "title_field": "name",
    "fields": [
        {"key": "name", "type": "text", "label": text("名称", "Name"), "required": True},
        {
            "key": "stage",
            "type": "select",
            "label": text("阶段", "Stage"),
            "default": "new",
            "config": {"options": [{"value": "new"}, {"value": "won"}, {"value": "lost"}]},
        },
        {
            "key": "reason",
            "type": "text",
            "label": text("原因", "Reason"),
            "visible_when": {"field": "stage", "op": "eq", "value": "lost"},
        },
        {"key": "amount", "type": "money", "label": text("金额", "Amount")},
        {
            "key": "items",
            "type": "line_items",
            "label": text("明细", "Items"),
            "config": {
                "columns": [
                    {"key": "quantity", "type": "number"},
                    {"key": "unit_price", "type": "money"},
                    {"key": "amount", "type": "money"},
                ],
                "row_formulas": {"amount": "{quantity}*{unit_price}"},
            },
        },
        {
            "key": "subtotal",
            "type": "formula",
            "label": text("小计", "Subtotal"),
            "config": {"expression": "SUM({items.amount})", "result": "money"},
        },
        {
            "key": "account",
            "type": "relation",
            "label": text("客户", "Account"),
            "config": {"form": "account"},
        },
        {"key": "utm_source", "type": "text", "label": text("来源", "Source"), "hidden": True},
    ],
    "layout": [
        {
            "type": "section",
            "title": text("基本", "Basics"),
            "items": ["name", "stage", "reason", "amount"],
        },
        {
            "type": "tabs",
            "tabs": [
                {"title": text("明细", "Items"), "items": ["items", "subtotal"]},
                {
                    "title": text("关联", "Links"),
                    "items": [{"type": "section", "items": ["account"]}],
                },
            ],
        },
    ],
    "public": {
        "enabled": True,
        "dedupe": {"keys": ["name"], "policy": "skip"},
        "capture": {"utm_source": "utm_source"},
    },
}


@pytest.fixture
def doc() -> dict[str, Any]:
    return copy.deepcopy(BASE)


def found(problems: list[Problem]) -> set[tuple[str, str | None]]:
    return {(problem.code, problem.pointer) for problem in problems}


def test_base_definition_is_valid(doc: dict[str, Any]) -> None:
    assert validate_form(doc, known_forms={"account", "deal"}) == []


def test_reports_every_schema_violation_with_its_pointer(doc: dict[str, Any]) -> None:
    doc["format"] = 2
    doc["fields"][0]["label"] = "Name"
    doc["fields"][1]["colour"] = "red"
    problems = validate_form(doc)
    assert {
        ("schema_violation", "/format"),
        ("schema_violation", "/fields/0/label"),
        ("schema_violation", "/fields/1"),
    } <= found(problems)
    assert all(problem.message for problem in problems)


def test_duplicate_field_key(doc: dict[str, Any]) -> None:
    doc["fields"].append({"key": "name", "type": "text", "label": text("名", "N")})
    assert ("duplicate_field_key", "/fields/8/key") in found(validate_form(doc))


def test_unknown_field_type(doc: dict[str, Any]) -> None:
    doc["fields"][3]["type"] = "hologram"
    problems = validate_form(doc)
    assert ("unknown_field_type", "/fields/3/type") in found(problems)
    assert [p.code for p in problems if p.pointer == "/fields/3/type"] == ["unknown_field_type"]


def test_invalid_field_config_from_the_type_schema(doc: dict[str, Any]) -> None:
    doc["fields"][1]["config"]["options"][0] = {"value": ""}
    assert ("invalid_field_config", "/fields/1/config/options/0/value") in found(validate_form(doc))


def test_invalid_field_config_when_a_required_config_is_missing(doc: dict[str, Any]) -> None:
    del doc["fields"][1]["config"]
    del doc["fields"][1]["default"]
    assert ("invalid_field_config", "/fields/1/config") in found(validate_form(doc))


def test_invalid_field_config_from_compile(doc: dict[str, Any]) -> None:
    doc["fields"][4]["config"]["columns"][0]["type"] = "formula"
    problems = validate_form(doc)
    assert ("invalid_field_config", "/fields/4/config/columns/0/type") in found(problems)


def test_unknown_field_in_layout(doc: dict[str, Any]) -> None:
    doc["layout"][1]["tabs"][1]["items"][0]["items"].append("ghost")
    assert ("unknown_field_in_layout", "/layout/1/tabs/1/items/0/items/1") in found(
        validate_form(doc)
    )


def test_field_missing_from_layout(doc: dict[str, Any]) -> None:
    doc["layout"][0]["items"].remove("amount")
    problems = validate_form(doc)
    assert ("field_missing_from_layout", "/fields/3") in found(problems)
    # hidden fields need not be placed
    assert all(p.params.get("key") != "utm_source" for p in problems)


def test_no_layout_means_every_field_in_order(doc: dict[str, Any]) -> None:
    del doc["layout"]
    assert validate_form(doc) == []


def test_field_in_layout_twice(doc: dict[str, Any]) -> None:
    doc["layout"][1]["tabs"][0]["items"].append("name")
    assert ("field_in_layout_twice", "/layout/1/tabs/0/items/2") in found(validate_form(doc))


def test_condition_unknown_field(doc: dict[str, Any]) -> None:
    doc["fields"][2]["required_when"] = {
        "all": [
            {"field": "stage", "op": "eq", "value": "lost"},
            {"field": "amount", "op": "gt", "value": {"field": "budget"}},
        ]
    }
    assert ("condition_unknown_field", "/fields/2/required_when/all/1/value/field") in found(
        validate_form(doc)
    )


def test_condition_unknown_field_in_a_formula_leaf(doc: dict[str, Any]) -> None:
    doc["fields"][2]["readonly_when"] = {"formula": "{discount} < 0.8"}
    assert ("condition_unknown_field", "/fields/2/readonly_when/formula") in found(
        validate_form(doc)
    )


def test_formula_unknown_field_and_unknown_column(doc: dict[str, Any]) -> None:
    doc["fields"][5]["config"]["expression"] = "SUM({items.price})+{tax}"
    problems = [p for p in validate_form(doc) if p.code == "condition_unknown_field"]
    assert {p.pointer for p in problems} == {"/fields/5/config/expression"}
    assert {p.params["key"] for p in problems} == {"items.price", "tax"}


def test_invalid_condition(doc: dict[str, Any]) -> None:
    doc["fields"][2]["visible_when"] = {"field": "stage", "op": "resembles", "value": "x"}
    problems = validate_form(doc)
    assert any(
        code == "invalid_condition" and (pointer or "").startswith("/fields/2/visible_when")
        for code, pointer in found(problems)
    )


def test_invalid_formula(doc: dict[str, Any]) -> None:
    doc["fields"][5]["config"]["expression"] = "SUM({items.amount}"
    problems = validate_form(doc)
    assert ("invalid_formula", "/fields/5/config/expression") in found(problems)
    assert "invalid_field_config" not in {p.code for p in problems}


def test_invalid_formula_in_a_default(doc: dict[str, Any]) -> None:
    doc["fields"][0]["default"] = {"formula": "NO_SUCH_FUNCTION()"}
    assert ("invalid_formula", "/fields/0/default/formula") in found(validate_form(doc))


def test_formula_cycle(doc: dict[str, Any]) -> None:
    doc["fields"].append(
        {
            "key": "total",
            "type": "formula",
            "label": text("合计", "Total"),
            "config": {"expression": "{subtotal}+1"},
        }
    )
    doc["fields"][5]["config"]["expression"] = "{total}*2"
    doc["layout"][0]["items"].append("total")
    problems = [p for p in validate_form(doc) if p.code == "formula_cycle"]
    assert found(problems) == {("formula_cycle", "/fields/5/config/expression")}
    assert problems[0].params["cycle"] == "subtotal → total"


def test_formula_reading_itself_is_a_cycle(doc: dict[str, Any]) -> None:
    doc["fields"][5]["config"]["expression"] = "{subtotal}+1"
    assert ("formula_cycle", "/fields/5/config/expression") in found(validate_form(doc))


def test_unknown_dedupe_field(doc: dict[str, Any]) -> None:
    doc["public"]["dedupe"]["keys"] = ["name", "mobile"]
    assert ("unknown_dedupe_field", "/public/dedupe/keys/1") in found(validate_form(doc))


def test_unknown_capture_field(doc: dict[str, Any]) -> None:
    doc["public"]["capture"]["utm/medium"] = "utm_medium"
    assert ("unknown_capture_field", "/public/capture/utm~1medium") in found(validate_form(doc))


def test_unknown_public_field(doc: dict[str, Any]) -> None:
    doc["public"]["fields"] = ["name", "nickname"]
    assert ("unknown_public_field", "/public/fields/1") in found(validate_form(doc))


def test_invalid_default(doc: dict[str, Any]) -> None:
    doc["fields"][1]["default"] = "maybe"
    assert ("invalid_default", "/fields/1/default") in found(validate_form(doc))


def test_default_on_a_computed_field_is_invalid(doc: dict[str, Any]) -> None:
    doc["fields"][5]["default"] = "1"
    assert ("invalid_default", "/fields/5/default") in found(validate_form(doc))


def test_title_field_unknown(doc: dict[str, Any]) -> None:
    doc["title_field"] = "headline"
    assert ("title_field_unknown", "/title_field") in found(validate_form(doc))


def test_relation_unknown_form_only_with_known_forms(doc: dict[str, Any]) -> None:
    assert validate_form(doc) == []
    assert ("relation_unknown_form", "/fields/6/config/form") in found(
        validate_form(doc, known_forms={"deal"})
    )


def test_collects_every_problem_at_once(doc: dict[str, Any]) -> None:
    doc["fields"][1]["default"] = "maybe"
    doc["title_field"] = "headline"
    doc["public"]["dedupe"]["keys"] = ["mobile"]
    doc["fields"][3]["type"] = "hologram"
    codes = {p.code for p in validate_form(doc)}
    assert {
        "invalid_default",
        "title_field_unknown",
        "unknown_dedupe_field",
        "unknown_field_type",
    } <= codes


def test_messages_are_localised(doc: dict[str, Any]) -> None:
    doc["title_field"] = "headline"
    (problem,) = validate_form(doc, locale="zh-CN")
    assert problem.message == "标题字段 'headline' 不存在。"
    for code, texts in MESSAGES.items():
        assert set(texts) == {"en", "zh-CN"}, code


def test_garbage_does_not_crash() -> None:
    problems = validate_form({"fields": [1, {"key": 3}], "layout": "x", "public": []})
    assert problems
    assert all(p.pointer is not None for p in problems)
