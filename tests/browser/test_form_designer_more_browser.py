"""Headless Chromium: a form with two tabs, a validation rule, a formula written with the pickers
and its live value, public settings; published, the public page enforces the rule.
Screenshots go to test-artifacts/form-designer-more-*.png."""

from __future__ import annotations

import httpx
import pytest

from tests.browser.kit import admin_context, shot

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

APP = "crm"
FORM = "service_request"
DESIGNER = "#fw-form-designer"
PANEL = ".fw-designer__panel"


@pytest.fixture(scope="module")
def context(browser, served):
    with admin_context(browser, served) as ctx:
        yield ctx


def draft_json(page) -> dict:
    return page.evaluate("document.querySelector('#fw-form-designer').fwDesigner.toJSON()")


def add_from_palette(page, type_key: str) -> None:
    before = page.locator("[data-field-key]").count()
    page.click(f"[data-palette-key={type_key}]")
    page.wait_for_function(
        "n => document.querySelectorAll('[data-field-key]').length === n", arg=before + 1
    )


def test_tabs_rule_formula_and_public_settings_end_to_end(context, served):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{served.base}/builder/{APP}/forms/{FORM}?title=服务申请")
    page.wait_for_selector(f"{DESIGNER}[data-ready=true]")

    # given three fields, then the form split into tabs
    for type_key in ("text", "number", "money"):
        add_from_palette(page, type_key)
    page.keyboard.press("Escape")
    page.click('[data-action="add-tab"]')
    page.wait_for_selector('[data-tab-index="1"][aria-selected="true"]')
    # the amount goes to the second tab by dragging it onto the tab, which is renamed
    page.click('[data-tab-index="0"]')
    page.drag_and_drop("[data-field-key=amount]", '[data-tab-index="1"]')
    page.wait_for_selector('[data-tab-index="1"][aria-selected="true"]')
    page.fill("[data-tab-title]", "费用")
    page.press("[data-tab-title]", "Tab")
    layout = draft_json(page)["layout"]
    assert [tab["items"] for tab in layout[0]["tabs"]] == [["text", "number"], ["amount"]]
    assert layout[0]["tabs"][1]["title"]["zh-CN"] == "费用"
    page.wait_for_selector(f"{DESIGNER}[data-preview=fresh]")
    # the preview draws a tab strip and shows the tab the canvas shows
    preview = page.frame_locator(".fw-designer__frame-box iframe")
    expect(preview.locator(".fw-tabs__tab[aria-selected=true]")).to_have_text("费用")
    expect(preview.locator("[name=amount]")).to_be_visible()
    shot(page, "form-designer-more-01-tabs")

    # a validation rule: the text field takes a mobile number, with the preset's message
    page.click('[data-tab-index="0"]')
    page.click("[data-field-key=text]")
    page.fill(f'{PANEL} input[name="label.zh-CN"]', "联系电话")
    page.press(f'{PANEL} input[name="label.zh-CN"]', "Tab")
    page.select_option(f"{PANEL} [name=pattern_preset]", "mobile")
    page.fill(f"{PANEL} [name=pattern_try]", "12345")
    assert page.get_attribute("[data-pattern-result]", "data-match") == "false"
    config = {f["key"]: f for f in draft_json(page)["fields"]}["text"]["config"]
    assert config["pattern"] == r"1[3-9]\d{9}"
    assert config["pattern_message"]["zh-CN"] == "请输入 11 位手机号"
    shot(page, "form-designer-more-02-rule")

    # a formula on the second tab, written with the pickers, and its live value
    page.click('[data-tab-index="1"]')
    page.click("[data-field-key=amount]")
    add_from_palette(page, "formula")
    expression = f"{PANEL} [name=expression]"
    page.fill(expression, "")
    page.click(f"{PANEL} [data-insert-field=number]")
    page.keyboard.type("*")
    page.click(f"{PANEL} [data-insert-field=amount]")
    page.press(expression, "Tab")
    assert page.input_value(expression) == "{number}*{amount}"
    page.fill(f'{PANEL} [name="expression.sample"]', '{"number": 3, "amount": "12.40"}')
    page.wait_for_function(
        "() => document.querySelector('[data-formula-result]')?.textContent === '= 37'"
    )
    formula = {f["key"]: f for f in draft_json(page)["fields"]}["formula"]
    assert formula["config"]["expression"] == "{number}*{amount}"
    assert draft_json(page)["layout"][0]["tabs"][1]["items"] == ["amount", "formula"]
    shot(page, "form-designer-more-03-formula")

    # public settings: open, a thank-you text, duplicates by phone updated
    page.click(".fw-designer__canvas", position={"x": 5, "y": 5})
    page.check(f'{PANEL} input[name="public.enabled"]')
    thanks = f'{PANEL} input[name="public.thank_you.zh-CN"]'
    page.fill(thanks, "已收到您的服务申请")
    page.press(thanks, "Tab")
    page.select_option(f'{PANEL} [name="public.dedupe.policy"]', "update")
    public = draft_json(page)["public"]
    assert public == {
        "enabled": True,
        "dedupe": {"keys": ["text"], "policy": "update"},
        "thank_you": {"zh-CN": "已收到您的服务申请"},
    }
    page.wait_for_selector(f"{DESIGNER}[data-preview=fresh]")
    assert page.locator("[data-problem-code]").count() == 0
    shot(page, "form-designer-more-04-public-settings")

    # when published
    page.click('[data-action="publish"]')
    page.click('[data-action="confirm-publish"]')
    page.wait_for_selector('.fw-designer__message[data-kind="ok"]')
    stored = httpx.get(
        f"{served.base}/api/apps/{APP}/forms/{FORM}",
        headers={"Authorization": f"Bearer {served.admin_key}"},
        timeout=10,
    ).json()
    assert stored["definition"] == draft_json(page)
    shot(page, "form-designer-more-05-published")
    assert errors == []
    page.close()

    # then the public page refuses a value that breaks the rule, with the rule's message
    visitor = context.browser.new_context(locale="zh-CN").new_page()
    visitor.goto(f"{served.base}/f/{APP}/{FORM}")
    # the tabs are a tab strip there: the amount is on the second one
    assert not visitor.is_visible("[name=amount]")
    visitor.fill("[name=text]", "12345")
    visitor.fill("[name=number]", "3")
    visitor.click(".fw-tabs__tab:has-text('费用')")
    visitor.fill("[name=amount]", "12.4")
    visitor.click("button[type=submit]")
    visitor.wait_for_selector("[name=text][aria-invalid=true]")
    # the page comes back on the tab holding the problem
    assert visitor.is_visible("[name=text]")
    assert "请输入 11 位手机号" in visitor.inner_text("form")
    shot(visitor, "form-designer-more-06-refused")
    refused = httpx.post(
        f"{served.base}/f/{APP}/{FORM}",
        json={"text": "12345", "number": 3, "amount": "12.4"},
        timeout=10,
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0] == {
        "field": "text",
        "code": "pattern_mismatch",
        "message": "请输入 11 位手机号",
    }

    # and a right value is accepted, the formula computed on the record
    visitor.fill("[name=text]", "13800138000")
    visitor.click("button[type=submit]")
    visitor.wait_for_selector("text=已收到您的服务申请")
    shot(visitor, "form-designer-more-07-thanks")
    visitor.context.close()
    records = httpx.get(
        f"{served.base}/api/apps/{APP}/forms/{FORM}/records",
        headers={"Authorization": f"Bearer {served.admin_key}"},
        timeout=10,
    ).json()["items"]
    assert [(r["data"]["text"], r["data"]["formula"]) for r in records] == [("13800138000", 37)]


