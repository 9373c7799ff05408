"""Headless Chromium: a public lead's timeline shows its routing run; the run pages show steps."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.browser.kit import PASSWORD, shot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(served):
    """(base URL, admin API key) of this module's served Formwork."""
    return served.base, served.admin_key


def log_in(page, base: str, username: str, next_path: str) -> None:
    page.goto(f"{base}/login?next={next_path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{next_path}")


def public_lead(base: str, **values: object) -> int:
    created = httpx.post(f"{base}/f/crm/lead", json=values, timeout=10)
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def test_the_record_timeline_links_the_routing_run_and_its_steps(server, browser):
    base, _key = server
    record_id = public_lead(
        base, name="魏九", company="浦东智造", phone="13900004321", city="上海", company_size=1200
    )
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    record_path = f"/apps/crm/lead/{record_id}"
    log_in(page, base, "admin", record_path)
    # The server's background loop routes the lead; the timeline then shows the run.
    run_item = page.locator("[data-type=automation][data-run-id]", has_text="线索分配")
    for _ in range(50):
        if run_item.count():
            break
        page.wait_for_timeout(200)
        page.reload()
    run_item.first.wait_for()
    text = run_item.first.inner_text()
    assert "条件成立：上海（城市 = 上海）" in text
    assert "分配给 east_" in text
    assert "条件成立：超过 500 人（公司规模（人） = 1200）" in text
    assert "新建" in text  # caused by the record's creation
    shot(page, "runlog-record-timeline")

    run_item.first.locator("a[href^='/runs/']").click()
    page.wait_for_selector("[data-run-status]")
    assert page.locator("[data-run-status]").inner_text() == "已完成"
    assert page.locator(".fw-steps__item").count() > 10
    condition = page.locator(".fw-steps__item[data-kind=condition]", has_text="route_shanghai")
    assert '"values": {"city": "上海"}' in condition.inner_text()
    assert page.locator(".fw-run__summary li", has_text="通知 ka（in_app）").count() == 1
    shot(page, "runlog-run-detail")

    page.click(".fw-crumbs a[href$='/runs']")
    page.wait_for_url(f"{base}/apps/crm/flows/lead_routing/runs")
    assert page.locator(".fw-runs__item").count() >= 1
    shot(page, "runlog-run-list")
    assert errors == []


def test_a_phone_reads_the_run_in_english(server, browser):
    base, key = server
    record_id = public_lead(
        base, name="Ada", company="Harbour Ltd", phone="13900004322", city="北京"
    )
    headers = {"Authorization": f"Bearer {key}"}
    run_id = None
    for _ in range(50):  # the background loop starts the routing run within moments
        runs = httpx.get(
            f"{base}/api/apps/crm/flows/lead_routing/runs", headers=headers, timeout=5
        ).json()["items"]
        run_id = next((r["id"] for r in runs if r["record"]["id"] == record_id), None)
        if run_id is not None:
            break
        time.sleep(0.2)
    assert run_id is not None
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="en-US")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, base, "admin", f"/runs/{run_id}")
    page.goto(f"{base}/runs/{run_id}?lang=en")
    assert "Lead routing (v1)" in page.locator("h1").inner_text()
    assert page.locator(".fw-run__summary li", has_text="set Owner = wang").count() == 1
    shot(page, "runlog-run-phone-en")
    # the run's content fits the phone's screen (the shared top bar is not this page's)
    widest = page.evaluate(
        "Math.max(...[...document.querySelectorAll('main *')]"
        ".map(e => e.getBoundingClientRect().right))"
    )
    assert widest <= 390
    assert errors == []
