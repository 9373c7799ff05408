"""Headless Chromium: the flow designer — a test run on the CRM quote approval, an automation
built by dragging and connecting, saved, published and triggered."""

from __future__ import annotations

import httpx
import pytest

from tests.browser.kit import PASSWORD, shot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(served):
    """(base URL, admin API key) of this module's served Formwork."""
    return served.base, served.admin_key


def log_in(page, base: str, next_path: str) -> None:
    page.goto(f"{base}/login?next={next_path}")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{next_path}")


def open_designer(browser, base: str, path: str, *, lang: str = "zh-CN"):
    page = browser.new_page(viewport={"width": 1400, "height": 900}, locale=lang)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, base, path)
    page.wait_for_selector("#fd-root[data-ready=true]")
    return page, errors


def center(page, selector: str) -> tuple[float, float]:
    box = page.locator(selector).bounding_box()
    assert box, f"{selector} is on screen"
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def drag(page, start: tuple[float, float], end: tuple[float, float]) -> None:
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move((start[0] + end[0]) / 2, (start[1] + end[1]) / 2, steps=5)
    page.mouse.move(*end, steps=5)
    page.mouse.up()


def test_a_test_run_of_the_quote_approval_highlights_the_path_taken(server, browser):
    base, _key = server
    page, errors = open_designer(browser, base, "/builder/crm/flows/quote_approval")
    assert page.locator("[data-palette-key=approval]").count() == 1
    assert page.locator("[data-node-id=director]").count() == 1
    assert page.locator("[data-edge-id=route_to_director]").count() == 1
    shot(page, "flow-designer-quote-approval")

    page.click("[data-action=test_run]")
    page.fill("[data-testrun-record]", '{"total": 700000, "discount": 0.7, "status": "草稿"}')
    page.fill("[data-testrun-submitter]", "north_a")
    page.fill("[data-testrun-events]", "approve zhao")
    page.click("[data-action=run-test]")
    page.wait_for_selector("[data-testrun-status]")
    assert page.get_attribute("[data-testrun-status]", "data-testrun-status") == "approved"
    taken = page.locator(".fd-node--taken")
    ids = [taken.nth(i).get_attribute("data-node-id") for i in range(taken.count())]
    assert set(ids) == {"start", "mark_pending", "route", "director", "mark_approved", "end_approved"}
    steps = {
        node: page.locator(f"[data-node-id={node}] [data-step]").get_attribute("data-step")
        for node in ("start", "route", "director", "end_approved")
    }
    assert steps == {"start": "1", "route": "3", "director": "4", "end_approved": "6"}
    assert page.locator("[data-node-id=manager].fd-node--taken").count() == 0
    assert page.locator("[data-edge-id=route_to_director].fd-edge--taken").count() == 1
    verdict = page.locator("[data-trace-edge=route_to_director]").inner_text()
    assert "total = 700000" in verdict and "discount = 0.7" in verdict
    assert page.locator("[data-trace-effect=create_task]").count() == 1
    shot(page, "flow-designer-quote-test-run")
    assert errors == []
