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
    # the result panel shows only what the run had (no stray text for absent parts)
    result = page.inner_text("[data-testrun-result]")
    assert "null" not in result, result
    assert "[object" not in result, result
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

    # saving the half-built flow stores the draft and shows the validator's problems on the
    # nodes they concern; publishing is refused while there are any
    page.click(".fd-svg", position={"x": 5, "y": 5})
    page.keyboard.press("Control+s")
    page.wait_for_selector("[data-save-state=problems]")
    assert page.locator("[data-node-id=condition_1] [data-problem-code=dead_end]").count() == 1
    codes = page.locator("[data-node-id=action_1] [data-problem-code]")
    found = {codes.nth(i).get_attribute("data-problem-code") for i in range(codes.count())}
    assert found == {"dead_end", "unreachable_node"}
    headers = {"Authorization": f"Bearer {key}"}
    stored = httpx.get(
        f"{base}/api/apps/crm/flows/lead_shanghai_hello", headers=headers, timeout=10
    ).json()
    assert stored["status"] == "draft"
    assert {n["id"] for n in stored["definition"]["nodes"]} >= {"condition_1", "action_1"}
    page.click("[data-action=publish]")
    page.wait_for_selector(".fd-notice:not([hidden])")
    assert page.locator("[data-publish-dialog]").is_hidden()
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


def transform(page, node: str) -> str | None:
    return page.get_attribute(f"[data-node-id={node}]", "transform")


def duplicate(key: str, base: str, admin_key: str) -> None:
    """A draft copy of the quote approval under `key` (so edits here leave the original alone)."""
    copied = httpx.post(
        f"{base}/api/apps/crm/flows/quote_approval/duplicate",
        json={"key": key},
        headers={"Authorization": f"Bearer {admin_key}"},
        timeout=10,
    )
    assert copied.status_code == 201, copied.text


def test_a_test_run_from_a_picked_record(server, browser):
    base, key = server
    headers = {"Authorization": f"Bearer {key}"}

    def post(form: str, body: dict) -> dict:
        answer = httpx.post(
            f"{base}/api/apps/crm/forms/{form}/records", json=body, headers=headers, timeout=10
        )
        assert answer.status_code == 201, answer.text
        return answer.json()

    account = post("account", {"name": "江滨制造"})
    opportunity = post(
        "opportunity", {"name": "江滨二期", "account": account["id"], "stage": "方案报价"}
    )
    big = post(
        "quote",
        {
            "opportunity": opportunity["id"],
            "discount": "0.7",
            "items": [{"product": "企业版", "quantity": 1, "unit_price": "800000"}],
        },
    )
    page, errors = open_designer(browser, base, "/builder/crm/flows/quote_approval")
    page.click("[data-action=test_run]")
    page.fill("[data-testrun-search]", big["data"]["number"])
    page.click("[data-action=search-records]")
    row = f"[data-testrun-records] [data-record-id='{big['id']}']"
    page.wait_for_selector(row)
    assert page.locator("[data-testrun-records] tbody tr").count() == 1
    assert big["data"]["number"] in page.locator(row).inner_text()
    # an id finds it too
    page.fill("[data-testrun-search]", f"#{big['id']}")
    page.press("[data-testrun-search]", "Enter")
    page.wait_for_selector(row)
    page.click(row)
    assert page.locator("[data-testrun-picked]").is_visible()
    sample = page.input_value("[data-testrun-record]")
    assert '"discount": "0.70"' in sample or '"discount": "0.7"' in sample
    assert '"total": "560000.00"' in sample
    page.fill("[data-testrun-submitter]", "north_a")
    page.fill("[data-testrun-events]", "approve zhao")
    page.click("[data-action=run-test]")
    page.wait_for_selector("[data-testrun-status]")
    assert page.get_attribute("[data-testrun-status]", "data-testrun-status") == "approved"
    assert page.locator("[data-node-id=director].fd-node--taken").count() == 1
    assert page.locator("[data-node-id=manager].fd-node--taken").count() == 0
    assert page.locator("[data-edge-id=route_to_director].fd-edge--taken").count() == 1
    assert 'total = "560000.00"' in page.locator("[data-trace-edge=route_to_director]").inner_text()
    shot(page, "flow-testrun-picked-record")
    assert errors == []


