"""Headless Chromium: zhao approves north_a's big quote from /todo; the record says 已批准."""

from __future__ import annotations

import httpx
import pytest

from tests.browser.kit import PASSWORD, shot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(served):
    """(base URL, north_a's API key) of this module's served Formwork."""
    return served.base, served.run("apikey", "create", "--user", "north_a").split()[-1]


def create_big_quote(base: str, key: str, name: str) -> dict:
    headers = {"Authorization": f"Bearer {key}"}

    def post(form: str, body: dict) -> dict:
        response = httpx.post(
            f"{base}/api/apps/crm/forms/{form}/records", json=body, headers=headers, timeout=10
        )
        assert response.status_code == 201, response.text
        return response.json()

    account = post("account", {"name": name})
    opportunity = post(
        "opportunity", {"name": f"{name} CRM", "account": account["id"], "stage": "方案报价"}
    )
    return post(
        "quote",
        {
            "opportunity": opportunity["id"],
            "items": [{"product": "企业版", "quantity": 1, "unit_price": "900000"}],
            "discount": "0.7",
            "terms": "分两期付款",
        },
    )


def quote(base: str, key: str, record_id: int) -> dict:
    response = httpx.get(
        f"{base}/api/apps/crm/forms/quote/records/{record_id}",
        headers={"Authorization": f"Bearer {key}"},
        timeout=5,
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login?next=/todo")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/todo")


def task_id_for(base: str, page, record_id: int) -> int:
    tasks = page.evaluate("fetch('/api/tasks').then(r => r.json())")["items"]
    return next(t["id"] for t in tasks if t["record"]["id"] == record_id)


def test_zhao_approves_the_quote_from_the_todo_page(server, browser):
    base, key = server
    created = create_big_quote(base, key, "星辰科技")
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, base, "zhao")
    task_id = task_id_for(base, page, created["id"])
    row = page.locator(f"[data-task-id='{task_id}']")
    row.wait_for()
    assert created["data"]["number"] in row.inner_text()
    assert "销售总监审批" in row.inner_text()
    shot(page, "todo-list")
    row.click()
    page.wait_for_selector("[data-action=approve]")
    panel = page.locator("#fw-todo-panel")
    # read-only discount shown as text, editable terms as an input, history lists the approver
    assert panel.locator("[data-field-key=discount] dd").inner_text() == "0.70"
    assert panel.locator("[data-field-key=terms] textarea").input_value() == "分两期付款"
    assert "审批人: zhao" in panel.locator(".fw-todo__history").inner_text()
    panel.locator("textarea.fw-todo__comment").fill("同意，尽快签约")
    shot(page, "todo-task-panel")
    page.click("[data-action=approve]")
    page.wait_for_selector(f"[data-task-id='{task_id}']", state="detached")
    page.wait_for_selector(".fw-todo__message:not([hidden])")
    shot(page, "todo-approved")
    data = quote(base, key, created["id"])
    assert data["status"] == "已批准"
    assert errors == []


def test_phone_width_transfer_to_qian(server, browser):
    base, key = server
    created = create_big_quote(base, key, "远山贸易")
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, base, "zhao")
    task_id = task_id_for(base, page, created["id"])
    page.locator(f"[data-task-id='{task_id}']").wait_for()
    shot(page, "todo-phone-list")
    # Nothing sticks out sideways at phone width (the top bar wraps).
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.click(f"[data-task-id='{task_id}']")
    page.wait_for_selector("[data-action=transfer]")
    assert page.locator(".fw-todo__list").is_hidden()  # one column: the panel replaces the list
    page.click("[data-action=transfer]")
    page.wait_for_selector("select.fw-todo__picker")
    page.select_option("select.fw-todo__picker", "qian")
    shot(page, "todo-phone-transfer")
    page.click("[data-action=confirm]")
    page.wait_for_selector(f"[data-task-id='{task_id}']", state="detached")
    assert page.locator(".fw-todo__list").is_visible()
    # qian now holds it; the quote is still in approval
    assert quote(base, key, created["id"])["status"] != "已批准"
    qian = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
    log_in(qian, base, "qian")
    moved = qian.locator(".fw-todo__item", has_text=created["data"]["number"])
    moved.wait_for()
    shot(qian, "todo-phone-qian")
    assert errors == []


def test_batch_approve_in_english(server, browser):
    base, key = server
    first = create_big_quote(base, key, "East Trading")
    second = create_big_quote(base, key, "West Trading")
    page = browser.new_page(viewport={"width": 1100, "height": 800}, locale="en-US")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, base, "zhao")
    assert page.locator(".fw-todo__tab[data-box=mine]").inner_text() == "Mine"
    for created in (first, second):
        page.locator(".fw-todo__item", has_text=created["data"]["number"]).wait_for()
    page.check("[data-action=select-all]")
    assert page.locator("[data-action=batch-approve]").is_enabled()
    shot(page, "todo-batch-selected")
    page.click("[data-action=batch-approve]")
    page.wait_for_selector("text=Approved 2")
    shot(page, "todo-batch-done")
    for created in (first, second):
        assert quote(base, key, created["id"])["status"] == "已批准"
    page.click(".fw-todo__tab[data-box=submitted]")
    page.wait_for_selector(".fw-todo__empty")
    assert errors == []