def order_form() -> dict:
    return {
        "format": 1,
        "key": "order_sheet",
        "title": {"zh-CN": "订货单", "en": "Order sheet"},
        "fields": [
            {"key": "customer", "type": "text", "label": {"zh-CN": "客户", "en": "Customer"}},
            {"key": "order_date", "type": "date", "label": {"zh-CN": "下单日期"}},
            {
                "key": "items",
                "type": "line_items",
                "label": {"zh-CN": "明细", "en": "Items"},
                "config": {
                    "columns": [
                        {"key": "product", "type": "text", "label": {"zh-CN": "产品"}},
                        {"key": "quantity", "type": "number", "label": {"zh-CN": "数量"}},
                        {"key": "unit_price", "type": "money", "label": {"zh-CN": "单价"}},
                        {"key": "amount", "type": "money", "label": {"zh-CN": "金额"}},
                    ]
                },
            },
        ],
        "public": {"enabled": True},
    }


def test_row_formula_and_default_formula_with_the_formula_editor(context, served):
    base = f"/api/apps/{APP}/forms/order_sheet"
    assert served.api("PUT", base, json=order_form()).status_code == 200
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{served.base}/builder/{APP}/forms/order_sheet")
    page.wait_for_selector(f"{DESIGNER}[data-ready=true]")

    # a row formula for the amount column, written with the column pickers
    page.click("[data-field-key=items]")
    page.select_option(f"{PANEL} [name=row_formula_add]", "amount")
    editor = f'{PANEL} [data-formula-editor="row_formulas.amount"]'
    page.wait_for_selector(editor)
    offered = page.eval_on_selector_all(
        f"{editor} [data-insert-field]", "els => els.map(e => e.dataset.insertField)"
    )
    assert offered == ["product", "quantity", "unit_price"]
    page.click(f'{PANEL} [name="row_formulas.amount"]')
    page.click(f"{editor} [data-insert-field=quantity]")
    page.keyboard.type("*")
    page.click(f"{editor} [data-insert-field=unit_price]")
    page.press(f'{PANEL} [name="row_formulas.amount"]', "Tab")
    # the answer for the final text (an earlier answer stays on screen, marked busy, meanwhile)
    page.wait_for_selector(
        f"{editor} [data-formula-result][data-state=ok]"
        '[data-formula-for="{quantity}*{unit_price}"]'
    )
    result = page.inner_text(f"{editor} [data-formula-result]")
    assert "200" in result, result  # the sample row: 2 × 100.00
    items = {f["key"]: f for f in draft_json(page)["fields"]}["items"]
    assert items["config"]["row_formulas"] == {"amount": "{quantity}*{unit_price}"}
    shot(page, "form-designer-more-08-row-formula")

    # the conditions of another field offer the item columns, tested over the rows
    page.click("[data-field-key=customer]")
    visible = f"{PANEL} [data-condition-for=visible_when]"
    page.click(f"{visible} [data-cond-action=add-leaf]")
    page.wait_for_selector(f"{visible} [data-cond=field]")
    choices = page.eval_on_selector(
        f"{visible} [data-cond=field]", "el => [...el.options].map(o => [o.value, o.textContent])"
    )
    assert ["items.amount", "明细 › 金额"] in choices
    assert ["items.product", "明细 › 产品"] in choices
    assert page.locator(f"{visible} [data-cond-action=add-rows]").count() == 1
    page.click('[data-action="undo"]')
    assert "visible_when" not in {f["key"]: f for f in draft_json(page)["fields"]}["customer"]

    # a default computed when a record is created
    page.click("[data-field-key=order_date]")
    page.select_option(f"{PANEL} [name=default_mode]", "formula")
    page.wait_for_selector(f'{PANEL} [name="default.formula"]')
    page.click(f'{PANEL} [data-formula-editor="default.formula"] [data-insert-function=TODAY]')
    page.wait_for_function(
        "() => /^= \\d{4}/.test(document.querySelector("
        "'[data-formula-editor=\"default.formula\"] [data-formula-result]')?.textContent || '')"
    )
    order_date = {f["key"]: f for f in draft_json(page)["fields"]}["order_date"]
    assert order_date["default"] == {"formula": "TODAY()"}
    page.wait_for_selector(f"{DESIGNER}[data-preview=fresh]")
    assert page.locator("[data-problem-code]").count() == 0
    shot(page, "form-designer-more-09-default-formula")

    # undo takes the default away again, exactly
    page.keyboard.press("Escape")
    page.keyboard.press("Control+z")
    assert "default" not in {f["key"]: f for f in draft_json(page)["fields"]}["order_date"]
    page.keyboard.press("Control+Shift+z")

    # the visitor may fill only the date and the items: the customer is set by the team
    page.click(".fw-designer__canvas", position={"x": 5, "y": 5})
    page.select_option(f'{PANEL} [name="public.fields.mode"]', "some")
    page.wait_for_selector(f'{PANEL} [name="public.fields.customer"]')
    page.uncheck(f'{PANEL} [name="public.fields.customer"]')
    assert draft_json(page)["public"]["fields"] == ["order_date", "items"]
    page.wait_for_selector(f"{DESIGNER}[data-preview=fresh]")
    shot(page, "form-designer-more-10-public-fields")

    # published (asked first: the order sheet's first version), the server computes both
    page.click('[data-action="publish"]')
    page.wait_for_selector('[data-overlay="publish"]')
    asked = page.inner_text('[data-overlay="publish"]')
    assert "第一个版本" in asked, asked
    page.click('[data-action="confirm-publish"]')
    page.wait_for_selector('.fw-designer__message[data-kind="ok"]')
    assert errors == []
    page.close()
    row = {"product": "显示器", "quantity": "3", "unit_price": "1200"}
    closed = httpx.post(
        f"{served.base}/f/{APP}/order_sheet",
        json={"customer": "远山科技", "items": [row]},
        timeout=10,
    )
    assert closed.status_code == 422
    assert [e["field"] for e in closed.json()["errors"]] == ["customer"]
    assert 'name="customer"' not in httpx.get(f"{served.base}/f/{APP}/order_sheet", timeout=10).text
    created = httpx.post(f"{served.base}/f/{APP}/order_sheet", json={"items": [row]}, timeout=10)
    assert created.status_code == 201, created.text
    records = served.api("GET", f"{base}/records").json()["items"]
    data = records[0]["data"]
    assert data["items"][0]["amount"] == "3600.00"
    assert len(data["order_date"]) == 10


