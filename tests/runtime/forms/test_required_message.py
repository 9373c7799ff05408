"""A field's own `required_message`: meta-schema, compile, the server's required check, render."""

from __future__ import annotations

from typing import Any

from forms_examples import NOW

from builder.validate.forms import validate_form
from runtime.forms.compile import compile_form
from runtime.forms.render import render_form
from runtime.forms.submit import check_values

STANDARD = {"zh-CN": "此项为必填项。", "en": "This field is required."}


def form(**phone: Any) -> dict[str, Any]:
    return {
        "format": 1,
        "key": "callback",
        "title": {"zh-CN": "回电申请", "en": "Call back"},
        "fields": [
            {"key": "name", "type": "text", "label": {"zh-CN": "姓名"}, "required": True},
            {"key": "phone", "type": "phone", "label": {"zh-CN": "电话"}, **phone},
            {"key": "wants_call", "type": "boolean", "label": {"zh-CN": "需要回电"}},
        ],
    }


def problems_of(doc: dict[str, Any], raw: dict[str, Any], locale: str) -> dict[str, str]:
    _data, problems = check_values(
        compile_form(doc), raw, existing=None, locale=locale, now=NOW, partial=False
    )
    return {str(p.field): p.message for p in problems if p.code == "required"}


MESSAGE = {"zh-CN": "请留下电话，我们才能回电", "en": "Leave a number so we can call you back"}


def test_the_meta_schema_and_the_validator_accept_a_required_message() -> None:
    assert validate_form(form(required=True, required_message=MESSAGE)) == []


def test_a_required_message_must_be_a_translatable_text() -> None:
    problems = validate_form(form(required=True, required_message="请留下电话"))
    assert [(p.code, p.pointer) for p in problems] == [
        ("schema_violation", "/fields/1/required_message")
    ]


def test_a_missing_required_value_gets_the_fields_own_message_in_each_language() -> None:
    doc = form(required=True, required_message=MESSAGE)
    assert problems_of(doc, {"name": "李"}, "zh-CN") == {"phone": MESSAGE["zh-CN"]}
    assert problems_of(doc, {"name": "Li"}, "en") == {"phone": MESSAGE["en"]}
    # the other required field keeps the standard text
    assert problems_of(doc, {}, "en") == {"name": STANDARD["en"], "phone": MESSAGE["en"]}
    # a value: no problem at all
    assert problems_of(doc, {"name": "李", "phone": "13800138000"}, "zh-CN") == {}


def test_a_message_in_one_language_serves_the_other_too() -> None:
    doc = form(required=True, required_message={"zh-CN": "请填写电话"})
    assert problems_of(doc, {"name": "Li"}, "en") == {"phone": "请填写电话"}
    compiled = compile_form(doc).fields["phone"]
    assert compiled.required_text == {"zh-CN": "请填写电话", "en": "请填写电话"}


def test_the_message_also_serves_a_required_when_condition() -> None:
    doc = form(
        required_when={"field": "wants_call", "op": "eq", "value": True},
        required_message=MESSAGE,
    )
    assert problems_of(doc, {"name": "李", "wants_call": True}, "zh-CN") == {
        "phone": MESSAGE["zh-CN"]
    }
    assert problems_of(doc, {"name": "李", "wants_call": False}, "zh-CN") == {}


def test_without_a_message_nothing_is_resolved_and_the_standard_text_is_used() -> None:
    doc = form(required=True)
    assert compile_form(doc).fields["phone"].required_text is None
    assert problems_of(doc, {"name": "李"}, "zh-CN") == {"phone": STANDARD["zh-CN"]}
    empty = form(required=True, required_message={"en": ""})
    assert compile_form(empty).fields["phone"].required_text is None


def test_the_rendered_form_carries_the_message_for_the_page_script() -> None:
    page = render_form(
        form(required=True, required_message=MESSAGE),
        locale="en",
        action_url="/f/x/callback",
        idempotency_key="k",
    )
    assert f'data-required-message="{MESSAGE["en"]}"' in page
    # every required field carries the text the page shows when it is left empty
    assert f'data-required-message="{STANDARD["en"]}"' in page
    assert page.count("data-required-message=") == 2
