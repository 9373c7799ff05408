"""Tabs on the public form page (runtime/forms/render.py, templates/form.html). Pure."""

from __future__ import annotations

import re
from typing import Any

from runtime.errors import Problem
from runtime.forms.render import render_form


def text_field(key: str, label: str, **extra: Any) -> dict[str, Any]:
    return {"key": key, "type": "text", "label": {"zh-CN": label, "en": key.title()}, **extra}


def tabbed_form() -> dict[str, Any]:
    return {
        "format": 1,
        "key": "deal",
        "title": {"zh-CN": "商机", "en": "Deal"},
        "fields": [
            text_field("name", "名称"),
            text_field("company", "公司"),
            text_field("budget", "预算"),
            text_field("notes", "备注"),
            text_field("secret", "内部", hidden=True),
            text_field("loose", "其他"),
        ],
        "layout": [
            "name",
            {
                "type": "tabs",
                "key": "main",
                "tabs": [
                    {"key": "basic", "title": {"zh-CN": "基本"}, "items": ["company"]},
                    {
                        "key": "money",
                        "title": {"zh-CN": "金额", "en": "Money"},
                        "items": [
                            {
                                "type": "section",
                                "title": {"zh-CN": "预算信息", "en": "Budget"},
                                "items": ["budget"],
                            },
                            "notes",
                        ],
                    },
                    {"title": {"zh-CN": "隐藏", "en": "Hidden"}, "items": ["secret"]},
                ],
            },
        ],
    }


def render(form: dict[str, Any], **kwargs: Any) -> str:
    options: dict[str, Any] = {"locale": "zh-CN", "action_url": "/f/x/deal", "idempotency_key": "k"}
    options.update(kwargs)
    return render_form(form, **options)


def panels(page: str) -> list[str]:
    """The opening tag of every tab panel, in page order."""
    return re.findall(r'<div class="fw-tabs__panel[^>]*>', page)


def test_a_tabs_item_renders_one_panel_per_tab_with_its_heading_inside_one_tabs_block():
    page = render(tabbed_form())
    block = re.search(r'<div class="fw-block fw-tabs" id="fw-tabs-1" data-tabs="1"[^>]*>', page)
    assert block, page
    assert 'data-invalid-label="（有待修正项）"' in block.group(0)
    opened = panels(page)
    assert [re.search(r'data-tab-key="(\w+)"', tag).group(1) for tag in opened] == [
        "basic",
        "money",
    ]
    assert 'id="fw-tabs-1-panel-0"' in opened[0]
    assert 'id="fw-tabs-1-panel-1"' in opened[1]
    # where each came from in the layout (the designer's preview opens the tab being edited)
    assert 'data-layout-index="1"' in block.group(0)
    assert ['data-tab-index="0"' in opened[0], 'data-tab-index="1"' in opened[1]] == [True, True]
    # each panel keeps its heading (the page without script reads top to bottom)
    assert '<h2 class="fw-block__title">基本</h2>' in page
    assert '<h2 class="fw-block__title">金额</h2>' in page
    # a section inside a tab gets a level-3 heading; loose keys of the tab render too
    assert '<h3 class="fw-section__title">预算信息</h3>' in page
    money = page[page.index('id="fw-tabs-1-panel-1"') :]
    assert money.index('data-field-key="budget"') < money.index('data-field-key="notes"')
    # a tab whose only field the public page does not show is left out
    assert "隐藏" not in page
    # the top-level key before the tabs and the key the layout forgot still render, outside
    assert page.index('data-field-key="name"') < page.index("fw-tabs-1")
    assert page.index('data-field-key="loose"') > page.index('data-field-key="notes"')
    assert "data-invalid=" not in page.replace("data-invalid-label", "")


def test_a_failed_submit_marks_the_panels_holding_a_field_with_a_problem():
    problems = [Problem("required", "必填", field="budget")]
    page = render(tabbed_form(), values={"company": "远山"}, problems=problems)
    opened = panels(page)
    assert "data-invalid" not in opened[0]
    assert 'data-invalid="1"' in opened[1]


def test_two_tabs_items_get_their_own_ids_and_english_titles():
    form = tabbed_form()
    form["layout"].append(
        {"type": "tabs", "tabs": [{"title": {"zh-CN": "其他", "en": "More"}, "items": ["loose"]}]}
    )
    page = render(form, locale="en")
    assert 'id="fw-tabs-1"' in page
    assert 'id="fw-tabs-2"' in page
    assert 'data-invalid-label=" (needs corrections)"' in page
    # a tab without a key gets one from its position
    assert 'id="fw-tabs-2-panel-0" data-tab-key="tab_1" data-tab-index="0"' in page
    assert 'id="fw-tabs-2" data-tabs="1" data-layout-index="2"' in page
    assert '<h2 class="fw-block__title">More</h2>' in page
    assert page.count('data-field-key="loose"') == 1


def test_tabs_whose_fields_are_all_missing_leave_no_empty_block():
    form = tabbed_form()
    form["layout"][1]["tabs"] = [{"title": {"zh-CN": "空"}, "items": ["secret", "ghost"]}]
    page = render(form)
    assert "fw-tabs" not in page
    for key in ("company", "budget", "notes"):  # not placed any more: rendered after the layout
        assert f'data-field-key="{key}"' in page
