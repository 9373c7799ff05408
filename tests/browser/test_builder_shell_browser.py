"""The builder shell: duplicate a form into a new draft, delete it, and be told why not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.browser.kit import admin_context, shot


@pytest.fixture(scope="module")
def context(browser, served):
    with admin_context(browser, served) as ctx:
        yield ctx


def test_duplicate_then_delete_and_a_refused_delete(context, served):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "dialog", lambda dialog: dialog.accept("visit_copy" if dialog.type == "prompt" else None)
    )
    page.goto(f"{served.base}/builder")
    page.click("[data-definition='forms/followup'] [data-action=duplicate]")
    page.wait_for_url(f"{served.base}/builder/crm/forms/visit_copy")
    draft = served.api("GET", "/api/apps/crm/forms/visit_copy").json()
    assert (draft["status"], draft["definition"]["key"]) == ("draft", "visit_copy")
    page.goto(f"{served.base}/builder")
    assert page.locator("[data-definition='forms/visit_copy']").count() == 1
    page.click("[data-definition='forms/visit_copy'] [data-action=delete]")
    page.locator("[data-definition='forms/visit_copy']").wait_for(state="detached")
    assert served.api("GET", "/api/apps/crm/forms/visit_copy").status_code == 404
    # The lead form is used by flows: the shell says so and keeps it.
    page.click("[data-definition='forms/lead'] [data-action=delete]")
    page.wait_for_function(
        "document.querySelector('[data-message]').textContent.includes('lead_routing')"
    )
    assert page.locator("[data-message]").get_attribute("data-kind") == "error"
    assert page.locator("[data-definition='forms/lead']").count() == 1
    shot(page, "builder-shell-delete-refused")
    assert errors == []


def test_export_a_bundle_change_it_and_import_it_back(context, served, tmp_path):
    # given the CRM app exported from the shell
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{served.base}/builder")
    with page.expect_download() as download:
        page.click("[data-action=export]")
    bundle = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    # when one form's title is changed in the file and the file is imported
    assert bundle["app"]["key"] == "crm"
    followup = bundle["definitions"]["forms"]["followup"]
    followup["title"] = {"zh-CN": "导入后的跟进记录", "en": "Follow-up (imported)"}
    changed = tmp_path / "crm.json"
    changed.write_text(json.dumps(bundle, ensure_ascii=False), encoding="utf-8")
    page.set_input_files("input[data-action=import]", str(changed))
    # then the shell reports one definition published and the rest unchanged
    page.wait_for_function(
        "document.querySelector('[data-message]')?.dataset.kind === 'ok'", timeout=15_000
    )
    message = page.locator("[data-message]").inner_text()
    assert "1" in message, message
    shot(page, "builder-shell-imported")
    latest = served.api("GET", "/api/apps/crm/forms/followup").json()
    assert latest["definition"]["title"]["en"] == "Follow-up (imported)"
    assert latest["status"] == "published"
    assert errors == []


def test_a_new_app_then_a_new_flow_on_one_of_its_forms(context, served):
    # given the shell
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{served.base}/builder")
    # when an admin creates an app
    page.fill("form[data-action=new-app] input[name=key]", "service")
    page.fill("form[data-action=new-app] input[name=title]", "售后服务")
    page.click("form[data-action=new-app] button[type=submit]")
    page.locator("[data-app-key=service]").wait_for()
    assert "售后服务" in page.locator("[data-app-key=service] h2").inner_text()
    assert served.api("GET", "/api/apps").status_code == 200
    # a key already taken is refused in place, without a request
    page.fill("form[data-action=new-flow][data-app=crm] input[name=key]", "lead_routing")
    page.click("form[data-action=new-flow][data-app=crm] button[type=submit]")
    refusal = page.locator("form[data-action=new-flow][data-app=crm] [data-error]")
    assert refusal.is_visible()
    # and a new flow on the CRM contract form opens the flow designer on that form
    page.fill("form[data-action=new-flow][data-app=crm] input[name=key]", "contract_check")
    page.fill("form[data-action=new-flow][data-app=crm] input[name=title]", "合同检查")
    page.select_option("form[data-action=new-flow][data-app=crm] select[name=form]", "contract")
    shot(page, "builder-shell-new-flow")
    page.click("form[data-action=new-flow][data-app=crm] button[type=submit]")
    page.wait_for_url(f"{served.base}/builder/crm/flows/contract_check?*")
    assert "form=contract" in page.url
    page.locator("[data-node-id]").first.wait_for()
    assert page.locator("[data-node-id]").count() == 2  # an empty flow: start and end
    shot(page, "builder-shell-new-flow-designer")
    assert errors == []
