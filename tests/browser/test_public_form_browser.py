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


def tabbed_form() -> dict:
    def text(key: str, zh: str, en: str, **extra) -> dict:
        return {"key": key, "type": "text", "label": {"zh-CN": zh, "en": en}, **extra}

    return {
        "format": 1,
        "key": "site_survey",
        "title": {"zh-CN": "现场勘察申请", "en": "Site survey request"},
        "fields": [
            text("contact", "联系人", "Contact", required=True),
            text("company", "公司", "Company", required=True),
            {"key": "area", "type": "number", "label": {"zh-CN": "面积", "en": "Area"}},
            {
                "key": "budget",
                "type": "number",
                "label": {"zh-CN": "预算（万元）", "en": "Budget"},
                "required": True,
                "required_message": {
                    "zh-CN": "请填写预算，便于安排勘察人员",
                    "en": "Tell us your budget so we can plan the survey",
                },
            },
            {"key": "invoice", "type": "boolean", "label": {"zh-CN": "需要发票", "en": "Invoice"}},
            text(
                "invoice_title",
                "发票抬头",
                "Invoice title",
                visible_when={"field": "invoice", "op": "eq", "value": True},
            ),
        ],
        "layout": [
            {"type": "section", "items": ["contact"]},
            {
                "type": "tabs",
                "tabs": [
                    {"key": "who", "title": {"zh-CN": "单位"}, "items": ["company"]},
                    {
                        "key": "need",
                        "title": {"zh-CN": "需求", "en": "Needs"},
                        "items": ["area", "budget", "invoice"],
                    },
                    {
                        "key": "bill",
                        "title": {"zh-CN": "开票", "en": "Billing"},
                        "items": ["invoice_title"],
                    },
                ],
            },
        ],
        "public": {"enabled": True},
    }


@pytest.fixture(scope="module")
def survey(served) -> str:
    base = "/api/apps/crm/forms/site_survey"
    assert served.api("PUT", base, json=tabbed_form()).status_code == 200
    published = served.api("POST", f"{base}/publish", json={})
    assert published.status_code == 200, published.text
    return f"{served.base}/f/crm/site_survey"


def tab_state(page) -> list[tuple[str, str | None, bool]]:
    """(label, aria-selected, shown) of every tab of the first tab strip."""
    return page.eval_on_selector_all(
        ".fw-tabs__tab",
        "els => els.map(e => [e.querySelector('.fw-tabs__label').textContent,"
        " e.getAttribute('aria-selected'), !e.hidden])",
    )


