"""Public form pages and the embed script (runtime/forms/render.py). Pure."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from runtime.errors import Problem
from runtime.forms.render import embed_script, render_error, render_form, render_thanks

XSS = "<script>alert(1)</script>"
VOID = {"meta", "link", "input", "br", "img", "hr", "source", "col", "area", "base", "wbr"}


def lead_form() -> dict[str, Any]:
    return {
        "format": 1,
        "key": "lead",
        "title": {"zh-CN": "获取报价", "en": "Get a quote"},
        "description": {"zh-CN": "留下联系方式", "en": "Leave your details"},
        "fields": [
            {
                "key": "name",
                "type": "text",
                "label": {"zh-CN": "姓名", "en": "Name"},
                "required": True,
            },
            {
                "key": "phone",
                "type": "phone",
                "label": {"zh-CN": "手机", "en": "Mobile"},
                "help": {"zh-CN": "11 位手机号", "en": "11 digits"},
            },
            {
                "key": "city",
                "type": "select",
                "label": {"zh-CN": "城市", "en": "City"},
                "config": {
                    "options": [
                        {"value": "北京", "label": {"zh-CN": "北京", "en": "Beijing"}},
                        {"value": "上海", "label": {"zh-CN": "上海", "en": "Shanghai"}},
                    ]
                },
            },
            {
                "key": "budget",
                "type": "money",
                "label": {"zh-CN": "预算", "en": "Budget"},
                "visible_when": {"field": "city", "op": "eq", "value": "北京"},
                "required_when": {"field": "city", "op": "in", "value": ["北京", "上海"]},
            },
            {
                "key": "interests",
                "type": "multiselect",
                "label": {"zh-CN": "感兴趣的产品", "en": "Interests"},
                "config": {"options": [{"value": "crm"}, {"value": "erp"}]},
            },
            {"key": "agree", "type": "boolean", "label": {"zh-CN": "同意条款", "en": "I agree"}},
            {
                "key": "items",
                "type": "line_items",
                "label": {"zh-CN": "需求明细", "en": "Items"},
                "config": {
                    "columns": [
                        {"key": "product", "type": "text", "label": {"zh-CN": "产品"}},
                        {"key": "quantity", "type": "number", "label": {"zh-CN": "数量"}},
                        {"key": "amount", "type": "money", "label": {"zh-CN": "金额"}},
                    ],
                    "row_formulas": {"amount": "{quantity} * 100"},
                },
            },
            {"key": "files", "type": "attachment", "label": {"zh-CN": "附件", "en": "Files"}},
            {"key": "score", "type": "formula", "label": {"zh-CN": "评分"}},
            {"key": "no", "type": "serial", "label": {"zh-CN": "编号"}},
            {
                "key": "utm_source",
                "type": "text",
                "label": {"zh-CN": "来源", "en": "Source"},
                "hidden": True,
            },
        ],
        "layout": [
            {
                "type": "section",
                "title": {"zh-CN": "联系人", "en": "Contact"},
                "columns": 2,
                "items": ["name", "phone", "city", "budget"],
            },
            {
                "type": "tabs",
                "tabs": [
                    {"title": {"zh-CN": "需求", "en": "Needs"}, "items": ["interests", "items"]},
                ],
            },
        ],
        "public": {"enabled": True},
    }


def render(form: dict[str, Any] | None = None, **kwargs: Any) -> str:
    options: dict[str, Any] = {
        "locale": "zh-CN",
        "action_url": "/f/crm/lead",
        "idempotency_key": "key-123",
    }
    options.update(kwargs)
    return render_form(form or lead_form(), **options)


def field_html(page: str, key: str) -> str:
    """The markup of one `.fw-field` wrapper (up to the next field or the end of its grid)."""
    start = page.index(f'data-field-key="{key}"')
    start = page.rindex("<div", 0, start)
    ends = [page.find(marker, start + 1) for marker in ('<div class="fw-field ', "</section>")]
    return page[start : min(end for end in ends if end != -1)]


def attribute(markup: str, name: str) -> str:
    match = re.search(rf"{name}='([^']*)'", markup) or re.search(rf'{name}="([^"]*)"', markup)
    assert match, f"no {name} in {markup[:200]}"
    return html.unescape(match.group(1))


class TagBalance(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}> with open {self.stack[-3:]}")
        else:
            self.stack.pop()


def test_renders_a_well_formed_page_with_lang_viewport_and_form_element():
    page = render()
    parser = TagBalance()
    parser.feed(page)
    assert parser.errors == []
    assert parser.stack == []
    assert '<html lang="zh-CN"' in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert '<form method="post" action="/f/crm/lead" class="fw-form' in page
    assert " novalidate" in page
    assert '<script type="module" src="/static/js/pages/public-form.js"></script>' in page


def test_renders_title_and_labels_in_the_requested_locale():
    zh = render(locale="zh-CN")
    en = render(locale="en")
    for expected in ("获取报价", "留下联系方式", ">姓名", ">手机", "11 位手机号"):
        assert expected in zh
    for expected in ("Get a quote", "Leave your details", ">Name", ">Mobile", "11 digits"):
        assert expected in en
    assert "姓名" not in en
    assert '<html lang="en"' in en


def test_each_field_has_a_wrapper_label_for_and_input():
    page = render()
    name = field_html(page, "name")
    assert 'class="fw-field fw-field--text' in name
    assert 'for="fw-f-name"' in name
    assert 'id="fw-f-name" name="name"' in name
    phone = field_html(page, "phone")
    assert 'type="tel"' in phone
    assert '<p class="fw-field__help" id="fw-f-phone-help">11 位手机号</p>' in phone
    assert 'aria-describedby="fw-f-phone-help"' in phone


def test_marks_required_fields_and_only_those():
    page = render()
    name = field_html(page, "name")
    assert 'class="fw-field__required" aria-hidden="true">*</span>' in name
    assert " required" in name
    assert 'data-required="1"' in name
    phone = field_html(page, "phone")
    assert "fw-field__required" not in phone
    assert " required" not in phone
    # required_when: the marker is there for the script, hidden until the condition holds
    budget = field_html(page, "budget")
    assert 'class="fw-field__required" aria-hidden="true" hidden>*</span>' in budget


def test_renders_the_honeypot_off_screen_and_the_idempotency_key():
    page = render(idempotency_key="abc-42")
    assert '<div class="fw-hp" aria-hidden="true">' in page
    honeypot = re.search(r"<input[^>]*name=\"website\"[^>]*>", page)
    assert honeypot
    assert 'tabindex="-1"' in honeypot.group(0)
    assert 'autocomplete="off"' in honeypot.group(0)
    assert 'value=""' in honeypot.group(0)
    assert '<input type="hidden" name="_idempotency_key" value="abc-42">' in page


def test_shows_field_errors_under_their_field_with_aria_invalid():
    problems = [
        Problem("required", "请填写手机", field="phone"),
        Problem("invalid_number", "第 1 行数量不是数字", field="items.0.quantity"),
    ]
    page = render(problems=problems)
    phone = field_html(page, "phone")
    assert "fw-field--invalid" in phone
    assert 'aria-invalid="true"' in phone
    assert 'aria-describedby="fw-f-phone-help fw-f-phone-error"' in phone
    assert '<p class="fw-field__error" id="fw-f-phone-error" role="alert">请填写手机</p>' in phone
    assert "请填写手机" not in field_html(page, "name")
    items = field_html(page, "items")
    assert "第 1 行数量不是数字" in items
    assert 'aria-invalid="true"' in items
    assert "fw-field__error" not in field_html(page, "name")


def test_shows_form_level_errors_at_the_top():
    problems = [
        Problem("rate_limited", "提交太频繁"),
        Problem("unknown_field", "没有这个字段", field="nope"),
        Problem("required", "请填写姓名", field="name"),
    ]
    page = render(problems=problems)
    top = page.index('class="fw-form__errors"')
    assert top < page.index('data-field-key="name"')
    summary = page[top : page.index('data-field-key="name"')]
    assert "提交太频繁" in summary
    assert "没有这个字段" in summary
    assert "请修正下方标出的 1 项" in summary
    assert "请填写姓名" in field_html(page, "name")


def test_no_error_box_without_problems():
    assert "fw-form__errors" not in render()
    assert "aria-invalid" not in render()


def test_prefills_values_after_a_failed_submit():
    values = {
        "name": "张三",
        "city": "上海",
        "interests": ["erp"],
        "agree": "true",
        "items": [{"product": "CRM 标准版", "quantity": "3"}, {"product": "实施", "quantity": "1"}],
    }
    page = render(values=values)
    assert 'value="张三"' in field_html(page, "name")
    assert '<option value="上海" selected>上海</option>' in field_html(page, "city")
    assert '<option value="北京">北京</option>' in field_html(page, "city")
    interests = field_html(page, "interests")
    assert re.search(r'value="erp"\s+checked', interests)
    assert not re.search(r'value="crm"\s+checked', interests)
    assert re.search(r'value="true" checked', field_html(page, "agree"))
    items = field_html(page, "items")
    assert 'name="items[0][product]" value="CRM 标准版"' in items
    assert 'name="items[1][quantity]" value="1"' in items


def test_escapes_user_content_everywhere():
    form = lead_form()
    form["title"] = {"zh-CN": XSS}
    form["description"] = {"zh-CN": XSS}
    form["fields"][0]["label"] = {"zh-CN": XSS}
    form["fields"][1]["help"] = {"zh-CN": XSS}
    form["fields"][2]["config"]["options"].append({"value": XSS, "label": {"zh-CN": XSS}})
    form["fields"][3]["visible_when"] = {"field": "city", "op": "eq", "value": "'\"><b>" + XSS}
    page = render(
        form,
        values={"name": '"><img src=x onerror=alert(1)>' + XSS, "phone": XSS},
        problems=[Problem("bad", XSS, field="phone"), Problem("bad", XSS)],
        hidden={"utm_source": '"><script>alert(2)</script>'},
    )
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "<b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'value="&#34;&gt;&lt;img src=x onerror=alert(1)&gt;' in field_html(page, "name")
    # the condition stays valid JSON carrying the raw text
    tree = json.loads(attribute(field_html(page, "budget"), "data-visible-when"))
    assert tree["value"] == "'\"><b>" + XSS


def test_hidden_fields_render_only_as_capture_inputs():
    page = render(hidden={"utm_source": "baidu", "referrer": "https://example.com/?a=1&b=2"})
    assert 'data-field-key="utm_source"' not in page
    assert '<input type="hidden" name="utm_source" value="baidu" data-capture="1">' in page
    assert (
        '<input type="hidden" name="referrer" value="https://example.com/?a=1&amp;b=2"'
        ' data-capture="1">' in page
    )
    without = render()
    assert 'name="utm_source"' not in without


def test_capture_never_shadows_a_visible_field_or_the_reserved_inputs():
    page = render(hidden={"name": "x", "website": "spam", "_idempotency_key": "other"})
    assert page.count('name="name"') == 1
    assert page.count('name="website"') == 1
    assert 'value="other"' not in page


def test_conditions_are_json_attributes_on_the_wrapper():
    budget = field_html(render(), "budget")
    assert json.loads(attribute(budget, "data-visible-when")) == {
        "field": "city",
        "op": "eq",
        "value": "北京",
    }
    assert json.loads(attribute(budget, "data-required-when")) == {
        "field": "city",
        "op": "in",
        "value": ["北京", "上海"],
    }
    assert "data-visible-when" not in field_html(render(), "name")


def test_select_options_use_localised_labels_and_an_empty_choice():
    city = field_html(render(locale="en"), "city")
    assert '<option value="">Select…</option>' in city
    assert '<option value="北京">Beijing</option>' in city
    assert '<option value="上海">Shanghai</option>' in city


def test_multiselect_renders_checkboxes_sharing_the_field_name():
    interests = field_html(render(), "interests")
    assert 'data-multiple="1"' in interests
    assert interests.count('type="checkbox"') == 2
    assert interests.count('name="interests"') == 2
    assert 'role="group" aria-labelledby="fw-f-interests-label"' in interests


def test_line_items_render_a_table_a_row_template_and_an_add_button():
    items = field_html(render(), "items")
    assert '<table class="fw-items__table">' in items
    assert '<th scope="col">产品</th>' in items
    assert 'name="items[0][product]"' in items
    assert 'name="items[0][quantity]"' in items
    assert '<template class="fw-items__template">' in items
    assert 'name="items[__index__][product]"' in items
    assert 'data-action="add-row"' in items
    assert 'data-action="remove-row"' in items
    assert 'data-items-key="items"' in items
    # a row-formula column is computed by the server: shown, never submitted
    assert '<output class="fw-items__computed" id="fw-f-items-0-amount"' in items
    assert 'name="items[0][amount]"' not in items


def test_layout_sections_columns_and_tabs_as_stacked_headings():
    page = render()
    assert '<h2 class="fw-section__title">联系人</h2>' in page
    assert '<div class="fw-section__grid" data-columns="2">' in page
    assert '<h2 class="fw-block__title">需求</h2>' in page
    # fields the layout does not place still render after it
    assert page.index('data-field-key="items"') < page.index('data-field-key="agree"')


def test_without_layout_every_field_renders_in_order_in_one_column():
    form = lead_form()
    del form["layout"]
    page = render(form)
    keys = re.findall(r'data-field-key="([a-z_]+)"', page)
    assert keys == ["name", "phone", "city", "budget", "interests", "agree", "items", "files"]
    assert 'data-columns="1"' in page


def test_skips_formula_and_serial_and_explains_attachments():
    page = render()
    assert 'data-field-key="score"' not in page
    assert 'data-field-key="no"' not in page
    files = field_html(page, "files")
    assert "公开表单暂不支持上传附件" in files
    assert "<input" not in files


def test_rating_region_and_people_widgets():
    form = lead_form()
    form["fields"] = [
        {"key": "stars", "type": "rating", "label": {"zh-CN": "评分"}, "config": {"max": 3}},
        {"key": "area", "type": "region", "label": {"zh-CN": "地区"}},
        {"key": "owner", "type": "user", "label": {"zh-CN": "负责人"}},
        {"key": "note", "type": "rich_text", "label": {"zh-CN": "备注"}},
    ]
    del form["layout"]
    page = render(form, values={"stars": "2"})
    stars = field_html(page, "stars")
    assert stars.count('type="radio"') == 3
    assert re.search(r'value="2"\s+checked', stars)
    assert 'placeholder="省/市/区"' in field_html(page, "area")
    assert 'name="owner"' in field_html(page, "owner")
    assert "<textarea" in field_html(page, "note")


def test_submit_label_defaults_and_follows_public_settings():
    assert ">提交</button>" in render()
    assert ">Submit</button>" in render(locale="en")
    form = lead_form()
    form["public"]["submit_label"] = {"zh-CN": "免费试用", "en": "Start trial"}
    assert ">免费试用</button>" in render(form)
    assert ">Start trial</button>" in render(form, locale="en")


def test_embed_mode_marks_the_body_and_static_url_is_used():
    page = render(embed=True, static_url="https://cdn.example.com/static/")
    assert '<body class="fw-body fw-public" data-embed="1">' in page
    assert 'href="https://cdn.example.com/static/css/public-form.css"' in page
    assert 'src="https://cdn.example.com/static/js/pages/public-form.js"' in page
    assert 'data-embed="1"' not in render()


def test_thanks_page_uses_the_configured_text_or_a_default():
    form = lead_form()
    assert "感谢提交！我们会尽快与您联系。" in render_thanks(form, locale="zh-CN")
    assert "Thank you! We will be in touch soon." in render_thanks(form, locale="en")
    form["public"]["thank_you"] = {"zh-CN": XSS + "已收到", "en": "Got it"}
    page = render_thanks(form, locale="zh-CN", embed=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;已收到" in page
    assert "<script>alert" not in page
    assert 'data-embed="1"' in page
    assert "/static/js/pages/public-form.js" in page  # reports its height in the iframe


def test_error_page_shows_status_and_escaped_message():
    page = render_error(locale="en", status=404, message=XSS + "No such form")
    assert "404" in page
    assert "Something went wrong" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;No such form" in page
    assert "<script>alert" not in page
    assert '<html lang="en"' in page


def test_embed_script_fills_in_the_form_url_as_a_string_literal():
    script = embed_script(form_url="https://forms.example.com/f/crm/lead")
    assert 'var FORM_URL = "https://forms.example.com/f/crm/lead";' in script
    assert "__FORMWORK_FORM_URL__" not in script
    assert "formwork:resize" in script


def test_embed_script_neutralises_script_breaking_urls():
    url = 'https://x.example.com/f/a/b?q="</script><script>alert(1)</script>\u2028<!--'
    script = embed_script(form_url=url)
    assert "</script>" not in script
    assert "<!--" not in script
    assert "\u2028" not in script
    line = next(line for line in script.splitlines() if "var FORM_URL = " in line)
    literal = line.strip().removeprefix("var FORM_URL = ").removesuffix(";")
    # still a valid JS string literal meaning exactly the URL (JSON ⊂ JS after our escapes)
    assert json.loads(literal.replace("<\\/", "</")) == url


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "/f/crm/lead", "data:text/html,x", " https://a.example"]
)
def test_embed_script_refuses_non_http_urls(url: str):
    with pytest.raises(ValueError, match="absolute http"):
        embed_script(form_url=url)


def test_unknown_locales_fall_back_to_a_supported_one():
    assert '<html lang="en"' in render(locale="en-US")
    assert '<html lang="zh-CN"' in render(locale="fr")