def test_tabs_reordered_by_dragging_and_a_field_dragged_out_of_the_tabs(context, served):
    def text(key: str, zh: str) -> dict:
        return {"key": key, "type": "text", "label": {"zh-CN": zh}}

    doc = {
        "format": 1,
        "key": "tab_moves",
        "title": {"zh-CN": "拜访记录"},
        "fields": [text("visitor", "拜访人"), text("place", "地点"), text("result", "结果")],
        "layout": [
            {
                "type": "tabs",
                "key": "tabs",
                "tabs": [
                    {"key": "who", "title": {"zh-CN": "人员"}, "items": ["visitor", "place"]},
                    {"key": "what", "title": {"zh-CN": "结论"}, "items": ["result"]},
                ],
            }
        ],
    }
    assert served.api("PUT", f"/api/apps/{APP}/forms/tab_moves", json=doc).status_code == 200
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{served.base}/builder/{APP}/forms/tab_moves")
    page.wait_for_selector(f"{DESIGNER}[data-ready=true]")
    page.wait_for_selector(f"{DESIGNER}[data-preview=fresh]")  # no redraw during the drag

    # when the second tab is dragged onto the first, they swap and it stays shown
    page.drag_and_drop('[data-tab-index="1"]', '[data-tab-index="0"]')
    page.wait_for_selector('[data-tab-index="0"][data-tab-key="what"][aria-selected="true"]')
    tabs = draft_json(page)["layout"][0]["tabs"]
    assert [tab["key"] for tab in tabs] == ["what", "who"]
    page.wait_for_selector(f"{DESIGNER}[data-preview=fresh]")
    preview = page.frame_locator(".fw-designer__frame-box iframe")
    expect(preview.locator(".fw-tabs__tab").first).to_have_text("结论")

    # when a field is dragged out of its tab, it lands in a new section below the tabs
    page.click('[data-tab-key="who"]')
    page.drag_and_drop("[data-field-key=place]", '[data-drop-out="0"]')
    page.wait_for_function(
        "() => document.querySelector('#fw-form-designer').fwDesigner.toJSON().layout.length === 2"
    )
    layout = draft_json(page)["layout"]
    assert layout[0]["tabs"][1]["items"] == ["visitor"]
    assert layout[1] == {"type": "section", "key": "section_1", "columns": 1, "items": ["place"]}
    assert page.is_visible("[data-field-key=place]")
    page.wait_for_selector(f"{DESIGNER}[data-preview=fresh]")
    shot(page, "form-designer-more-11-tab-moves")

    # undo twice gives the document back as it was
    page.keyboard.press("Escape")
    page.keyboard.press("Control+z")
    page.keyboard.press("Control+z")
    assert draft_json(page)["layout"] == doc["layout"]

    # a required field gets its own message, which the preview carries
    page.click('[data-tab-key="who"]')
    page.click("[data-field-key=visitor]")
    assert page.locator(f'{PANEL} [name="required_message.zh-CN"]').count() == 0
    page.check(f"{PANEL} input[name=required]")
    page.fill(f'{PANEL} [name="required_message.zh-CN"]', "请填写拜访人")
    page.press(f'{PANEL} [name="required_message.zh-CN"]', "Tab")
    visitor = {f["key"]: f for f in draft_json(page)["fields"]}["visitor"]
    keys = list(visitor)
    assert keys.index("required_message") == keys.index("required") + 1
    assert visitor["required_message"] == {"zh-CN": "请填写拜访人"}
    page.wait_for_selector(f"{DESIGNER}[data-preview=fresh]")
    preview = page.frame_locator(".fw-designer__frame-box iframe")
    expect(preview.locator("[data-field-key=visitor]")).to_have_attribute(
        "data-required-message", "请填写拜访人"
    )
    shot(page, "form-designer-more-12-required-message")
    assert errors == []
    page.close()
