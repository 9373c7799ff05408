"""Headless Chromium: the flow designer — a test run on the CRM quote approval, an automation
built by dragging and connecting, saved, published and triggered."""

from __future__ import annotations

from urllib.parse import quote

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
    log_in(page, base, "/")
    page.goto(f"{base}{path}")
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
    assert set(ids) == {
        "start",
        "mark_pending",
        "route",
        "director",
        "mark_approved",
        "end_approved",
    }
    steps = {
        node: page.locator(f"[data-node-id={node}] [data-step]").get_attribute("data-step")
        for node in ("start", "route", "director", "end_approved")
    }
    assert steps == {"start": "1", "route": "3", "director": "4", "end_approved": "6"}
    assert page.locator("[data-node-id=manager].fd-node--taken").count() == 0
    assert page.locator("[data-edge-id=route_to_director].fd-edge--taken").count() == 1
    verdict = page.locator("[data-trace-edge=route_to_director]").inner_text()
    assert "total = 700000" in verdict
    assert "discount = 0.7" in verdict
    assert page.locator("[data-trace-effect=create_task]").count() == 1
    shot(page, "flow-designer-quote-test-run")

    # Delete removes the selection, Ctrl+Z brings it back, Ctrl+Shift+Z removes it again
    page.click("[data-action=clear-test]")
    page.click("[data-node-id=manager] .fd-node__box")
    page.keyboard.press("Delete")
    assert page.locator("[data-node-id=manager]").count() == 0
    assert page.locator("[data-edge-id=manager_approved]").count() == 0
    page.keyboard.press("Control+z")
    assert page.locator("[data-node-id=manager]").count() == 1
    assert page.locator("[data-edge-id=manager_approved]").count() == 1
    page.keyboard.press("Control+Shift+z")
    assert page.locator("[data-node-id=manager]").count() == 0
    page.keyboard.press("Control+z")
    page.keyboard.press("?")
    assert page.locator("[data-help]").is_visible()
    shot(page, "flow-designer-shortcuts")
    page.keyboard.press("Escape")
    assert errors == []


def connect(page, source: str, port: str, target: str) -> None:
    drag(
        page,
        center(page, f"[data-node-id={source}] [data-port={port}]"),
        center(page, f"[data-node-id={target}] .fd-node__box"),
    )


def test_an_automation_built_by_dragging_is_published_and_notifies(server, browser):
    base, key = server
    title = quote("上海线索提醒")
    path = f"/builder/crm/flows/lead_shanghai_hello?form=lead&title={title}"
    page, errors = open_designer(browser, base, path)
    assert page.locator("[data-node-id]").count() == 2  # a new flow: start and end
    canvas = page.locator(".fd-svg").bounding_box()
    assert canvas

    # the trigger, on the start node: record created
    page.click("[data-node-id=start] .fd-node__box")
    page.select_option("[data-trigger-type]", "record_created")

    # drag a condition and an action in from the palette
    left, top = canvas["x"], canvas["y"]
    drag(
        page,
        center(page, "[data-palette-key=condition]"),
        (left + canvas["width"] * 0.4, top + 120),
    )
    drag(
        page,
        center(page, "[data-palette-key=action]"),
        (left + canvas["width"] * 0.6, top + canvas["height"] - 120),
    )
    assert page.locator("[data-node-id=condition_1]").count() == 1
    assert page.locator("[data-node-id=action_1]").count() == 1
    # the action was selected when dropped: notify admin
    page.fill(".fd-panel [name=title]", "上海新线索：{company}")
    page.press(".fd-panel [name=title]", "Tab")
    page.fill(".fd-panel [name=to]", '[{"type": "users", "users": ["admin"]}]')
    page.press(".fd-panel [name=to]", "Tab")
    shot(page, "flow-designer-automation-nodes")

    # saving now shows the validator's problems on the nodes they concern
    page.click(".fd-svg", position={"x": 5, "y": 5})
    page.keyboard.press("Control+s")
    page.wait_for_selector("[data-save-state=invalid]")
    assert page.locator("[data-node-id=condition_1] [data-problem-code=dead_end]").count() == 1
    codes = page.locator("[data-node-id=action_1] [data-problem-code]")
    found = {codes.nth(i).get_attribute("data-problem-code") for i in range(codes.count())}
    assert found == {"dead_end", "unreachable_node"}
    shot(page, "flow-designer-automation-problems")

    # connect: start → condition; its first branch (the default) → end; the second → notify → end
    connect(page, "start", "out", "condition_1")
    connect(page, "condition_1", "out", "end")
    connect(page, "condition_1", "out", "action_1")
    connect(page, "action_1", "out", "end")
    assert page.locator("[data-edge-id]").count() == 4
    # the last edge drawn from the condition is selected: give it its condition
    page.click("[data-edge-id=condition_1_action_1] .fd-edge__hit", force=True)
    # with the condition builder: city (城市) equals 上海
    page.click("[data-edge-condition] [data-cond-action=add-leaf]")
    page.select_option('[data-edge-condition] [data-cond-path="0"] select[data-cond=field]', "city")
    page.select_option('[data-edge-condition] [data-cond-path="0"] select[data-cond=value]', "上海")
    shot(page, "flow-designer-automation-connected")

    # save (Ctrl+S) and publish: no problems
    page.click(".fd-svg", position={"x": 5, "y": 5})
    page.keyboard.press("Control+s")
    page.wait_for_selector("[data-save-state=saved]")
    assert page.locator(".fd-node--problem, .fd-edge--problem").count() == 0
    page.click("[data-action=publish]")
    page.wait_for_selector("[data-publish-dialog]:not([hidden])")
    shot(page, "flow-designer-automation-publish-summary")
    with page.expect_response(lambda r: r.url.endswith("/lead_shanghai_hello/publish")) as answer:
        page.click("[data-action=confirm-publish]")
    assert answer.value.status == 200
    page.wait_for_selector("[data-save-state=published]")
    assert page.locator("[data-problem-code]").count() == 0
    shot(page, "flow-designer-automation-published")

    headers = {"Authorization": f"Bearer {key}"}
    published = httpx.get(
        f"{base}/api/apps/crm/flows/lead_shanghai_hello", headers=headers, timeout=10
    ).json()
    assert published["status"] == "published"
    definition = published["definition"]
    assert definition["trigger"] == {"type": "record_created"}
    assert {n["type"] for n in definition["nodes"]} == {"start", "condition", "action", "end"}
    branch = next(e for e in definition["edges"] if e["id"] == "condition_1_action_1")
    assert branch["condition"] == {"all": [{"field": "city", "op": "eq", "value": "上海"}]}
    action = next(n for n in definition["nodes"] if n["id"] == "action_1")
    assert action["config"]["action"] == "notify"

    # trigger it: a lead from Shanghai created through the API notifies admin
    created = httpx.post(
        f"{base}/api/apps/crm/forms/lead/records",
        json={"name": "钱七", "company": "外滩贸易", "phone": "13900001111", "city": "上海"},
        headers=headers,
        timeout=10,
    )
    assert created.status_code == 201, created.text
    titles: list[str] = []
    for _ in range(100):
        items = httpx.get(f"{base}/api/notifications", headers=headers, timeout=10).json()["items"]
        titles = [n["title"] for n in items]
        if "上海新线索：外滩贸易" in titles:
            break
        page.wait_for_timeout(200)
    assert "上海新线索：外滩贸易" in titles
    page.goto(f"{base}/notifications")
    page.wait_for_selector("text=上海新线索：外滩贸易")
    shot(page, "flow-designer-automation-notification")
    assert errors == []
