"""The todo API: list, complete, transfer, add signer, urge (decision 0007), over HTTP."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, key_for


def bearer(session_factory, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key_for(session_factory, username)}"}


@pytest.fixture
def people(session_factory):
    return {name: bearer(session_factory, name) for name in ("zhao", "qian", "wang", "legal")}


def create_quote(client, headers, *, unit_price: str, discount: str, terms: str = "") -> dict:
    account = client.post(
        "/api/apps/crm/forms/account/records", json={"name": "星辰科技"}, headers=headers
    )
    assert account.status_code == 201, account.text
    opportunity = client.post(
        "/api/apps/crm/forms/opportunity/records",
        json={"name": "星辰 CRM 项目", "account": account.json()["id"], "stage": "方案报价"},
        headers=headers,
    )
    assert opportunity.status_code == 201, opportunity.text
    body = {
        "opportunity": opportunity.json()["id"],
        "items": [{"product": "企业版", "quantity": 1, "unit_price": unit_price}],
        "discount": discount,
        **({"terms": terms} if terms else {}),
    }
    quote = client.post("/api/apps/crm/forms/quote/records", json=body, headers=headers)
    assert quote.status_code == 201, quote.text
    return quote.json()


def big_quote(client, headers) -> dict:
    """total 700000 at discount 0.7: the director (zhao) decides."""
    return create_quote(client, headers, unit_price="1000000", discount="0.7")


def small_quote(client, headers) -> dict:
    """total 9000 at discount 0.9: the manager (qian) decides."""
    return create_quote(client, headers, unit_price="10000", discount="0.9")


def open_task_for(client, headers, record_id: int) -> dict:
    response = client.get("/api/tasks", headers=headers)
    assert response.status_code == 200, response.text
    found = [t for t in response.json()["items"] if t["record"]["id"] == record_id]
    assert len(found) == 1, response.json()
    return found[0]


def quote_data(client, headers, record_id: int) -> dict:
    response = client.get(f"/api/apps/crm/forms/quote/records/{record_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_big_quote_goes_to_zhao_and_approve_marks_it_approved(client, rep_headers, people):
    quote = big_quote(client, rep_headers)
    task = open_task_for(client, people["zhao"], quote["id"])
    assert task["node"] == "director"
    assert task["node_label"]["zh-CN"] == "销售总监审批"
    assert task["kind"] == "approve"
    assert task["status"] == "open"
    assert task["submitter"] == "north_a"
    assert task["assignee"] == "zhao"
    assert task["record"] == {
        "app": "crm",
        "form": "quote",
        "id": quote["id"],
        "title": quote["data"]["number"],
    }
    assert task["due_at"] is not None
    # qian sees nothing of it
    qian = client.get("/api/tasks", headers=people["qian"]).json()["items"]
    assert all(t["record"]["id"] != quote["id"] for t in qian)
    response = client.post(
        f"/api/tasks/{task['id']}/complete",
        json={"outcome": "approve", "comment": "同意，尽快签约"},
        headers=people["zhao"],
    )
    assert response.status_code == 200, response.text
    done = response.json()
    assert done["status"] == "done"
    assert done["outcome"] == "approve"
    assert done["comment"] == "同意，尽快签约"
    assert quote_data(client, rep_headers, quote["id"])["status"] == "已批准"
    # it left the open list and shows under done
    assert client.get("/api/tasks", headers=people["zhao"]).json()["items"] == []
    done_list = client.get("/api/tasks?status=done", headers=people["zhao"]).json()["items"]
    assert [t["id"] for t in done_list] == [task["id"]]


def test_small_quote_goes_to_qian_and_reject_keeps_the_comment(client, rep_headers, people):
    quote = small_quote(client, rep_headers)
    assert client.get("/api/tasks", headers=people["zhao"]).json()["items"] == []
    task = open_task_for(client, people["qian"], quote["id"])
    assert task["node"] == "manager"
    response = client.post(
        f"/api/tasks/{task['id']}/complete",
        json={"outcome": "reject", "comment": "折扣需重新评估"},
        headers=people["qian"],
    )
    assert response.status_code == 200, response.text
    assert quote_data(client, rep_headers, quote["id"])["status"] == "已驳回"
    instance = client.get(f"/api/instances/{task['instance_id']}", headers=rep_headers).json()
    assert instance["status"] == "rejected"
    assert instance["tasks"][0]["comment"] == "折扣需重新评估"
    votes = [e for e in instance["trace"] if e["kind"] == "vote"]
    assert votes[0]["data"]["comment"] == "折扣需重新评估"


def test_submitted_box_lists_the_submitters_open_tasks(client, rep_headers, people):
    quote = big_quote(client, rep_headers)
    mine = client.get("/api/tasks?box=submitted", headers=rep_headers).json()["items"]
    assert [t["record"]["id"] for t in mine] == [quote["id"]]
    assert client.get("/api/tasks?box=cc", headers=rep_headers).json()["items"] == []
    assert client.get("/api/tasks", headers=rep_headers).json()["items"] == []


def test_transfer_moves_the_task(client, rep_headers, people):
    quote = big_quote(client, rep_headers)
    task = open_task_for(client, people["zhao"], quote["id"])
    response = client.post(
        f"/api/tasks/{task['id']}/transfer", json={"user": "qian"}, headers=people["zhao"]
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "cancelled"
    assert client.get("/api/tasks", headers=people["zhao"]).json()["items"] == []
    moved = open_task_for(client, people["qian"], quote["id"])
    assert moved["node"] == "director"
    assert (
        client.post(
            f"/api/tasks/{moved['id']}/complete",
            json={"outcome": "approve"},
            headers=people["qian"],
        ).status_code
        == 200
    )
    assert quote_data(client, rep_headers, quote["id"])["status"] == "已批准"


def test_add_signer_after_needs_both_approvals(client, rep_headers, people):
    quote = big_quote(client, rep_headers)
    task = open_task_for(client, people["zhao"], quote["id"])
    response = client.post(
        f"/api/tasks/{task['id']}/add-signer",
        json={"users": ["legal"], "position": "after"},
        headers=people["zhao"],
    )
    assert response.status_code == 200, response.text
    approve = {"outcome": "approve", "comment": "ok"}
    first = client.post(f"/api/tasks/{task['id']}/complete", json=approve, headers=people["zhao"])
    assert first.status_code == 200, first.text
    assert quote_data(client, rep_headers, quote["id"])["status"] != "已批准"
    added = open_task_for(client, people["legal"], quote["id"])
    second = client.post(
        f"/api/tasks/{added['id']}/complete", json=approve, headers=people["legal"]
    )
    assert second.status_code == 200, second.text
    assert quote_data(client, rep_headers, quote["id"])["status"] == "已批准"


def test_add_signer_before_hands_the_task_to_the_new_signer_first(client, rep_headers, people):
    quote = big_quote(client, rep_headers)
    task = open_task_for(client, people["zhao"], quote["id"])
    response = client.post(
        f"/api/tasks/{task['id']}/add-signer",
        json={"users": ["legal"], "position": "before"},
        headers=people["zhao"],
    )
    assert response.status_code == 200, response.text
    assert client.get("/api/tasks", headers=people["zhao"]).json()["items"] == []
    added = open_task_for(client, people["legal"], quote["id"])
    ok = {"outcome": "approve"}
    assert (
        client.post(
            f"/api/tasks/{added['id']}/complete", json=ok, headers=people["legal"]
        ).status_code
        == 200
    )
    back = open_task_for(client, people["zhao"], quote["id"])
    assert (
        client.post(
            f"/api/tasks/{back['id']}/complete", json=ok, headers=people["zhao"]
        ).status_code
        == 200
    )
    assert quote_data(client, rep_headers, quote["id"])["status"] == "已批准"


def test_second_complete_of_one_task_is_409(client, rep_headers, people):
    quote = big_quote(client, rep_headers)
    task = open_task_for(client, people["zhao"], quote["id"])
    url = f"/api/tasks/{task['id']}/complete"
    assert client.post(url, json={"outcome": "approve"}, headers=people["zhao"]).status_code == 200
    again = client.post(url, json={"outcome": "reject"}, headers=people["zhao"])
    assert again.status_code == 409, again.text
    assert again.json()["errors"][0]["code"]
    assert quote_data(client, rep_headers, quote["id"])["status"] == "已批准"


def test_stale_version_is_409(client, rep_headers, people):
    quote = big_quote(client, rep_headers)
    task = open_task_for(client, people["zhao"], quote["id"])
    stale = {"outcome": "approve", "version": task["version"] + 5}
    response = client.post(f"/api/tasks/{task['id']}/complete", json=stale, headers=people["zhao"])
    assert response.status_code == 409, response.text
    assert open_task_for(client, people["zhao"], quote["id"])["status"] == "open"


def test_other_users_task_is_403(client, rep_headers, people):
    quote = big_quote(client, rep_headers)
    task = open_task_for(client, people["zhao"], quote["id"])
    for action, body in (
        ("complete", {"outcome": "approve"}),
        ("transfer", {"user": "wang"}),
        ("add-signer", {"users": ["wang"], "position": "after"}),
    ):
        response = client.post(
            f"/api/tasks/{task['id']}/{action}", json=body, headers=people["qian"]
        )
        assert response.status_code == 403, (action, response.text)
        assert response.json()["errors"][0]["code"]
    assert open_task_for(client, people["zhao"], quote["id"])["status"] == "open"


def test_unknown_task_is_404(client, people):
    response = client.post(
        "/api/tasks/999999/complete", json={"outcome": "approve"}, headers=people["zhao"]
    )
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "task_not_found"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("complete", {"outcome": "maybe"}),
        ("complete", {}),
        ("complete", {"outcome": "approve", "comment": "x" * 2001}),
        ("complete", {"outcome": "approve", "comment": "bad\u0000text"}),
        ("complete", {"outcome": "approve", "to_node": "Not A Node!"}),
        ("complete", {"outcome": "approve", "data": "terms"}),
        ("complete", {"outcome": "approve", "version": 2_147_483_648}),
        ("complete", {"outcome": "approve", "surprise": 1}),
        ("transfer", {}),
        ("transfer", {"user": "no such user!"}),
        ("transfer", {"user": ["qian"]}),
        ("add-signer", {"users": [], "position": "after"}),
        ("add-signer", {"users": ["legal"], "position": "sideways"}),
        ("add-signer", {"users": ["legal"]}),
        ("add-signer", {"users": "sun", "position": "after"}),
    ],
)
def test_bad_input_is_422_with_the_error_envelope(client, rep_headers, people, path, body):
    quote = big_quote(client, rep_headers)
    task = open_task_for(client, people["zhao"], quote["id"])
    response = client.post(f"/api/tasks/{task['id']}/{path}", json=body, headers=people["zhao"])
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["code"]
    assert open_task_for(client, people["zhao"], quote["id"])["status"] == "open"


@pytest.mark.parametrize(
    "url",
    [
        "/api/tasks/0/complete",
        "/api/tasks/-1/complete",
        "/api/tasks/2147483648/complete",
        "/api/tasks/abc/complete",
    ],
)
def test_bad_task_ids_are_422(client, people, url):
    response = client.post(url, json={"outcome": "approve"}, headers=people["zhao"])
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["code"]


@pytest.mark.parametrize(
    "query", ["box=everything", "status=maybe", "limit=0", "limit=100000", "limit=x"]
)
def test_bad_list_filters_are_422(client, people, query):
    response = client.get(f"/api/tasks?{query}", headers=people["zhao"])
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["code"]


def test_unknown_users_in_transfer_and_add_signer_are_422(client, rep_headers, people):
    quote = big_quote(client, rep_headers)
    task = open_task_for(client, people["zhao"], quote["id"])
    transfer = client.post(
        f"/api/tasks/{task['id']}/transfer", json={"user": "nobody"}, headers=people["zhao"]
    )
    assert transfer.status_code == 422, transfer.text
    signer = client.post(
        f"/api/tasks/{task['id']}/add-signer",
        json={"users": ["nobody"], "position": "after"},
        headers=people["zhao"],
    )
    assert signer.status_code == 422, signer.text


def test_read_only_field_edits_are_refused_editable_ones_kept(client, rep_headers, people):
    quote = big_quote(client, rep_headers)
    task = open_task_for(client, people["zhao"], quote["id"])
    url = f"/api/tasks/{task['id']}/complete"
    refused = client.post(
        url, json={"outcome": "approve", "data": {"discount": "0.5"}}, headers=people["zhao"]
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "discount"
    kept = client.post(
        url,
        json={"outcome": "approve", "data": {"terms": "30 天内付款"}},
        headers=people["zhao"],
    )
    assert kept.status_code == 200, kept.text
    data = quote_data(client, rep_headers, quote["id"])
    assert data["terms"] == "30 天内付款"
    assert data["discount"] == "0.70"
    assert data["status"] == "已批准"


def test_urge_by_the_submitter_only(client, rep_headers, people):
    quote = big_quote(client, rep_headers)
    task = open_task_for(client, people["zhao"], quote["id"])
    urged = client.post(f"/api/tasks/{task['id']}/urge", headers=rep_headers)
    assert urged.status_code == 200, urged.text
    assert urged.json()["id"] == task["instance_id"]
    assert client.post(f"/api/tasks/{task['id']}/urge", headers=people["qian"]).status_code == 403


def test_tasks_need_a_login(client):
    assert client.get("/api/tasks").status_code == 401
    assert client.post("/api/tasks/1/complete", json={"outcome": "approve"}).status_code == 401


def test_todo_page_needs_a_login_and_renders_the_shell(client):
    away = client.get("/todo", follow_redirects=False)
    assert away.status_code == 303
    assert away.headers["location"] == "/login?next=/todo"
    login = {"username": "zhao", "password": PASSWORD, "next": "/todo"}
    page = client.post("/login", data=login)
    assert page.status_code == 200
    assert str(page.url).endswith("/todo")
    html = page.text
    assert 'id="fw-todo"' in html
    assert 'data-user="zhao"' in html
    assert "/static/js/pages/todo.js" in html
    assert "我的待办" in html
    assert "抄送我的" in html
    assert "我发起的" in html
    english = client.get("/todo?lang=en&box=submitted").text
    assert 'data-box="submitted"' in english
    assert "Mine" in english
    assert '"approve": "Approve"' in english
    assert client.get("/static/js/pages/todo.js").status_code == 200
    assert client.get("/static/css/todo.css").status_code == 200
