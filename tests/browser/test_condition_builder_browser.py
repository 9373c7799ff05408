"""Headless Chromium: the condition builder in both designers. A show condition built in the
form designer hides 备注 on the public form until 来源 = 展会; an edge condition built in the flow
designer is saved as a condition tree in the draft.
Screenshots: test-artifacts/condition-builder-*.png."""

from __future__ import annotations

import httpx
import pytest

from tests.browser.kit import admin_context, shot

pytestmark = pytest.mark.browser

APP = "crm"
FORM = "expo_followup"
PANEL = ".fw-designer__panel"
SHOW = f'{PANEL} [data-condition-for="visible_when"]'


def api(served, method: str, path: str, **kwargs) -> httpx.Response:
    return served.api(method, path, **kwargs)


@pytest.fixture(scope="module")
def context(browser, served):
    with admin_context(browser, served, height=1100) as ctx:
        yield ctx


def draft_json(page) -> dict:
    return page.evaluate("document.querySelector('#fw-form-designer').fwDesigner.toJSON()")


def test_a_show_condition_built_in_the_form_designer_works_on_the_public_form(context, served):
    # given a draft form with 来源 (官网 / 展会) and 备注, open to the public, no condition yet
    draft = {
        "format": 1,
        "key": FORM,
        "title": {"zh-CN": "展会跟进", "en": "Expo follow-up"},
        "fields": [
            {"key": "name", "type": "text", "label": {"zh-CN": "姓名"}, "required": True},
            {
                "key": "source",
                "type": "select",
                "label": {"zh-CN": "来源", "en": "Source"},
                "config": {
                    "options": [
                        {"value": "web", "label": {"zh-CN": "官网"}},
                        {"value": "expo", "label": {"zh-CN": "展会"}},
                    ]
                },
            },
            {"key": "remark", "type": "textarea", "label": {"zh-CN": "备注", "en": "Remark"}},
        ],
        "public": {"enabled": True},
    }
    assert api(served, "PUT", f"/api/apps/{APP}/forms/{FORM}", json=draft).status_code == 200
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{served.base}/builder/{APP}/forms/{FORM}")
    page.wait_for_selector("#fw-form-designer[data-ready=true]")

    # when 备注 gets a show condition built with the builder: 来源 等于 展会
    page.click("[data-field-key=remark]")
    page.click(f"{SHOW} [data-cond-action=add-leaf]")
    row = f'{SHOW} [data-cond-path="0"]'
    field_picker = page.locator(f"{row} select[data-cond=field]")
    # the picker shows labels (the field itself is not offered) and stores keys
    assert field_picker.locator("option").all_inner_texts() == ["姓名", "来源"]
    field_picker.select_option("source")
    op_options = page.locator(f"{row} select[data-cond=op] option")
    ops = [op_options.nth(i).get_attribute("value") for i in range(op_options.count())]
    assert ops == ["eq", "ne", "in", "not_in", "is_empty", "is_not_empty"]
    assert page.locator(f"{row} select[data-cond=value] option").all_inner_texts() == [
        "官网",
        "展会",
    ]
    page.select_option(f"{row} select[data-cond=value]", "expo")
    remark = next(f for f in draft_json(page)["fields"] if f["key"] == "remark")
    assert remark["visible_when"] == {"all": [{"field": "source", "op": "eq", "value": "expo"}]}

    # the preview is the real form: 备注 is hidden until 展会 is chosen there too
    page.wait_for_selector("#fw-form-designer[data-preview=fresh]")
    preview = page.frame_locator(".fw-designer__frame")
    preview.locator("[name=remark]").wait_for(state="hidden")
    preview.locator("[name=source]").select_option("expo")
    preview.locator("[name=remark]").wait_for(state="visible")
    shot(page, "condition-builder-01-form-designer")

    # undo takes the condition away, redo brings it back
    page.click(".fw-designer__canvas", position={"x": 5, "y": 5})
    page.keyboard.press("Control+z")
    remark = next(f for f in draft_json(page)["fields"] if f["key"] == "remark")
    assert remark["visible_when"] == {"all": [{"field": "source", "op": "eq", "value": "web"}]}
    page.keyboard.press("Control+z")
    page.keyboard.press("Control+z")
    remark = next(f for f in draft_json(page)["fields"] if f["key"] == "remark")
    assert "visible_when" not in remark
    for _ in range(3):
        page.keyboard.press("Control+Shift+z")
    remark = next(f for f in draft_json(page)["fields"] if f["key"] == "remark")
    assert remark["visible_when"] == {"all": [{"field": "source", "op": "eq", "value": "expo"}]}

    # save and publish
    page.keyboard.press("Control+s")
    page.wait_for_selector('.fw-designer__status[data-kind="ok"]')
    page.click('[data-action="publish"]')
    page.click('[data-action="confirm-publish"]')
    page.wait_for_selector('.fw-designer__message[data-kind="ok"]')
    published = api(served, "GET", f"/api/apps/{APP}/forms/{FORM}").json()
    assert published["status"] == "published"
    remark = next(f for f in published["definition"]["fields"] if f["key"] == "remark")
    assert remark["visible_when"] == {"all": [{"field": "source", "op": "eq", "value": "expo"}]}
    page.close()
    assert errors == []

    # then on the public form 备注 appears only after choosing 展会
    visitor = context.browser.new_context(locale="zh-CN").new_page()
    visitor.goto(f"{served.base}/f/{APP}/{FORM}")
    visitor.wait_for_selector("[name=source]")
    visitor.locator("[name=remark]").wait_for(state="hidden")
    visitor.select_option("[name=source]", "web")
    assert not visitor.locator("[name=remark]").is_visible()
    shot(visitor, "condition-builder-02-public-hidden")
    visitor.select_option("[name=source]", "expo")
    visitor.locator("[name=remark]").wait_for(state="visible")
    visitor.fill("[name=name]", "孙八")
    visitor.fill("[name=remark]", "展会上聊过报价")
    shot(visitor, "condition-builder-03-public-shown")
    visitor.click("button[type=submit]")
    visitor.wait_for_selector("text=提交成功")
    visitor.context.close()
    records = api(served, "GET", f"/api/apps/{APP}/forms/{FORM}/records").json()["items"]
    assert [r["data"].get("remark") for r in records] == ["展会上聊过报价"]


