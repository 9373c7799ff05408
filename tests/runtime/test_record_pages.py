"""End-user record pages: list (sort, search, filter, pages), create and edit (decision 0012)."""

from __future__ import annotations

import json
import re
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from builder import publish as publishing
from runtime.org import service as org
from runtime.records import search
from tests.conftest import NOW, PASSWORD, key_for
from tests.runtime.flows.test_flows_concurrency import approval, edge, node

LEADS = "/api/apps/crm/forms/lead/records"
ACCOUNTS = "/api/apps/crm/forms/account/records"


def add_lead(client: TestClient, headers: dict[str, str], **data: Any) -> dict[str, Any]:
    body = {"company": "某公司", "status": "新线索", "email": f"{uuid4().hex}@example.com", **data}
    response = client.post(LEADS, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def row_ids(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'<tr data-record-id="(\d+)"', html)]


def link(html: str, action: str) -> str | None:
    found = re.search(rf'<a [^>]*href="([^"]+)"[^>]*data-action="{action}"', html)
    return unescape(found.group(1)) if found else None


def boot(html: str, element_id: str) -> dict[str, Any]:
    found = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', html)
    assert found, f"no #{element_id}"
    return json.loads(found.group(1))


# --- the records API's `q` -------------------------------------------------------------------


def test_search_condition_needs_every_word_in_some_text_field() -> None:
    doc = {
        "fields": [
            {"key": "name", "type": "text"},
            {"key": "size", "type": "number"},
            {"key": "tags", "type": "multiselect"},
            {"key": "utm", "type": "text", "hidden": True},
            {"key": "city", "type": "select"},
        ]
    }
    assert search.search_condition(doc, "  ") is None
    tree = search.search_condition(doc, "星辰  北京 星辰")
    assert tree == {
        "all": [
            {
                "any": [
                    {"field": "name", "op": "contains", "value": word},
                    {"field": "city", "op": "contains", "value": word},
                ]
            }
            for word in ("星辰", "北京")
        ]
    }


def test_filter_parameter_is_refused_when_not_an_object_or_nested_too_deeply() -> None:
    with pytest.raises(search.InvalidInput):
        search.parse_filter("[1, 2]")
    with pytest.raises(search.InvalidInput):
        search.parse_filter("{not json")
    deep: dict[str, Any] = {"field": "name", "op": "is_empty"}
    for _ in range(search.MAX_FILTER_DEPTH):
        deep = {"not": deep}
    with pytest.raises(search.InvalidInput):
        search.parse_filter(json.dumps(deep))
    assert search.parse_filter(json.dumps({"not": {"field": "a", "op": "is_empty"}})) is not None


def test_list_api_searches_text_fields_and_combines_with_the_filter(
    client: TestClient, rep_headers: dict[str, str]
) -> None:
    star = add_lead(client, rep_headers, name="陈星", company="星辰科技", city="北京")
    moon = add_lead(client, rep_headers, name="李月", company="月亮贸易", city="北京")
    add_lead(client, rep_headers, name="王星", company="远方物流", city="上海")

    def ids(**params: str) -> list[int]:
        response = client.get(LEADS, params=params, headers=rep_headers)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert star["id"] in ids(q="星辰")
    assert moon["id"] not in ids(q="星辰")
    # Two words: both must be found, each in any field.
    assert star["id"] in ids(q="星 北京")
    found = ids(q="星 北京")
    assert moon["id"] not in found
    city = json.dumps({"field": "city", "op": "eq", "value": "上海"})
    assert star["id"] not in ids(q="星", filter=city)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "x" * 101}, "q"),
        ({"filter": "[]"}, "filter"),
        ({"filter": json.dumps({"field": "nope", "op": "eq", "value": 1})}, "filter"),
        ({"sort": "tags"}, "sort"),
        ({"cursor": "not-a-cursor"}, "cursor"),
    ],
)
def test_list_api_answers_bad_parameters_with_the_error_shape(
    client: TestClient, rep_headers: dict[str, str], params: dict[str, str], field: str
) -> None:
    response = client.get(LEADS, params=params, headers=rep_headers)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field