def test_an_edge_condition_with_a_none_of_group_and_a_field_comparison(server, browser):
    base, key = server
    duplicate("quote_conditions", base, key)
    page, errors = open_designer(browser, base, "/builder/crm/flows/quote_conditions")
    page.click("[data-edge-id=route_to_director] .fd-edge__hit", force=True)
    cond = "[data-edge-condition]"
    # total < subtotal: compared with another field, picked by its label
    page.select_option(f'{cond} [data-cond-path="0"] select[data-cond=op]', "lt")
    page.select_option(f'{cond} [data-cond-path="0"] select[data-cond=source]', "field")
    page.select_option(f'{cond} [data-cond-path="0"] select[data-cond=value-field]', "subtotal")
    # a "none of" group: status is 草稿, or some line item's product is 试用版
    page.click(f'{cond} [data-cond-path=""] > .fw-cond__actions [data-cond-action=add-not-group]')
    group = f'{cond} [data-cond-path="2"]'
    page.wait_for_selector(f"{group}[data-cond-mode=not_any]")
    page.click(f"{group} > .fw-cond__actions [data-cond-action=add-leaf]")
    page.select_option(f'{cond} [data-cond-path="2.not.0"] select[data-cond=field]', "status")
    page.select_option(f'{cond} [data-cond-path="2.not.0"] select[data-cond=value]', "草稿")
    page.click(f"{group} > .fw-cond__actions [data-cond-action=add-leaf]")
    page.select_option(
        f'{cond} [data-cond-path="2.not.1"] select[data-cond=field]', "items.product"
    )
    page.select_option(f'{cond} [data-cond-path="2.not.1"] select[data-cond=op]', "contains")
    page.fill(f'{cond} [data-cond-path="2.not.1"] input[data-cond=value]', "试用版")
    page.press(f'{cond} [data-cond-path="2.not.1"] input[data-cond=value]', "Tab")
    shot(page, "flow-condition-none-of-and-field")

    page.click(".fd-svg", position={"x": 5, "y": 5})
    page.keyboard.press("Control+s")
    page.wait_for_selector("[data-save-state=saved]")
    stored = httpx.get(
        f"{base}/api/apps/crm/flows/quote_conditions",
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    ).json()
    branch = next(e for e in stored["definition"]["edges"] if e["id"] == "route_to_director")
    assert branch["condition"] == {
        "all": [
            {"field": "total", "op": "lt", "value": {"field": "subtotal"}},
            {"field": "discount", "op": "lt", "value": 0.8},
            {
                "not": {
                    "any": [
                        {"field": "status", "op": "eq", "value": "草稿"},
                        {"field": "items.product", "op": "contains", "value": "试用版"},
                    ]
                }
            },
        ]
    }
    # read back: a reload shows the same rows; "none of" can become "not all"
    page.reload()
    page.wait_for_selector("#fd-root[data-ready=true]")
    page.click("[data-edge-id=route_to_director] .fd-edge__hit", force=True)
    assert page.input_value(f'{cond} [data-cond-path="0"] select[data-cond=value-field]') == (
        "subtotal"
    )
    page.select_option(
        f'{cond} [data-cond-path="2"] > .fw-cond__head select[data-cond=kind]', "not_all"
    )
    page.wait_for_selector(f'{cond} [data-cond-path="2"][data-cond-mode=not_all]')
    # one Ctrl+Z (focus back on the canvas, the edge still selected) takes it back
    page.click("[data-edge-id=route_to_director] .fd-edge__hit", force=True)
    page.keyboard.press("Control+z")
    page.wait_for_selector(f'{cond} [data-cond-path="2"][data-cond-mode=not_any]')
    assert errors == []