def test_return_to_the_submitter_with_a_file_and_line_items_as_a_table(server, browser):
    base, key = server
    created = create_big_quote(base, key, "青松医疗")
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, base, "zhao")
    task_id = task_id_for(base, page, created["id"])
    page.click(f"[data-task-id='{task_id}']")
    page.wait_for_selector("[data-action=return]")
    panel = page.locator("#fw-todo-panel")
    # Line items read as a table, each cell formatted by its column's type.
    table = panel.locator("[data-field-key=items] table.fw-todo__rows")
    assert "企业版" in table.locator("tbody tr").first.inner_text()
    assert "¥900,000.00" in table.locator("tbody tr").first.inner_text()
    panel.locator("textarea.fw-todo__comment").fill("请补充比价单")
    panel.locator("input.fw-todo__files").set_input_files(
        files=[
            {
                "name": "比价说明.pdf",
                "mimeType": "application/pdf",
                "buffer": b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n",
            }
        ]
    )
    page.click("[data-action=return]")
    picker = panel.locator("select.fw-todo__picker")
    picker.wait_for()
    labels = picker.locator("option").all_inner_texts()
    assert labels[0].startswith("按节点设置")
    assert labels[-1] == "发起人"
    picker.select_option("submitter")
    shot(page, "todo-return-picker")
    page.click("[data-action=confirm]")
    page.wait_for_selector(f"[data-task-id='{task_id}']", state="detached")
    assert quote(base, key, created["id"])["status"] != "已批准"
    # The decided task shows the file in its history.
    page.select_option("[data-action=status]", "done")
    page.click(f"[data-task-id='{task_id}']")
    link = panel.locator(".fw-todo__attachments a", has_text="比价说明.pdf")
    link.wait_for()
    assert "zhao 退回" in panel.locator(".fw-todo__history").inner_text()
    shot(page, "todo-returned-with-file")
    href = link.get_attribute("href")
    assert href is not None
    body = page.evaluate(f"fetch('{href}').then(r => r.text())")
    assert body.startswith("%PDF-1.4")
    assert errors == []


def test_wang_finishes_the_first_call_task_an_automation_gave_him(server, browser):
    base, _key = server
    lead = {"name": "褚八", "company": "西城文化", "phone": "13900007777", "city": "北京"}
    created = httpx.post(f"{base}/f/crm/lead", json=lead, timeout=10)
    assert created.status_code == 201, created.text
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, base, "wang")
    # The server's background loop routes the lead to wang and gives him a todo.
    row = page.locator(".fw-todo__item", has_text="15 分钟内首次联系：西城文化")
    for _ in range(50):
        if row.count():
            break
        page.wait_for_timeout(200)
        page.reload()
    row.wait_for()
    assert "紧急" in row.inner_text()
    assert "任务" in row.inner_text()
    shot(page, "todo-automation-task")
    row.click()
    page.wait_for_selector("[data-action=finish]")
    page.locator("textarea.fw-todo__comment").fill("已电话联系，约了下周演示")
    page.click("[data-action=finish]")
    row.wait_for(state="detached")
    shot(page, "todo-automation-task-done")
    assert errors == []


def test_wang_reads_his_notifications_from_the_top_bar(server, browser):
    base, _key = server
    lead = {"name": "韩十四", "company": "朝阳文创", "phone": "13900001234", "city": "北京"}
    assert httpx.post(f"{base}/f/crm/lead", json=lead, timeout=10).status_code == 201
    page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, base, "wang")
    badge = page.locator("[data-unread]")
    for _ in range(50):  # the background loop notifies wang within moments
        page.reload()
        if badge.is_visible():
            break
        page.wait_for_timeout(200)
    assert badge.is_visible()
    unread_before = int(badge.inner_text().rstrip("+"))
    page.click("[data-notifications]")
    page.wait_for_url(f"{base}/notifications")
    item = page.locator(".fw-notes__item", has_text="新线索：朝阳文创")
    item.wait_for()
    assert "fw-notes__item--unread" in (item.get_attribute("class") or "")
    shot(page, "notifications")
    page.click("[data-action=mark-all-read]")
    page.wait_for_load_state("load")
    page.locator(".fw-notes__item--unread").first.wait_for(state="detached")
    assert page.locator("[data-unread]").is_hidden()
    assert unread_before >= 1
    assert errors == []