# --- the list page ---------------------------------------------------------------------------


def test_list_page_sorts_by_a_header_link_and_keeps_search_and_filter(
    client: TestClient, rep_headers: dict[str, str]
) -> None:
    made = [
        add_lead(client, rep_headers, name=name, company=f"排序{name}公司", company_size=size)
        for name, size in (("甲", 30), ("乙", 10), ("丙", 20))
    ]
    query = {"q": "排序"}
    page = client.get("/apps/crm/lead", params=query, headers=rep_headers)
    assert page.status_code == 200
    ids = [m["id"] for m in made]
    assert [i for i in row_ids(page.text) if i in ids] == sorted(ids, reverse=True)  # newest first
    head = re.search(
        r'<a class="fw-records__sort" href="([^"]+)"[^>]*data-sort-key="company_size"', page.text
    )
    assert head
    ascending = unescape(head.group(1))
    assert parse_qs(urlsplit(ascending).query) == {"sort": ["company_size"], "q": ["排序"]}
    page = client.get(ascending, headers=rep_headers)
    assert [i for i in row_ids(page.text) if i in ids] == [ids[1], ids[2], ids[0]]
    assert 'aria-sort="ascending"' in page.text
    head = re.search(
        r'<a class="fw-records__sort" href="([^"]+)"[^>]*data-sort-key="company_size"', page.text
    )
    assert head
    descending = unescape(head.group(1))
    assert parse_qs(urlsplit(descending).query)["sort"] == ["-company_size"]
    page = client.get(descending, headers=rep_headers)
    assert [i for i in row_ids(page.text) if i in ids] == [ids[0], ids[2], ids[1]]


def test_list_page_pages_forward_and_back_to_the_first_page(
    client: TestClient, rep_headers: dict[str, str]
) -> None:
    made = [add_lead(client, rep_headers, name=f"翻页{n}", company="翻页公司") for n in range(53)]
    first = client.get("/apps/crm/lead", params={"q": "翻页公司"}, headers=rep_headers)
    assert len(row_ids(first.text)) == 50
    assert "匹配 53 条" in first.text
    assert link(first.text, "first-page") is None
    following = link(first.text, "next-page")
    assert following
    assert parse_qs(urlsplit(following).query)["q"] == ["翻页公司"]
    second = client.get(following, headers=rep_headers)
    assert set(row_ids(second.text)) == {m["id"] for m in made[:3]}
    assert link(second.text, "next-page") is None
    back = link(second.text, "first-page")
    assert back
    assert "cursor" not in back
    assert row_ids(client.get(back, headers=rep_headers).text) == row_ids(first.text)


def test_list_page_filters_by_a_condition_in_the_url(
    client: TestClient, rep_headers: dict[str, str]
) -> None:
    big = add_lead(client, rep_headers, name="大", company="筛选公司", company_size=500)
    small = add_lead(client, rep_headers, name="小", company="筛选公司", company_size=5)
    condition = {"all": [{"field": "company_size", "op": "gte", "value": 100}]}
    page = client.get(
        "/apps/crm/lead",
        params={"filter": json.dumps(condition), "q": "筛选"},
        headers=rep_headers,
    )
    assert page.status_code == 200
    assert big["id"] in row_ids(page.text)
    assert small["id"] not in row_ids(page.text)
    assert boot(page.text, "fw-records-boot")["filter"] == json.dumps(condition)
    cleared = link(page.text, "clear")
    assert cleared == "/apps/crm/lead"
    assert 'data-action="clear">清除搜索和筛选</a>' in page.text


@pytest.mark.parametrize(
    "params",
    [
        {"filter": "{broken"},
        {"filter": json.dumps({"field": "no_such_field", "op": "eq", "value": 1})},
        {"filter": json.dumps({"field": "company_size", "op": "gt", "value": "many"})},
        {"sort": "no_such_field"},
        {"sort": "tags"},
        {"cursor": "garbage"},
    ],
)
def test_list_page_answers_a_bad_link_with_a_422_page_that_says_why(
    client: TestClient, rep_headers: dict[str, str], params: dict[str, str]
) -> None:
    page = client.get("/apps/crm/lead", params=params, headers=rep_headers)
    assert page.status_code == 422
    assert "text/html" in page.headers["content-type"]
    assert "data-problems" in page.text
    assert "链接中的排序、搜索、筛选或翻页参数无效" in page.text