def test_several_nodes_selected_deleted_moved_copied_and_pasted_as_one_step_each(server, browser):
    base, key = server
    duplicate("quote_multi", base, key)
    page, errors = open_designer(browser, base, "/builder/crm/flows/quote_multi")
    canvas = "#fd-root .fd-canvas"
    nodes = page.locator("[data-node-id]").count()
    edges = page.locator("[data-edge-id]").count()

    # Shift+click: two nodes; Delete removes both with their edges; one Ctrl+Z brings all back
    page.click("[data-node-id=director] .fd-node__box")
    page.click("[data-node-id=manager] .fd-node__box", modifiers=["Shift"])
    assert page.get_attribute(canvas, "data-selected") == "2"
    assert page.locator(".fd-node--selected").count() == 2
    shot(page, "flow-multiselect")
    page.keyboard.press("Delete")
    assert page.locator("[data-node-id=director], [data-node-id=manager]").count() == 0
    assert page.locator("[data-edge-id]").count() == edges - 6
    page.keyboard.press("Control+z")
    assert page.locator("[data-node-id]").count() == nodes
    assert page.locator("[data-edge-id]").count() == edges
    page.keyboard.press("Control+Shift+z")
    assert page.locator("[data-node-id]").count() == nodes - 2
    page.keyboard.press("Control+z")
    assert page.locator("[data-node-id]").count() == nodes

    # dragging one of two selected nodes moves both; one Ctrl+Z puts both back
    page.click("[data-node-id=director] .fd-node__box")
    page.click("[data-node-id=manager] .fd-node__box", modifiers=["Shift"])
    before = (transform(page, "director"), transform(page, "manager"))
    x, y = center(page, "[data-node-id=director] .fd-node__box")
    drag(page, (x, y), (x, y + 60))
    after = (transform(page, "director"), transform(page, "manager"))
    assert after[0] != before[0]
    assert after[1] != before[1]
    page.keyboard.press("Control+z")
    assert (transform(page, "director"), transform(page, "manager")) == before

    # a rubber band (Shift+drag on the background) picks the nodes it touches and their edge
    page.keyboard.press("Escape")
    first = page.locator("[data-node-id=mark_approved] .fd-node__box").bounding_box()
    last = page.locator("[data-node-id=end_approved] .fd-node__box").bounding_box()
    assert first
    assert last
    page.keyboard.down("Shift")
    drag(
        page,
        (first["x"] - 8, first["y"] - 8),
        (last["x"] + last["width"] + 8, last["y"] + last["height"] + 8),
    )
    page.keyboard.up("Shift")
    assert page.get_attribute(canvas, "data-selected") == "3"
    selected = page.locator(".fd-node--selected")
    assert {selected.nth(i).get_attribute("data-node-id") for i in range(2)} == {
        "mark_approved",
        "end_approved",
    }
    assert page.locator(".fd-edge--selected").get_attribute("data-edge-id") == (
        "mark_approved_to_end_approved"
    )
    shot(page, "flow-rubber-band")

    # Ctrl+C / Ctrl+V: new nodes with new ids, the edge between them, selected; one undo
    page.keyboard.press("Control+c")
    page.keyboard.press("Control+v")
    assert page.locator("[data-node-id=action_1]").count() == 1
    assert page.locator("[data-node-id=end_1]").count() == 1
    assert page.locator("[data-edge-id=action_1_end_1]").count() == 1
    assert page.get_attribute(canvas, "data-selected") == "3"
    assert transform(page, "action_1") != transform(page, "mark_approved")
    shot(page, "flow-paste")
    page.keyboard.press("Control+z")
    assert page.locator("[data-node-id=action_1], [data-node-id=end_1]").count() == 0
    assert page.locator("[data-node-id]").count() == nodes
    page.keyboard.press("Control+Shift+z")
    assert page.locator("[data-node-id=action_1], [data-node-id=end_1]").count() == 2
    assert errors == []


def api_json(base: str, key: str, method: str, path: str, body: dict | None = None) -> dict:
    answer = httpx.request(
        method, f"{base}{path}", json=body, headers={"Authorization": f"Bearer {key}"}, timeout=10
    )
    assert answer.status_code < 300, answer.text
    return answer.json()


