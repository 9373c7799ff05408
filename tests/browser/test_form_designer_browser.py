"""Headless Chromium: build a form from nothing in /builder, publish it, submit it publicly;
undo and redo ten edits in the real page. Screenshots go to test-artifacts/form-designer-*.png."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.browser.kit import admin_context, shot

pytestmark = pytest.mark.browser

APP = "crm"
FORM = "visit_log"
DESIGNER = "#fw-form-designer"


@pytest.fixture(scope="module")
def context(browser, served):
    with admin_context(browser, served) as ctx:
        yield ctx


def draft_json(page) -> dict:
    """The definition the designer page holds right now."""
    return page.evaluate("document.querySelector('#fw-form-designer').fwDesigner.toJSON()")


def wait_for_preview(page) -> None:
    page.wait_for_selector(f"{DESIGNER}[data-preview=fresh]")


def open_designer(page) -> None:
    page.wait_for_selector(f"{DESIGNER}[data-ready=true]")
    page.wait_for_selector("[data-palette-key=text]")


def drag_from_palette(page, type_key: str) -> None:
    before = page.locator("[data-field-key]").count()
    page.drag_and_drop(f"[data-palette-key={type_key}]", ".fw-designer__drop")
    page.wait_for_function(
        "n => document.querySelectorAll('[data-field-key]').length === n", arg=before + 1
    )


def api_get(served, path: str) -> httpx.Response:
    return httpx.get(
        f"{served.base}{path}",
        headers={"Authorization": f"Bearer {served.admin_key}"},
        timeout=10,
    )


def test_build_publish_and_submit_a_form_from_nothing(context, served):
    page = context.new_page()
    # given the builder shell
    page.goto(f"{served.base}/builder")
    assert page.locator('[data-definition="forms/lead"]').count() == 1
    shot(page, "form-designer-01-builder")

    # when a new form is created, it opens empty in the designer
    new_form = page.locator('[data-app-key=crm] form[data-action="new-form"]')
    new_form.locator("input[name=key]").fill(FORM)
    new_form.locator("input[name=title]").fill("拜访记录")
    new_form.locator("button[type=submit]").click()
    page.wait_for_url(f"{served.base}/builder/{APP}/forms/{FORM}?title=*")
    open_designer(page)
    assert page.locator("[data-field-key]").count() == 0
    shot(page, "form-designer-02-empty")

    # three field types dragged from the palette onto the canvas
    for type_key in ("text", "phone", "select"):
        drag_from_palette(page, type_key)
    keys = [f["key"] for f in draft_json(page)["fields"]]
    types = [f["type"] for f in draft_json(page)["fields"]]
    assert types == ["text", "phone", "select"]
    assert keys == ["text", "phone", "dropdown"]
    shot(page, "form-designer-03-three-fields")

    # the text field becomes required and gets a label
    page.click("[data-field-key=text]")
    page.fill('.fw-designer__panel input[name="label.zh-CN"]', "公司名称")
    page.press('.fw-designer__panel input[name="label.zh-CN"]', "Tab")
    page.check(".fw-designer__panel input[name=required]")
    # the select gets two options
    page.click("[data-field-key=dropdown]")
    for index, value in enumerate(("电话拜访", "上门拜访")):
        page.click('.fw-designer__panel [data-action="add-option"]')
        option = f'.fw-designer__panel input[name="options.{index}.value"]'
        page.fill(option, value)
        page.press(option, "Tab")
    # and the form is opened to the public (form settings: click the canvas outside the fields)
    page.keyboard.press("Escape")
    page.check('.fw-designer__panel input[name="public.enabled"]')
    doc = draft_json(page)
    fields = {f["key"]: f for f in doc["fields"]}
    assert fields["text"]["required"] is True
    assert fields["text"]["label"]["zh-CN"] == "公司名称"
    assert [o["value"] for o in fields["dropdown"]["config"]["options"]] == ["电话拜访", "上门拜访"]
    assert doc["public"] == {"enabled": True}
    wait_for_preview(page)
    assert "公司名称" in page.frame_locator(".fw-designer__frame").locator("form").inner_text()
    shot(page, "form-designer-04-configured")
    page.click("[data-device=phone]")
    shot(page, "form-designer-04b-phone-preview")
    page.click("[data-device=desktop]")

    # Ctrl+S saves the draft the page holds
    page.click(".fw-designer__canvas", position={"x": 5, "y": 5})
    page.keyboard.press("Control+s")
    page.wait_for_selector('.fw-designer__status[data-kind="ok"]')
    stored = api_get(served, f"/api/apps/{APP}/forms/{FORM}").json()
    assert stored["status"] == "draft"
    assert stored["definition"] == draft_json(page)

    # publish: asked first (the first version), then the server's summary of changes is shown
    page.click('[data-action="publish"]')
    page.wait_for_selector('[data-overlay="publish"]')
    assert "第一个版本" in page.inner_text('[data-overlay="publish"]')
    page.click('[data-action="confirm-publish"]')
    page.wait_for_selector('.fw-designer__message[data-kind="ok"]')
    assert "v1" in page.inner_text(".fw-designer__message")
    assert "fields +3" in page.inner_text(".fw-designer__message")
    versions = api_get(served, f"/api/apps/{APP}/forms/{FORM}/versions").json()["items"]
    assert [v["version"] for v in versions] == [1]
    shot(page, "form-designer-05-published")

    # the public form is there, and a visitor submits it
    visitor = context.browser.new_context(locale="zh-CN").new_page()
    visitor.goto(f"{served.base}/f/{APP}/{FORM}")
    shot(visitor, "form-designer-06-public-form")
    visitor.fill("[name=text]", "星辰科技")
    visitor.fill("[name=phone]", "13800138000")
    visitor.select_option("[name=dropdown]", "上门拜访")
    visitor.click("button[type=submit]")
    visitor.wait_for_selector("text=提交成功")
    shot(visitor, "form-designer-07-thanks")
    visitor.context.close()

    # the record is there, through the API and on the record list
    records = api_get(served, f"/api/apps/{APP}/forms/{FORM}/records").json()["items"]
    assert len(records) == 1
    assert records[0]["data"]["text"] == "星辰科技"
    assert records[0]["data"]["dropdown"] == "上门拜访"
    page.goto(f"{served.base}/apps/{APP}/{FORM}")
    assert "星辰科技" in page.inner_text("main")
    shot(page, "form-designer-08-record-list")

    # and the builder shell shows the published version
    page.goto(f"{served.base}/builder")
    assert "v1" in page.inner_text(f'[data-definition="forms/{FORM}"]')
    page.close()


def test_a_required_field_left_empty_is_refused_on_the_public_form(context, served):
    visitor = context.browser.new_context(locale="zh-CN").new_page()
    visitor.goto(f"{served.base}/f/{APP}/{FORM}")
    visitor.fill("[name=phone]", "13800138001")
    visitor.click("button[type=submit]")
    visitor.wait_for_selector("[aria-invalid=true]")
    assert visitor.locator("[name=text][aria-invalid=true]").count() == 1
    visitor.context.close()


def test_publishing_again_asks_with_what_changed_and_cancel_publishes_nothing(context, served):
    # given the visit log published as v1, opened again with one label changed
    page = context.new_page()
    page.goto(f"{served.base}/builder/{APP}/forms/{FORM}")
    open_designer(page)
    page.click("[data-field-key=phone]")
    page.fill('.fw-designer__panel input[name="label.zh-CN"]', "联系电话")
    page.press('.fw-designer__panel input[name="label.zh-CN"]', "Tab")
    before = api_get(served, f"/api/apps/{APP}/forms/{FORM}/versions").json()["items"]
    published = [v["version"] for v in before if v.get("status", "published") == "published"]
    # when publish is pressed, the page asks first, naming the changed field against v1
    page.click('[data-action="publish"]')
    page.wait_for_selector('[data-overlay="publish"]')
    asked = page.inner_text('[data-overlay="publish"]')
    assert f"v{max(published)}" in asked, asked
    assert "联系电话 (phone)" in asked, asked
    shot(page, "form-designer-05b-publish-asks")
    # cancel publishes nothing (the draft is saved, the versions are as they were)
    page.click('[data-action="cancel-publish"]')
    assert page.locator('[data-overlay="publish"]').count() == 0
    after = api_get(served, f"/api/apps/{APP}/forms/{FORM}/versions").json()["items"]
    assert [v["version"] for v in after if v.get("status", "published") == "published"] == (
        published
    )
    # confirm publishes the next version
    page.click('[data-action="publish"]')
    page.click('[data-action="confirm-publish"]')
    page.wait_for_selector('.fw-designer__message[data-kind="ok"]')
    assert f"v{max(published) + 1}" in page.inner_text(".fw-designer__message")
    page.close()


def test_ten_edits_undone_and_redone_restore_the_exact_json(context, served):
    page = context.new_page()
    page.goto(f"{served.base}/builder/{APP}/forms/{FORM}")
    open_designer(page)
    original = json.dumps(draft_json(page), ensure_ascii=False)

    # ten edits of different kinds, through the page
    page.click("[data-palette-key=email]")  # 1 add (after nothing selected: at the end)
    page.click("[data-palette-key=number]")  # 2 add after the selected email field
    page.click(".fw-designer__panel input[name=required]")  # 3 flag
    label = '.fw-designer__panel input[name="label.en"]'
    page.fill(label, "Visitors")  # 4 label
    page.press(label, "Tab")
    page.click("[data-field-key=phone]")
    page.check(".fw-designer__panel input[name=hidden]")  # 5 flag
    page.drag_and_drop("[data-field-key=dropdown]", ".fw-designer__drop")  # 6 move
    page.click("[data-field-key=text]")
    help_en = '.fw-designer__panel input[name="help.en"]'
    page.fill(help_en, "The visited company")  # 7 help text
    page.press(help_en, "Tab")
    page.click("[data-field-key=email]")
    page.keyboard.press("Delete")  # 8 remove the selection
    assert page.locator("[data-field-key=email]").count() == 0
    page.click('[data-action="add-section"]')  # 9 layout
    page.keyboard.press("Escape")
    title = '.fw-designer__panel input[name="title.en"]'
    page.fill(title, "Visit log")  # 10 form title
    page.press(title, "Tab")
    page.click(".fw-designer__canvas", position={"x": 5, "y": 5})
    edited = json.dumps(draft_json(page), ensure_ascii=False)
    assert (
        page.evaluate("document.querySelector('#fw-form-designer').fwDesigner.history.size()") == 10
    )
    assert edited != original
    wait_for_preview(page)
    shot(page, "form-designer-09-ten-edits")

    # when every edit is undone with Ctrl+Z
    for _ in range(10):
        page.keyboard.press("Control+z")
    # then the JSON is the original byte for byte
    assert json.dumps(draft_json(page), ensure_ascii=False) == original
    wait_for_preview(page)
    shot(page, "form-designer-10-undone")

    # and Ctrl+Shift+Z redoes them all
    for _ in range(10):
        page.keyboard.press("Control+Shift+z")
    assert json.dumps(draft_json(page), ensure_ascii=False) == edited
    page.keyboard.press("?")
    assert page.locator('[data-overlay="shortcuts"]').count() == 1
    shot(page, "form-designer-11-shortcuts")
    page.keyboard.press("Escape")
    assert page.locator('[data-overlay="shortcuts"]').count() == 0
    page.close()


def test_problems_from_the_validator_are_drawn_on_their_field(context, served):
    page = context.new_page()
    page.goto(f"{served.base}/builder/{APP}/forms/{FORM}?lang=en")
    open_designer(page)
    page.click("[data-palette-key=formula]")
    expression = '.fw-designer__panel [name="expression"]'
    page.fill(expression, "{nowhere} + 1")
    page.press(expression, "Tab")
    page.keyboard.press("Control+s")
    problem = page.locator("[data-field-key=formula] [data-problem-code]")
    problem.first.wait_for()
    code = problem.first.get_attribute("data-problem-code")
    assert code == "condition_unknown_field"
    shot(page, "form-designer-12-problem")
    page.close()


def test_two_copies_of_one_draft_the_later_save_is_refused_not_lost(context, served):
    # Two tabs on the CRM lead form; the first adds a field and saves; the second, still based
    # on what it loaded, adds another and saves: refused (409) and said so, and the stored
    # draft is the first one's. Autosave then stops in the refused tab.
    first, second = context.new_page(), context.new_page()
    for page in (first, second):
        page.goto(f"{served.base}/builder/{APP}/forms/lead")
        open_designer(page)
    drag_from_palette(first, "text")
    first.click(".fw-designer__canvas", position={"x": 5, "y": 5})
    first.keyboard.press("Control+s")
    first.wait_for_selector('.fw-designer__status[data-kind="ok"]')
    kept = draft_json(first)

    drag_from_palette(second, "number")
    second.click(".fw-designer__canvas", position={"x": 5, "y": 5})
    second.keyboard.press("Control+s")
    second.wait_for_selector(f"{DESIGNER}[data-save-conflict=true]")
    status = second.locator(".fw-designer__status")
    assert status.get_attribute("data-kind") == "error"
    assert "别处保存" in status.inner_text()
    shot(second, "form-designer-09-stale-copy-refused")
    stored = api_get(served, f"/api/apps/{APP}/forms/lead").json()
    assert stored["definition"] == kept

    # a reload picks up the first one's work and saves again normally
    second.reload()
    open_designer(second)
    assert draft_json(second) == kept
    drag_from_palette(second, "number")
    second.click(".fw-designer__canvas", position={"x": 5, "y": 5})
    second.keyboard.press("Control+s")
    second.wait_for_selector('.fw-designer__status[data-kind="ok"]')
    assert len(api_get(served, f"/api/apps/{APP}/forms/lead").json()["definition"]["fields"]) == (
        len(kept["fields"]) + 1
    )