def test_list_page_refuses_oversized_parameters_with_the_error_shape(
    client: TestClient, rep_headers: dict[str, str]
) -> None:
    page = client.get("/apps/crm/lead", params={"q": "长" * 101}, headers=rep_headers)
    assert page.status_code == 422
    assert page.json()["errors"][0]["field"] == "q"


def test_list_page_offers_columns_filters_and_new_in_both_languages(
    client: TestClient, rep_headers: dict[str, str]
) -> None:
    page = client.get("/apps/crm/lead", headers=rep_headers)
    data = boot(page.text, "fw-records-boot")
    keys = [c["key"] for c in data["columns"]]
    assert keys[:3] == ["name", "company", "title"]
    assert "remark" in keys
    assert "utm_source" not in keys
    assert [c["default"] for c in data["columns"]].count(True) == 6
    city = next(f for f in data["fields"] if f["key"] == "city")
    assert {"value": "北京", "label": "北京"} in city["options"]
    assert link(page.text, "new") == "/apps/crm/lead/new"
    assert "+ 新建" in page.text
    english = client.get("/apps/crm/lead?lang=en", headers=rep_headers)
    assert "+ New" in english.text
    assert "in all" in english.text


def test_login_keeps_the_list_query_in_next(client: TestClient) -> None:
    response = client.get("/apps/crm/lead?q=abc&sort=-name", follow_redirects=False)
    assert response.status_code == 303
    location = response.headers["location"]
    assert parse_qs(urlsplit(location).query)["next"] == ["/apps/crm/lead?q=abc&sort=-name"]


# --- create / edit pages ---------------------------------------------------------------------


def test_new_page_renders_the_form_for_the_records_api(
    client: TestClient, rep_headers: dict[str, str]
) -> None:
    page = client.get("/apps/crm/lead/new", headers=rep_headers)
    assert page.status_code == 200
    assert 'data-mode="record"' in page.text
    assert 'name="website"' not in page.text  # no honeypot
    assert "_idempotency_key" not in page.text
    assert 'data-field-key="name"' in page.text
    assert boot(page.text, "fw-record-form-boot") == {
        "mode": "create",
        "api": LEADS,
        "list": "/apps/crm/lead",
    }
    assert ">创建</button>" in page.text
    assert "新建线索" in page.text


def test_edit_page_shows_the_record_values_and_its_version(
    client: TestClient, rep_headers: dict[str, str]
) -> None:
    lead = add_lead(client, rep_headers, name="编辑我", company="编辑公司")
    page = client.get(f"/apps/crm/lead/{lead['id']}/edit?lang=en", headers=rep_headers)
    assert page.status_code == 200
    assert 'value="编辑公司"' in page.text
    data = boot(page.text, "fw-record-form-boot")
    assert data == {
        "mode": "edit",
        "api": f"{LEADS}/{lead['id']}",
        "list": "/apps/crm/lead",
        "version": lead["version"],
        "can_save": True,
        "readonly": [],
    }
    assert ">Save</button>" in page.text
    assert "Edit 编辑我" in page.text
    detail = client.get(f"/apps/crm/lead/{lead['id']}", headers=rep_headers)
    assert link(detail.text, "edit") == f"/apps/crm/lead/{lead['id']}/edit"


def test_edit_page_of_a_missing_record_is_404(
    client: TestClient, rep_headers: dict[str, str]
) -> None:
    assert client.get("/apps/crm/lead/999999/edit", headers=rep_headers).status_code == 404
    assert client.get("/apps/crm/nope/new", headers=rep_headers).status_code == 404
    assert client.get("/apps/crm/lead/abc/edit", headers=rep_headers).status_code == 422


