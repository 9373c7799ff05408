"""Headless Chromium: the version history of both designers. A form published twice shows what
changed between v1 and v2 and restores v1 as the draft (one undoable edit, saved, never
published); the CRM quote approval's history lists its one version.
Screenshots go to test-artifacts/versions-*.png."""

from __future__ import annotations

import httpx
import pytest

from tests.browser.kit import admin_context, shot

pytestmark = pytest.mark.browser

APP = "crm"
FORM = "site_visit"
PANEL = "[data-versions]"


def form_v1() -> dict:
    return {
        "format": 1,
        "key": FORM,
        "title": {"zh-CN": "现场拜访", "en": "Site visit"},
        "fields": [
            {"key": "customer", "type": "text", "label": {"zh-CN": "客户", "en": "Customer"}},
            {"key": "note", "type": "textarea", "label": {"zh-CN": "备注", "en": "Note"}},
        ],
    }


def form_v2() -> dict:
    doc = form_v1()
    doc["fields"] = [
        {
            "key": "customer",
            "type": "text",
            "label": {"zh-CN": "客户名称", "en": "Customer"},
            "required": True,
        },
        {"key": "city", "type": "text", "label": {"zh-CN": "城市", "en": "City"}},
    ]
    return doc


def api(served, method: str, path: str, body: object | None = None) -> httpx.Response:
    return served.api(method, path, json=body)


@pytest.fixture(scope="module")
def context(browser, served):
    with admin_context(browser, served) as ctx:
        yield ctx


def test_form_history_shows_the_diff_and_restores_v1_as_the_draft(context, served):
    base = f"/api/apps/{APP}/forms/{FORM}"
    # given a form published twice, v2 changing a label, making it required, swapping a field
    for doc in (form_v1(), form_v2()):
        assert api(served, "PUT", base, doc).status_code == 200
        published = api(served, "POST", f"{base}/publish", {})
        assert published.status_code == 200, published.text
    assert published.json()["version"] == 2

    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{served.base}/builder/{APP}/forms/{FORM}")
    page.wait_for_selector("#fw-form-designer[data-ready=true]")
    assert page.locator("[data-field-key=city]").count() == 1

    # when History is opened, v1 → v2 is compared
    page.click("[data-action=history]")
    page.wait_for_selector(f"{PANEL}[data-state=ready]")
    assert page.locator("[data-version-row]").count() == 3  # the draft row, v2, v1
    diff = page.locator("[data-diff]")
    assert diff.get_attribute("data-from") == "1"
    assert diff.get_attribute("data-to") == "2"
    shot(page, "versions-01-form-diff")
    changed = diff.locator('[data-change="fields.changed"][data-id=customer]')
    assert changed.count() == 1
    assert "客户名称" in changed.locator('[data-path="/label/zh-CN"]').inner_text()
    assert changed.locator('[data-path="/required"]').count() == 1
    assert diff.locator('[data-change="fields.added"][data-id=city]').count() == 1
    assert diff.locator('[data-change="fields.removed"][data-id=note]').count() == 1
    assert diff.locator("[data-json] [data-line=changed]").count() >= 1
    shot(page, "versions-01-form-diff")

    # when v1 is restored as the draft
    page.click("[data-action=restore][data-version='1']")
    page.wait_for_selector(f"{PANEL}[data-restored='1']")
    shot(page, "versions-02-form-restored")

    # then the diff against the draft is empty, the canvas shows v1's fields
    page.wait_for_selector("[data-diff][data-to=draft] [data-no-changes]")
    page.click("[data-action=close-history]")
    assert page.locator(PANEL).count() == 0
    assert page.locator("[data-field-key=note]").count() == 1
    assert page.locator("[data-field-key=city]").count() == 0
    held = page.evaluate("document.querySelector('#fw-form-designer').fwDesigner.toJSON()")
    assert held == form_v1()

    # the draft was saved, the published version is still v2
    draft = api(served, "GET", base).json()
    assert draft["status"] == "draft"
    assert draft["definition"] == form_v1()
    versions = api(served, "GET", f"{base}/versions").json()["items"]
    published_rows = [row for row in versions if row["status"] == "published"]
    assert [row["version"] for row in published_rows] == [1, 2]
    assert api(served, "GET", f"{base}/versions/2").json()["definition"] == form_v2()

    # and the restore is one undoable edit
    page.keyboard.press("Control+z")
    assert page.locator("[data-field-key=city]").count() == 1
    assert page.locator("[data-field-key=note]").count() == 0
    shot(page, "versions-03-form-undone")
    assert errors == []
    page.close()


def test_the_quote_approval_history_lists_its_one_version(context, served):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{served.base}/builder/{APP}/flows/quote_approval")
    page.wait_for_selector("[data-ready=true]")
    page.click("[data-action=history]")
    page.wait_for_selector(f"{PANEL}[data-state=ready]")
    rows = page.locator("[data-version-row]")
    assert rows.count() == 2  # the draft row and v1
    assert page.locator("[data-version-row='1']").count() == 1
    assert "v1" in page.locator("[data-version-row='1']").inner_text()
    diff = page.locator("[data-diff]")
    assert diff.get_attribute("data-from") == "1"
    assert diff.get_attribute("data-to") == "draft"
    assert diff.locator("[data-no-changes]").count() == 1
    # the stored version and the page's draft differ in key order only: every JSON line pairs up
    assert diff.locator("[data-json] [data-line]").count() > 50
    assert diff.locator("[data-json] [data-line]:not([data-line=same])").count() == 0
    assert page.locator("[data-action=restore][data-version='1']").count() == 1
    shot(page, "versions-04-flow-history")
    assert errors == []
    page.close()
