"""The builder shell: duplicate a form into a new draft, delete it, and be told why not."""

from __future__ import annotations

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