def test_an_edge_condition_built_in_the_flow_designer_is_saved_as_a_tree(context, served):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{served.base}/builder/{APP}/flows/quote_approval")
    page.wait_for_selector("#fd-root[data-ready=true]")

    # the branch to the director shows its tree as rows with field labels
    page.click("[data-edge-id=route_to_director] .fd-edge__hit", force=True)
    builder = "[data-edge-condition]"
    page.wait_for_selector(f"{builder} [data-cond-path]")
    assert page.locator(f"{builder} textarea").count() == 0
    first = f'{builder} [data-cond-path="0"]'
    picked = page.locator(f"{first} select[data-cond=field] option:checked").inner_text()
    assert picked != "total"  # a label, not the key
    assert page.locator(f"{first} select[data-cond=field]").input_value() == "total"
    assert page.locator(f"{first} select[data-cond=op]").input_value() == "gt"
    assert page.locator(f"{first} input[data-cond=value]").input_value() == "500000"

    # when the amount becomes "between 300000 and 900000" and a second group is added
    page.select_option(f"{first} select[data-cond=op]", "between")
    page.fill(f"{first} input[data-cond=value-high]", "900000")
    page.press(f"{first} input[data-cond=value-high]", "Tab")
    page.fill(f"{first} input[data-cond=value-low]", "300000")
    page.press(f"{first} input[data-cond=value-low]", "Tab")
    page.click(f'{builder} [data-cond-path=""] > .fw-cond__actions [data-cond-action=add-group]')
    page.click(f'{builder} [data-cond-path="2"] [data-cond-action=add-leaf]')
    page.select_option(f'{builder} [data-cond-path="2.0"] select[data-cond=op]', "is_not_empty")
    shot(page, "condition-builder-04-flow-edge")

    # then the saved draft holds the tree
    page.click(".fd-svg", position={"x": 5, "y": 5})
    page.keyboard.press("Control+s")
    page.wait_for_selector("[data-save-state=saved]")
    stored = api(served, "GET", f"/api/apps/{APP}/flows/quote_approval").json()
    assert stored["status"] == "draft"
    edge = next(e for e in stored["definition"]["edges"] if e["id"] == "route_to_director")
    fields = page.evaluate("JSON.parse(document.getElementById('fd-boot').textContent).fields")
    first_key = fields[0]["key"]
    assert edge["condition"] == {
        "all": [
            {"field": "total", "op": "between", "value": [300000, 900000]},
            {"field": "discount", "op": "lt", "value": 0.8},
            {"any": [{"field": first_key, "op": "is_not_empty"}]},
        ]
    }
    page.close()
    assert errors == []


def save(page, flow: str) -> None:
    """Ctrl+S and wait for the PUT of this save (not an earlier "saved" state)."""
    with page.expect_response(
        lambda r: r.request.method == "PUT" and r.url.endswith(f"/flows/{flow}")
    ) as answer:
        page.keyboard.press("Control+s")
    assert answer.value.status == 200
    page.wait_for_selector("[data-save-state=saved]")


def test_a_trigger_condition_is_edited_with_the_builder(context, served):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{served.base}/builder/{APP}/flows/lead_conversion")
    page.wait_for_selector("#fd-root[data-ready=true]")
    # nothing selected: the flow panel shows the trigger; its condition is in the builder
    builder = "[data-trigger-condition]"
    row = f'{builder} [data-cond-path="0"]'
    assert page.locator(f"{row} select[data-cond=field]").input_value() == "status"
    assert page.locator(f"{row} select[data-cond=value]").input_value() == "SQL"
    page.select_option(f"{row} select[data-cond=value]", "MQL")
    shot(page, "condition-builder-05-trigger")
    save(page, "lead_conversion")
    stored = api(served, "GET", f"/api/apps/{APP}/flows/lead_conversion").json()
    assert stored["definition"]["trigger"] == {
        "type": "record_updated",
        "fields": ["status"],
        "condition": {"all": [{"field": "status", "op": "eq", "value": "MQL"}]},
    }
    # removing the only row removes the condition: the trigger fires always
    page.click(f"{row} [data-cond-action=remove]")
    save(page, "lead_conversion")
    stored = api(served, "GET", f"/api/apps/{APP}/flows/lead_conversion").json()
    assert stored["definition"]["trigger"] == {"type": "record_updated", "fields": ["status"]}
    page.close()
    assert errors == []