def test_a_negated_row_a_row_test_field_bounds_and_a_formula_leaf(server, browser):
    base, key = server
    duplicate("quote_rows", base, key)
    page, errors = open_designer(browser, base, "/builder/crm/flows/quote_rows")
    page.click("[data-edge-id=route_to_director] .fd-edge__hit", force=True)
    cond = "[data-edge-condition]"
    # not (discount < 0.8): the single row negated
    page.click(f'{cond} [data-cond-path="1"] > [data-cond-action=negate]')
    page.wait_for_selector(f'{cond} [data-cond-path="1"][data-cond-not]')
    assert page.locator(f'{cond} [data-cond-path="1.not"]').count() == 1
    # some row of 报价明细 has a unit price above 100000
    page.click(f'{cond} [data-cond-path=""] > .fw-cond__actions [data-cond-action=add-rows]')
    row = f'{cond} [data-cond-path="2.where.0"]'
    page.wait_for_selector(row)
    page.select_option(f"{row} select[data-cond=field]", "items.unit_price")
    page.select_option(f"{row} select[data-cond=op]", "gt")
    page.fill(f"{row} input[data-cond=value]", "100000")
    page.press(f"{row} input[data-cond=value]", "Tab")
    # total between 1 and the subtotal (a field as the high bound)
    page.click(f'{cond} [data-cond-path=""] > .fw-cond__actions [data-cond-action=add-leaf]')
    pair = f'{cond} [data-cond-path="3"]'
    page.select_option(f"{pair} select[data-cond=field]", "total")
    page.select_option(f"{pair} select[data-cond=op]", "between")
    page.fill(f"{pair} input[data-cond=value-low]", "1")
    page.press(f"{pair} input[data-cond=value-low]", "Tab")
    page.select_option(f"{pair} select[data-cond=source-high]", "field")
    page.select_option(f"{pair} select[data-cond=value-field-high]", "subtotal")
    # a formula leaf, typed in the formula editor; its live value comes from the server
    page.click(f'{cond} [data-cond-path=""] > .fw-cond__actions [data-cond-action=add-formula]')
    text = f'{cond} [data-cond-path="4"] textarea[name="edge-condition.4.formula"]'
    page.wait_for_selector(text)
    page.fill(text, "{subtotal} >= {total}")
    page.press(text, "Tab")
    page.wait_for_selector(f'{cond} [data-cond-path="4"] [data-formula-result][data-state=ok]')
    page.locator(cond).scroll_into_view_if_needed()
    shot(page, "flow-condition-rows-formula")

    page.click(".fd-svg", position={"x": 5, "y": 5})
    page.keyboard.press("Control+s")
    page.wait_for_selector("[data-save-state=saved]")
    stored = api_json(base, key, "GET", "/api/apps/crm/flows/quote_rows")
    branch = next(e for e in stored["definition"]["edges"] if e["id"] == "route_to_director")
    assert branch["condition"] == {
        "all": [
            {"field": "total", "op": "gt", "value": 500000},
            {"not": {"field": "discount", "op": "lt", "value": 0.8}},
            {
                "some": "items",
                "where": {"all": [{"field": "items.unit_price", "op": "gt", "value": 100000}]},
            },
            {"field": "total", "op": "between", "value": [1, {"field": "subtotal"}]},
            {"formula": "{subtotal} >= {total}"},
        ]
    }

    # the server runs it: one big line at a light discount goes to the director, many small
    # lines of the same total do not
    def verdict(unit_price: str, quantity: int) -> bool:
        record = {
            "items": [{"product": "企业版", "quantity": quantity, "unit_price": unit_price}],
            "subtotal": "800000.00",
            "discount": "0.9",
            "total": "720000.00",
        }
        result = api_json(
            base,
            key,
            "POST",
            "/api/apps/crm/flows/quote_rows/simulate",
            {"record": record, "submitter": "north_a"},
        )
        seen = [
            e["data"]["result"]
            for s in result["steps"]
            for e in s["trace"]
            if e["kind"] == "condition" and e["data"].get("edge") == "route_to_director"
        ]
        assert seen, result
        return bool(seen[0])

    assert verdict("800000", 1) is True
    assert verdict("4000", 200) is False
    # reloaded, the builder shows the same rows; the negation is taken away with its button
    page.reload()
    page.wait_for_selector("#fd-root[data-ready=true]")
    page.click("[data-edge-id=route_to_director] .fd-edge__hit", force=True)
    assert page.input_value(f'{cond} [data-cond-path="2"] select[data-cond=rows-mode]') == "some"
    assert page.input_value(f"{pair} select[data-cond=value-field-high]") == "subtotal"
    page.click(f'{cond} [data-cond-path="1"] > .fw-cond__head [data-cond-action=negate]')
    page.wait_for_selector(f'{cond} [data-cond-path="1"] > select[data-cond=field]')
    assert page.locator(f'{cond} [data-cond-path="1.not"]').count() == 0
    assert errors == []


