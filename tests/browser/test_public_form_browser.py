"""Headless Chromium: fill and submit the public lead form, directly and embedded elsewhere."""

from __future__ import annotations

import http.server
import threading

import httpx
import pytest

from tests.browser.kit import PASSWORD, free_port, shot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(served):
    """(base URL, admin API key) of this module's served Formwork."""
    return served.base, served.admin_key


@pytest.fixture(scope="module")
def host_page(tmp_path_factory, server):
    """A plain HTML page on another origin (another port) that embeds the lead form."""
    base, _key = server
    folder = tmp_path_factory.mktemp("host")
    (folder / "index.html").write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>星辰官网</title></head><body>"
        "<h1>联系我们</h1>"
        f"<script src='{base}/f/crm/lead/embed.js' data-lang='zh-CN' async></script>"
        "</body></html>",
        encoding="utf-8",
    )

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(folder), **kwargs)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Quiet)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/index.html?utm_source=website"
    httpd.shutdown()


def leads(base: str, key: str) -> list[dict]:
    response = httpx.get(
        f"{base}/api/apps/crm/forms/lead/records",
        headers={"Authorization": f"Bearer {key}"},
        timeout=5,
    )
    return response.json()["items"]


def test_fills_and_submits_the_public_lead_form(server, browser):
    base, key = server
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")  # a phone
    page.goto(f"{base}/f/crm/lead?utm_source=baidu")
    # submitting empty shows errors next to the fields and stores nothing
    before = len(leads(base, key))
    page.click("button.fw-form__submit")
    page.wait_for_selector(".fw-field__error")
    shot(page, "public-form-errors")
    assert len(leads(base, key)) == before
    page.fill("#fw-f-name", "周八")
    page.fill("#fw-f-company", "远山科技")
    page.fill("#fw-f-phone", "138 0013 8888")
    page.fill("#fw-f-title", "CEO")
    shot(page, "public-form-filled")
    page.click("button.fw-form__submit")
    page.wait_for_selector("text=感谢")
    shot(page, "public-form-thanks")
    created = [lead for lead in leads(base, key) if lead["data"].get("name") == "周八"]
    assert len(created) == 1
    assert created[0]["data"]["phone"] == "+8613800138888"
    assert created[0]["data"]["utm_source"] == "baidu"


def test_embedded_form_on_another_origin(server, host_page, browser):
    base, key = server
    page = browser.new_page(viewport={"width": 1000, "height": 900}, locale="zh-CN")
    page.goto(host_page)
    frame_element = page.wait_for_selector("iframe")
    frame = frame_element.content_frame()
    frame.wait_for_selector("#fw-f-name")
    page.wait_for_function("document.querySelector('iframe').offsetHeight > 300")
    frame.fill("#fw-f-name", "吴九")
    frame.fill("#fw-f-company", "海岸贸易")
    frame.fill("#fw-f-email", "wu@haian.cn")
    shot(page, "embedded-form-filled")
    frame.click("button.fw-form__submit")
    frame.wait_for_selector("text=感谢")
    shot(page, "embedded-form-thanks")
    created = [lead for lead in leads(base, key) if lead["data"].get("name") == "吴九"]
    assert len(created) == 1
    assert created[0]["data"]["utm_source"] == "website"
    assert created[0]["data"]["referrer"].startswith("http://127.0.0.1:")


def test_lead_appears_in_record_list_with_timeline(server, browser):
    base, _key = server
    lead = {"name": "郑十", "company": "长河物流", "phone": "13800138999"}
    assert httpx.post(f"{base}/f/crm/lead", json=lead, timeout=5).status_code == 201
    page = browser.new_page(locale="zh-CN")
    page.goto(f"{base}/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    page.click("a[data-form-key=lead]")
    page.wait_for_selector("table.fw-table")
    assert page.locator("text=郑十").count() == 1
    shot(page, "lead-list")
    page.locator("tr", has_text="郑十").locator("a").first.click()
    page.wait_for_selector(".fw-timeline__item")
    assert page.locator(".fw-timeline__item[data-kind=created]").count() == 1
    shot(page, "lead-detail")
