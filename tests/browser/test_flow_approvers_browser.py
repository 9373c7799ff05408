"""Headless Chromium: the approval node's pickers — the CRM quote approval's manager step set to
the role 销售经理 with 会签, a field hidden in the permission table, saved and read back."""

from __future__ import annotations

import httpx
import pytest

from tests.browser.kit import PASSWORD, shot

pytestmark = pytest.mark.browser


def open_designer(browser, base: str, path: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{base}/login?next=/")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}{path}")
    page.wait_for_selector("#fd-root[data-ready=true]")
    return page, errors


def test_the_manager_step_becomes_a_countersign_by_role_with_a_hidden_field(served, browser):
    base, key = served.base, served.admin_key
    page, errors = open_designer(browser, base, "/builder/crm/flows/quote_approval")
    page.click("[data-node-id=manager] .fd-node__box")
    page.wait_for_selector("[data-approvers=approvers]")
    # what the node has today is shown by the pickers, not as JSON
    assert page.locator("[data-approver-kind='0']").input_value() == "users"
    assert page.locator("[data-approver-users='0'] option:checked").all_inner_texts() == [
        "钱经理 (qian)"
    ]
    assert page.locator("[data-approval-mode]").input_value() == "single"
    assert page.locator("[data-duration-amount=after]").input_value() == "48"
    assert page.locator("[data-duration-unit=after]").input_value() == "H"
    assert page.locator("[data-permission-field=terms] [data-permission=editable]").is_checked()
    shot(page, "flow-approvers-before")

    page.select_option("[data-approver-kind='0']", "role")
    page.select_option("[data-approver-role='0']", label="销售经理 (sales_manager)")
    page.select_option("[data-approval-mode]", "all")
    page.check("[data-permission-field=total] [data-permission=hidden]")
    shot(page, "flow-approvers-edited")

    page.click("[data-action=save]")
    page.wait_for_selector("[data-save-state=saved]")
    assert page.locator("[data-problem-code]").count() == 0
    assert page.locator(".fd-node--problem, .fd-edge--problem").count() == 0
    page.locator("[data-approvers=approvers]").scroll_into_view_if_needed()
    shot(page, "flow-approvers-saved")

    answer = httpx.get(
        f"{base}/api/apps/crm/flows/quote_approval",
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    ).json()
    assert answer["status"] == "draft"
    manager = next(n for n in answer["definition"]["nodes"] if n["id"] == "manager")
    assert manager["config"]["approvers"] == [{"type": "role", "role": "sales_manager"}]
    assert manager["config"]["mode"] == "all"
    assert "ratio" not in manager["config"]
    assert manager["config"]["field_permissions"] == {
        "discount": "read_only",
        "items": "read_only",
        "terms": "editable",
        "total": "hidden",
    }
    assert manager["config"]["deadline"] == {"after": "PT48H"}
    # the director step was not touched
    director = next(n for n in answer["definition"]["nodes"] if n["id"] == "director")
    assert director["config"]["approvers"] == [{"type": "users", "users": ["zhao"]}]

    # Ctrl+Z takes the permission back (one command per edit)
    page.click(".fd-svg", position={"x": 5, "y": 5})
    page.keyboard.press("Control+z")
    page.click("[data-node-id=manager] .fd-node__box")
    assert page.locator("[data-permission-field=total] [data-permission=default]").is_checked()
    assert page.locator("[data-approval-mode]").input_value() == "all"
    assert errors == []


def test_the_director_step_goes_to_the_owners_manager(served, browser):
    base, key = served.base, served.admin_key
    page, errors = open_designer(browser, base, "/builder/crm/flows/quote_approval")
    page.click("[data-node-id=director] .fd-node__box")
    page.wait_for_selector("[data-approvers=approvers]")
    page.select_option("[data-approver-kind='0']", "department_head")
    # whose head: the submitter's by default, or the manager of the user in a user field
    picker = "[data-approver-head-of='0']"
    assert page.locator(picker).input_value() == ""
    whose = page.locator(f"{picker} option").all_inner_texts()
    assert whose == ["提交人的", "负责人（人员字段）的"]
    page.select_option(picker, "owner")
    page.fill("[data-approver-levels='0']", "2")
    page.press("[data-approver-levels='0']", "Tab")
    page.locator("[data-approvers=approvers]").scroll_into_view_if_needed()
    shot(page, "flow-approvers-head-of-owner")
    page.click("[data-action=save]")
    page.wait_for_selector("[data-save-state=saved]")
    answer = httpx.get(
        f"{base}/api/apps/crm/flows/quote_approval",
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    ).json()
    director = next(n for n in answer["definition"]["nodes"] if n["id"] == "director")
    assert director["config"]["approvers"] == [
        {"type": "department_head", "levels": 2, "field": "owner"}
    ]
    # "every head up to the top" keeps whose head it is
    page.click("[data-node-id=director] .fd-node__box")
    page.check("[data-approver-to-top='0']")
    assert page.locator(picker).input_value() == "owner"
    page.click(".fd-svg", position={"x": 5, "y": 5})
    page.keyboard.press("Control+z")
    page.click("[data-node-id=director] .fd-node__box")
    assert page.locator("[data-approver-levels='0']").input_value() == "2"
    assert errors == []


def test_a_second_copy_of_the_flow_draft_cannot_overwrite_the_first(served, browser):
    base, key = served.base, served.admin_key
    first, errors = open_designer(browser, base, "/builder/crm/flows/quote_approval")
    second, _ = open_designer(browser, base, "/builder/crm/flows/quote_approval")
    first.click("[data-node-id=director] .fd-node__box")
    first.keyboard.press("Delete")
    first.click("[data-action=save]")
    first.wait_for_selector("[data-save-state=saved], [data-save-state=problems]")

    second.click("[data-node-id=manager] .fd-node__box")
    second.keyboard.press("Delete")
    second.click("[data-action=save]")
    second.wait_for_selector("[data-save-state=conflict]")
    assert "别处保存" in second.inner_text("[data-save-state=conflict]")
    shot(second, "flow-designer-stale-copy-refused")
    stored = httpx.get(
        f"{base}/api/apps/crm/flows/quote_approval",
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    ).json()["definition"]
    ids = {node["id"] for node in stored["nodes"]}
    assert "manager" in ids
    assert "director" not in ids
    assert errors == []