def test_an_edge_re_routed_by_dragging_its_end_and_a_pinch_zoom(server, browser):
    base, key = server
    duplicate("quote_reroute", base, key)
    page, errors = open_designer(browser, base, "/builder/crm/flows/quote_reroute")
    url = "/api/apps/crm/flows/quote_reroute"

    def edge(edge_id: str) -> dict:
        """The edge as stored after Ctrl+S (a re-routed edge may leave a node unreachable)."""
        page.keyboard.press("Control+s")
        page.wait_for_selector("[data-save-state=saved], [data-save-state=problems]")
        stored = api_json(base, key, "GET", url)["definition"]["edges"]
        return next(e for e in stored if e["id"] == edge_id)

    moving = "mark_approved_to_end_approved"
    page.click(f"[data-edge-id={moving}] .fd-edge__hit", force=True)
    handle = f"[data-edge-handles={moving}] [data-edge-end=to]"
    page.wait_for_selector(handle)
    shot(page, "flow-edge-handles")
    drag(page, center(page, handle), center(page, "[data-node-id=end_rejected] .fd-node__box"))
    page.wait_for_selector(f"[data-edge-handles={moving}] [data-edge-end=to]")
    rerouted = edge(moving)
    assert (rerouted["from"], rerouted["to"]) == ("mark_approved", "end_rejected")
    shot(page, "flow-edge-rerouted")
    # one Ctrl+Z puts it back, Ctrl+Shift+Z re-routes it again
    page.keyboard.press("Control+z")
    assert edge(moving)["to"] == "end_approved"
    page.keyboard.press("Control+Shift+z")
    assert edge(moving)["to"] == "end_rejected"
    # refused: the director branch onto the manager (route has that edge), nothing stored
    page.click("[data-edge-id=route_to_director] .fd-edge__hit", force=True)
    end = "[data-edge-handles=route_to_director] [data-edge-end=to]"
    page.wait_for_selector(end)
    drag(page, center(page, end), center(page, "[data-node-id=manager] .fd-node__box"))
    page.wait_for_selector(".fd-notice:not([hidden])")
    assert "已有同样的连线" in page.inner_text(".fd-notice")
    assert edge("route_to_director")["to"] == "director"
    # the tail onto the manager's approved exit, which is taken
    page.click(f"[data-edge-id={moving}] .fd-edge__hit", force=True)
    tail = f"[data-edge-handles={moving}] [data-edge-end=from]"
    page.wait_for_selector(tail)
    drag(page, center(page, tail), center(page, "[data-node-id=manager] [data-port=approved]"))
    page.wait_for_function("document.querySelector('.fd-notice').textContent.includes('出口')")
    assert edge(moving)["from"] == "mark_approved"

    # two pointers spreading apart zoom in around their middle
    before = float(page.get_attribute(".fd-canvas", "data-zoom") or "0")
    page.evaluate(
        """() => {
          const svg = document.querySelector('.fd-svg');
          const box = svg.getBoundingClientRect();
          const y = box.top + box.height - 40;
          const fire = (type, id, x) => svg.dispatchEvent(new PointerEvent(type, {
            pointerId: id, pointerType: 'touch', isPrimary: id === 11, clientX: x, clientY: y,
            bubbles: true, cancelable: true, button: 0, buttons: 1,
          }));
          const x0 = box.left + 300;
          fire('pointerdown', 11, x0);
          fire('pointerdown', 12, x0 + 60);
          for (let step = 1; step <= 6; step += 1) fire('pointermove', 12, x0 + 60 + step * 10);
          fire('pointerup', 12, x0 + 120);
          fire('pointerup', 11, x0);
        }"""
    )
    after = float(page.get_attribute(".fd-canvas", "data-zoom") or "0")
    assert after == pytest.approx(min(3.0, before * 2), abs=0.02)
    assert page.get_attribute(".fd-canvas", "data-pinching") is None
    shot(page, "flow-pinch-zoom")
    assert errors == []