def test_a_stale_edit_is_refused_with_409_through_the_session_and_csrf(
    client: TestClient, rep_headers: dict[str, str]
) -> None:
    lead = add_lead(client, rep_headers, name="并发", company="并发公司")
    login = client.post(
        "/login", data={"username": "north_a", "password": PASSWORD}, follow_redirects=False
    )
    assert login.status_code == 303
    csrf = {"X-CSRF-Token": client.cookies.get("fw_csrf") or ""}
    url = f"{LEADS}/{lead['id']}"
    first = client.patch(
        url, json={"data": {"title": "经理"}, "version": lead["version"]}, headers=csrf
    )
    assert first.status_code == 200, first.text
    second = client.patch(
        url, json={"data": {"title": "总监"}, "version": lead["version"]}, headers=csrf
    )
    assert second.status_code == 409
    assert second.json()["errors"][0]["code"] == "stale_version"


# --- an open flow's field permissions --------------------------------------------------------


def review_flow() -> dict[str, Any]:
    review = approval("review", 220, "qian")
    review["config"]["field_permissions"] = {"remark": "editable", "annual_revenue": "hidden"}
    return {
        "format": 1,
        "key": "account_page_review",
        "title": {"zh-CN": "客户复核", "en": "Account review"},
        "form": "account",
        "starts_on": ["record_created"],
        "nodes": [node("start", "start", 0), review, node("done", "end", 440, outcome="approved")],
        "edges": [edge("start", "review"), edge("review", "done", "approved")],
    }


def test_edit_page_follows_the_open_flow_and_the_server_refuses_the_rest(
    client: TestClient, db: Session, rep_headers: dict[str, str], session_factory: Any
) -> None:
    # given an approval step that lets qian edit only `remark` and hides `annual_revenue`
    publishing.publish(
        db,
        app_key="crm",
        kind="flows",
        key="account_page_review",
        user_id=None,
        now=NOW,
        doc=review_flow(),
    )
    db.commit()
    created = client.post(
        ACCOUNTS, json={"name": "复核客户", "annual_revenue": "1000000"}, headers=rep_headers
    )
    assert created.status_code == 201, created.text
    account = created.json()
    qian = {"Authorization": f"Bearer {key_for(session_factory, 'qian')}"}
    # when qian opens the edit page
    page = client.get(f"/apps/crm/account/{account['id']}/edit", headers=qian)
    # then remark is editable, the rest read-only, annual_revenue not there at all
    assert page.status_code == 200
    assert 'data-field-key="annual_revenue"' not in page.text
    assert re.search(r'<textarea[^>]*name="remark"(?![^>]*disabled)', page.text)
    assert re.search(r'<input[^>]*name="name"[^>]*disabled', page.text)
    assert "只能修改当前审批节点允许你修改的字段" in page.text
    data = boot(page.text, "fw-record-form-boot")
    assert data["can_save"] is True
    assert "name" in data["readonly"]
    assert "remark" not in data["readonly"]
    assert "annual_revenue" not in data["readonly"]  # not on the page at all
    # and the API refuses what the page does not offer
    url = f"{ACCOUNTS}/{account['id']}"
    hidden = client.patch(url, json={"data": {"annual_revenue": "1"}}, headers=qian)
    assert hidden.status_code == 422
    assert hidden.json()["errors"][0] == {
        "field": "annual_revenue",
        "code": "read_only",
        "message": hidden.json()["errors"][0]["message"],
    }
    locked = client.patch(url, json={"data": {"name": "改名"}}, headers=qian)
    assert locked.status_code == 422
    assert locked.json()["errors"][0]["code"] == "read_only"
    allowed = client.patch(url, json={"data": {"remark": "已复核"}}, headers=qian)
    assert allowed.status_code == 200, allowed.text
    # and the submitter, who holds no task, may change nothing while it runs
    rep_page = client.get(f"/apps/crm/account/{account['id']}/edit", headers=rep_headers)
    assert "这条记录现在不能由你修改" in rep_page.text
    assert boot(rep_page.text, "fw-record-form-boot")["can_save"] is False
    assert org.load_user(db, username="qian") is not None