def test_tabs_show_one_panel_move_by_keyboard_and_open_the_tab_with_a_problem(survey, browser):
    page = browser.new_page(viewport={"width": 1000, "height": 800}, locale="zh-CN")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(survey)
    # given the tab strip: the first tab open, the billing tab hidden (its only field is)
    page.wait_for_selector(".fw-tabs--enhanced [role=tablist]")
    assert [tuple(t) for t in tab_state(page)] == [
        ("单位", "true", True),
        ("需求", "false", True),
        ("开票", "false", False),
    ]
    assert page.is_visible("#fw-f-company")
    assert not page.is_visible("#fw-f-budget")
    assert not page.is_visible(".fw-tabs .fw-block__title")  # the tab names the panel
    panel = page.locator("#fw-tabs-1-panel-0")
    assert panel.get_attribute("role") == "tabpanel"
    assert panel.get_attribute("aria-labelledby") == "fw-tabs-1-panel-0-tab"
    assert page.get_attribute("#fw-tabs-1-panel-0-tab", "aria-controls") == "fw-tabs-1-panel-0"
    shot(page, "public-form-tabs-01-first")

    # when the arrows move along the strip (the hidden tab skipped, wrapping around)
    page.focus("#fw-tabs-1-panel-0-tab")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.id") == "fw-tabs-1-panel-1-tab"
    assert page.is_visible("#fw-f-budget")
    assert not page.is_visible("#fw-f-company")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.id") == "fw-tabs-1-panel-0-tab"
    page.keyboard.press("End")
    assert page.get_attribute("#fw-tabs-1-panel-1-tab", "aria-selected") == "true"
    assert page.get_attribute("#fw-tabs-1-panel-1-tab", "tabindex") == "0"
    assert page.get_attribute("#fw-tabs-1-panel-0-tab", "tabindex") == "-1"
    # a condition showing a field brings its tab back
    page.check("#fw-f-invoice")
    assert [t[2] for t in tab_state(page)] == [True, True, True]
    page.click("#fw-tabs-1-panel-2-tab")
    assert page.is_visible("#fw-f-invoice_title")
    shot(page, "public-form-tabs-02-billing")

    # when submitted with the budget (second tab) missing, from the first tab
    page.click("#fw-tabs-1-panel-0-tab")
    page.fill("#fw-f-contact", "李工")
    page.fill("#fw-f-company", "青山建筑")
    page.click("button.fw-form__submit")
    page.wait_for_selector(".fw-field__error")
    # then the page stays, on the tab holding the problem, with the field's own message
    assert page.get_attribute("#fw-tabs-1-panel-1-tab", "aria-selected") == "true"
    assert page.inner_text("#fw-f-budget-error") == "请填写预算，便于安排勘察人员"
    assert page.get_attribute("#fw-f-budget", "aria-invalid") == "true"
    assert "fw-tabs__tab--invalid" in page.get_attribute("#fw-tabs-1-panel-1-tab", "class")
    assert "fw-tabs__tab--invalid" not in page.get_attribute("#fw-tabs-1-panel-0-tab", "class")
    assert page.evaluate("document.activeElement.id") == "fw-f-budget"
    assert page.input_value("#fw-f-contact") == "李工"
    shot(page, "public-form-tabs-03-problem")
    # the server says the same, in the visitor's language
    refused = httpx.post(survey, json={"contact": "李工", "company": "青山建筑"}, timeout=10)
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"field": "budget", "code": "required", "message": "请填写预算，便于安排勘察人员"}
    ]
    english = httpx.post(f"{survey}?lang=en", json={"contact": "Li", "company": "Qingshan"})
    assert english.json()["errors"][0]["message"] == "Tell us your budget so we can plan the survey"
    page.fill("#fw-f-budget", "35")
    assert page.locator("#fw-f-budget-error").count() == 0  # the message goes once edited
    page.click("button.fw-form__submit")
    page.wait_for_selector("text=感谢")
    assert errors == []
    page.close()


def test_tabs_on_a_phone_and_without_script(survey, browser):
    phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="en")
    phone.goto(survey)
    phone.wait_for_selector(".fw-tabs--enhanced")
    phone.click("button.fw-form__submit")
    phone.wait_for_selector(".fw-field__error")
    # the first tab holding a problem (company) opens; the strip fits the phone's width
    assert phone.get_attribute("#fw-tabs-1-panel-0-tab", "aria-selected") == "true"
    assert "needs corrections" in phone.inner_text("#fw-tabs-1-panel-1-tab")
    width = phone.evaluate("document.querySelector('.fw-tabs__list').getBoundingClientRect().width")
    assert width <= 390
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "public-form-tabs-04-phone")
    phone.close()

    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    plain = context.new_page()
    plain.goto(survey)
    # without script every panel is shown under its heading, and the form still submits
    assert plain.locator("[role=tablist]").count() == 0
    for title in ("单位", "需求"):
        assert plain.is_visible(f".fw-block__title:text-is('{title}')")
    assert plain.is_visible("#fw-f-company")
    assert plain.is_visible("#fw-f-budget")
    plain.fill("#fw-f-contact", "王工")
    plain.fill("#fw-f-company", "绿地物业")
    plain.fill("#fw-f-budget", "12")
    shot(plain, "public-form-tabs-05-no-script")
    plain.click("button.fw-form__submit")
    plain.wait_for_selector("text=感谢")
    context.close()