def test_a_draft_with_problems_runs_and_a_dangling_edge_stops_the_run(server, browser):
    base, key = server
    duplicate("quote_broken", base, key)
    url = "/api/apps/crm/flows/quote_broken"
    doc = api_json(base, key, "GET", url)["definition"]
    next(e for e in doc["edges"] if e["id"] == "route_to_manager")["to"] = "ghost"
    notify = {"action": "notify", "params": {"to": [{"type": "submitter"}], "title": "hi"}}
    doc["nodes"].append(
        {"id": "lonely", "type": "action", "position": {"x": 0, "y": 600}, "config": notify}
    )
    saved = api_json(base, key, "PUT", url, doc)
    assert saved["problems"]
    page, errors = open_designer(browser, base, "/builder/crm/flows/quote_broken")
    page.click("[data-action=test_run]")
    # the small quote takes the branch whose edge leads nowhere: the run stops at 分支
    page.fill("[data-testrun-record]", '{"total": 9000, "discount": 0.9}')
    page.fill("[data-testrun-submitter]", "north_a")
    page.click("[data-action=run-test]")
    page.wait_for_selector("[data-testrun-stopped=dangling_edge]")
    stop = page.inner_text("[data-testrun-stopped]")
    assert "route" in stop
    assert "ghost" in stop
    assert page.locator("[data-node-id=route].fd-node--stopped").count() == 1
    assert page.locator("[data-node-id=start].fd-node--taken").count() == 1
    listed = page.locator("[data-testrun-problems] [data-problem-code]")
    codes = {listed.nth(i).get_attribute("data-problem-code") for i in range(listed.count())}
    assert {"dangling_edge", "unreachable_node"} <= codes
    shot(page, "flow-testrun-stopped")
    # the big quote goes the other way: it runs, the problems listed beside the trace
    page.fill("[data-testrun-record]", '{"total": 700000, "discount": 0.7}')
    page.fill("[data-testrun-events]", "approve zhao")
    page.click("[data-action=run-test]")
    page.wait_for_selector("[data-testrun-status=approved]")
    assert page.locator("[data-testrun-stopped]").count() == 0
    assert page.locator("[data-testrun-problems]").count() == 1
    assert page.locator("[data-node-id=director].fd-node--taken").count() == 1
    shot(page, "flow-testrun-draft-problems")
    assert errors == []


def test_the_record_picker_pages_and_finds_a_number_exactly(server, browser):
    base, key = server

    def post(form: str, body: dict) -> dict:
        return api_json(base, key, "POST", f"/api/apps/crm/forms/{form}/records", body)

    account = post("account", {"name": "翠湖贸易"})
    opportunity = post(
        "opportunity", {"name": "翠湖一期", "account": account["id"], "stage": "方案报价"}
    )
    made = [
        post(
            "quote",
            {
                "opportunity": opportunity["id"],
                "discount": "0.85",
                "items": [{"product": "标准版", "quantity": 1, "unit_price": str(1000 + n)}],
            },
        )
        for n in range(9)
    ]
    page, errors = open_designer(browser, base, "/builder/crm/flows/quote_approval")
    page.click("[data-action=test_run]")
    page.fill("[data-testrun-search]", "0.85")
    page.press("[data-testrun-search]", "Enter")
    rows = "[data-testrun-records] tbody tr"
    page.wait_for_selector("[data-action=more-records]")
    assert page.locator(rows).count() == 8
    page.click("[data-action=more-records]")
    page.wait_for_function(
        f"document.querySelectorAll('{rows}').length === 9"
        " && !document.querySelector('[data-action=more-records]')"
    )
    shown = {page.locator(rows).nth(i).get_attribute("data-record-id") for i in range(9)}
    assert shown == {str(quote["id"]) for quote in made}
    shot(page, "flow-testrun-picker-more")
    # a money total typed as a number finds the one quote with that total
    page.fill("[data-testrun-search]", "1,003.00")
    page.press("[data-testrun-search]", "Enter")
    page.wait_for_function(f"document.querySelectorAll('{rows}').length === 1")
    total = made[3]["data"]["total"]
    assert total.startswith("852.55")
    page.fill("[data-testrun-search]", total)
    page.press("[data-testrun-search]", "Enter")
    page.wait_for_selector(f"{rows}[data-record-id='{made[3]['id']}']")
    assert page.locator(rows).count() == 1
    assert errors == []
