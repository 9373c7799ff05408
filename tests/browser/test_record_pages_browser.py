"""Headless Chromium: a sales rep lists leads (sort, search, filter, pages, columns), creates one
through the rendered form, edits it, and meets a stale edit (409) from a second tab."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.browser.kit import ARTIFACTS, PASSWORD, shot
from tests.browser.test_todo_browser import create_big_quote

pytestmark = pytest.mark.browser

LEADS = "/api/apps/crm/forms/lead/records"
CITIES = ("北京", "上海", "深圳")


@pytest.fixture(scope="module")
def server(served):
    """(base URL, north_a's API key) with 56 leads of north_a's: enough for two pages."""
    key = served.run("apikey", "create", "--user", "north_a").split()[-1]
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=served.base, headers=headers, timeout=10) as client:
        for n in range(56):
            body = {
                "name": f"列表{n:02d}",
                "company": f"列表测试{n:02d}号公司",
                "email": f"list{n}@example.com",
                "city": CITIES[n % 3],
                "company_size": (n * 37) % 500,
            }
            response = client.post(LEADS, json=body)
            assert response.status_code == 201, response.text
    return served.base, key


def log_in(page, base: str, username: str, target: str) -> None:
    page.goto(f"{base}/login?next={target}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(re.escape(f"{base}{target.split('?')[0]}")))


def column(page, key: str) -> list[str]:
    return page.locator(f"tbody td[data-col='{key}']").all_inner_texts()


def watch(page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def test_list_sort_search_filter_pages_and_columns(server, browser):
    base, _key = server
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = watch(page)
    log_in(page, base, "north_a", "/apps/crm/lead")
    assert page.locator("tbody tr[data-record-id]").count() == 50
    shot(page, "records-list-desktop")

    # columns: show 公司规模, hide 职位; the choice outlives a reload
    assert page.locator("th[data-col='company_size']").is_hidden()
    page.click("[data-columns-menu] summary")
    page.check("[data-column='company_size']")
    page.uncheck("[data-column='title']")
    assert page.locator("th[data-col='company_size']").is_visible()
    assert page.locator("th[data-col='title']").is_hidden()
    shot(page, "records-columns")
    page.reload()
    assert page.locator("th[data-col='company_size']").is_visible()
    assert page.locator("th[data-col='title']").is_hidden()

    # sort: a click on 公司规模 sorts ascending, a second click descending; the URL says so
    page.click("a[data-sort-key='company_size']")
    page.wait_for_url(re.compile(r"sort=company_size"))
    sizes = [int(text.replace(",", "").rstrip(" 人") or 0) for text in column(page, "company_size")]
    assert sizes == sorted(sizes)
    page.click("a[data-sort-key='company_size']")
    page.wait_for_url(re.compile(r"sort=-company_size"))
    sizes = [int(text.replace(",", "").rstrip(" 人") or 0) for text in column(page, "company_size")]
    assert sizes == sorted(sizes, reverse=True)
    assert page.get_attribute("th[data-col='company_size']", "aria-sort") == "descending"

    # search keeps the sort
    page.fill("input[name=q]", "列表测试1")
    page.press("input[name=q]", "Enter")
    page.wait_for_url(re.compile(r"q=%E5%88%97"))
    names = column(page, "company")
    assert names
    assert all(name.startswith("列表测试1") for name in names)
    assert "sort=-company_size" in page.url

    # filter: 城市 等于 上海, on top of the search
    page.click("[data-action=filters]")
    row = page.locator("[data-filter-row='0']")
    row.locator("[data-filter=field]").select_option("city")
    row.locator("[data-filter=op]").select_option("eq")
    row.locator("[data-filter=value]").select_option("上海")
    page.click("[data-filter-action=apply]")
    page.wait_for_url(re.compile(r"filter="))
    shot(page, "records-filter")
    assert set(column(page, "company")) <= {
        f"列表测试{n:02d}号公司" for n in range(10, 20) if n % 3 == 1
    }
    assert page.locator("[data-action=filters]").inner_text() == "筛选 (1)"
    # a reload (or a shared link) shows the same view
    url = page.url
    page.reload()
    assert page.url == url
    assert page.locator("[data-filter-row='0'] [data-filter=value]").input_value() == "上海"

    # pages: next, then back to the first
    page.click("[data-action=clear]")
    page.wait_for_url(re.compile(r"/apps/crm/lead(\?sort=-company_size)?$"))
    first_ids = page.locator("tbody tr[data-record-id]").evaluate_all(
        "rows => rows.map(r => r.dataset.recordId)"
    )
    page.click("[data-action=next-page]")
    page.wait_for_url(re.compile(r"cursor="))
    second_ids = page.locator("tbody tr[data-record-id]").evaluate_all(
        "rows => rows.map(r => r.dataset.recordId)"
    )
    assert second_ids
    assert not set(first_ids) & set(second_ids)
    page.click("[data-action=first-page]")
    page.wait_for_url(lambda url: "cursor=" not in url)
    assert (
        page.locator("tbody tr[data-record-id]").evaluate_all(
            "rows => rows.map(r => r.dataset.recordId)"
        )
        == first_ids
    )

    assert errors == []
    context.close()


def test_create_edit_and_a_stale_edit(server, browser):
    base, _key = server
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = watch(page)
    log_in(page, base, "north_a", "/apps/crm/lead")
    page.click("[data-action=new]")
    page.wait_for_url(f"{base}/apps/crm/lead/new")

    # an empty submit: the page's own required check marks the fields, nothing is sent
    page.click("button.fw-form__submit")
    page.wait_for_selector("[data-field-key=name] .fw-field__error")
    assert page.locator("[data-field-key=company].fw-field--invalid").count() == 1
    assert page.url == f"{base}/apps/crm/lead/new"
    # a value only the server judges: its problem appears next to the field, with the summary
    page.fill("#fw-f-name", "赵新建")
    page.fill("#fw-f-company", "新建测试科技")
    page.fill("#fw-f-email", "不是邮箱")
    page.click("button.fw-form__submit")
    page.wait_for_selector("[data-field-key=email] .fw-field__error")
    assert "请修正下方标出的" in page.inner_text("[data-form-alert]")
    # each field says its problem once: the page's earlier note made way for the server's
    for key in ("phone", "email"):
        notes = page.locator(f"[data-field-key={key}] .fw-field__error")
        texts = notes.all_inner_texts()
        assert len(texts) == len(set(texts)), (key, texts)
    shot(page, "records-form-errors")

    page.fill("#fw-f-name", "赵新建")
    page.fill("#fw-f-company", "新建测试科技")
    page.fill("#fw-f-email", "zhao.new@example.com")
    page.fill("#fw-f-company_size", "120")
    page.select_option("#fw-f-source", "展会")
    shot(page, "records-form-new")
    page.click("button.fw-form__submit")
    page.wait_for_url(re.compile(r"/apps/crm/lead/\d+$"))
    record_id = page.url.rsplit("/", 1)[1]
    assert page.inner_text("h1") == "赵新建"
    assert "新建测试科技" in page.inner_text(".fw-details")
    assert "展会" in page.inner_text(".fw-details")

    # edit: change the job title, see it on the detail page and in the timeline
    page.click("[data-action=edit]")
    page.wait_for_url(f"{base}/apps/crm/lead/{record_id}/edit")
    assert page.input_value("#fw-f-company") == "新建测试科技"
    page.fill("#fw-f-title", "采购经理")
    page.click("button.fw-form__submit")
    page.wait_for_url(f"{base}/apps/crm/lead/{record_id}")
    assert "采购经理" in page.inner_text(".fw-details")
    assert "采购经理" in page.inner_text(".fw-timeline")
    shot(page, "records-detail")

    # the new lead is in the list
    page.goto(f"{base}/apps/crm/lead?q=赵新建")
    assert page.locator(f"tr[data-record-id='{record_id}']").count() == 1

    # a stale edit: two tabs open the edit page; the second to save gets the 409 message
    first = page
    second = context.new_page()
    errors += watch(second)
    first.goto(f"{base}/apps/crm/lead/{record_id}/edit")
    second.goto(f"{base}/apps/crm/lead/{record_id}/edit")
    second.fill("#fw-f-title", "采购总监")
    second.click("button.fw-form__submit")
    second.wait_for_url(f"{base}/apps/crm/lead/{record_id}")
    first.fill("#fw-f-title", "采购主管")
    first.click("button.fw-form__submit")
    alert = first.locator("[data-form-alert]")
    alert.wait_for()
    assert alert.get_attribute("data-code") == "stale_version"
    assert "别人已经修改并保存了它" in alert.inner_text()
    shot(first, "records-conflict")
    first.click("[data-action=reload]")
    first.wait_for_load_state()
    assert first.input_value("#fw-f-title") == "采购总监"
    assert errors == []
    context.close()


def test_phone_width_list_and_form(server, browser):
    base, _key = server
    context = browser.new_context(locale="en", viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors = watch(page)
    log_in(page, base, "north_a", "/apps/crm/lead?lang=en")
    page.goto(f"{base}/apps/crm/lead?lang=en&sort=name")
    assert page.locator("[data-action=new]").inner_text() == "+ New"
    # no sideways scrolling: the rows are cards
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    card = page.locator("tbody tr[data-record-id]").first
    assert card.bounding_box()["width"] <= 390
    page.click("[data-action=filters]")
    page.screenshot(path=str(ARTIFACTS / "records-list-phone.png"))  # the first screen
    shot(page, "records-list-phone-full")
    page.goto(f"{base}/apps/crm/lead/new?lang=en")
    assert page.inner_text("button.fw-form__submit") == "Create"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "records-form-phone.png"))
    page.click("button.fw-form__submit")
    page.wait_for_selector("[data-field-key=name] .fw-field__error")
    shot(page, "records-form-phone-errors")
    # leaving with something typed asks first
    dialogs: list[str] = []

    def accept(dialog):
        dialogs.append(dialog.type)
        dialog.accept()

    page.on("dialog", accept)
    page.fill("#fw-f-name", "未保存")
    page.click("[data-action=cancel]")
    page.wait_for_url(re.compile(r"/apps/crm/lead$"))
    assert dialogs == ["beforeunload"]
    assert errors == []
    context.close()


def test_an_open_approval_locks_fields_on_the_edit_page(server, browser):
    base, key = server
    # given north_a's big quote, waiting for zhao, whose step may change only the terms
    quote = create_big_quote(base, key, "锁定测试")
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = watch(page)
    log_in(page, base, "zhao", f"/apps/crm/quote/{quote['id']}/edit")
    # then the terms are editable, the discount and the line items are not
    assert "只能修改当前审批节点允许你修改的字段" in page.inner_text("[data-locked]")
    assert page.locator("#fw-f-terms").is_enabled()
    assert page.locator("#fw-f-discount").is_disabled()
    items = page.locator("[data-field-key=items]")
    assert items.locator("input").count() > 0
    for index in range(items.locator("input").count()):
        assert items.locator("input").nth(index).is_disabled()
    assert items.locator("[data-action=add-row]").is_disabled()
    shot(page, "records-form-locked")
    page.fill("#fw-f-terms", "一次性付款")
    page.click("button.fw-form__submit")
    page.wait_for_url(f"{base}/apps/crm/quote/{quote['id']}")
    assert "一次性付款" in page.inner_text(".fw-details")
    # and the submitter, who holds no task, may save nothing while it runs
    other = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    rep = other.new_page()
    errors += watch(rep)
    log_in(rep, base, "north_a", f"/apps/crm/quote/{quote['id']}/edit")
    assert "这条记录现在不能由你修改" in rep.inner_text("[data-locked]")
    assert rep.locator("button.fw-form__submit").is_disabled()
    assert errors == []
    context.close()
    other.close()
