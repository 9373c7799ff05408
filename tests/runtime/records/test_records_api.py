"""Records over HTTP: validation, optimistic locking, audit, filters, sort and cursors."""

from __future__ import annotations

import json

LEADS = "/api/apps/crm/forms/lead/records"


def make_lead(client, headers, **data):
    body = {"name": "张三", "company": "星辰科技", "phone": "13800138000", "city": "北京", **data}
    response = client.post(LEADS, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def test_requires_authentication(client):
    response = client.get(LEADS)
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "login_required"


def test_rejects_bad_api_key(client):
    response = client.get(LEADS, headers={"Authorization": "Bearer fw_nope"})
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "bad_api_key"


def test_creates_lead_with_canonical_values_and_default_status(client, admin_headers):
    lead = make_lead(client, admin_headers, phone="138 0013 8000", company_size="1,200")
    assert lead["data"]["phone"] == "+8613800138000"
    assert lead["data"]["company_size"] == 1200
    assert lead["data"]["status"] == "新线索"
    assert lead["version"] == 1
    assert lead["form_version"] == 1


def test_rejects_bad_values_with_every_problem_and_stores_nothing(client, admin_headers):
    before = client.get(LEADS, headers=admin_headers).json()["items"]
    response = client.post(
        LEADS,
        json={"phone": "12345", "email": "not-an-email", "nonsense": 1},
        headers=admin_headers,
    )
    assert response.status_code == 422
    problems = {(e["field"], e["code"]) for e in response.json()["errors"]}
    assert ("name", "required") in problems
    assert ("nonsense", "unknown_field") in problems
    assert any(field == "phone" for field, _ in problems)
    assert any(field == "email" for field, _ in problems)
    for error in response.json()["errors"]:
        assert set(error) >= {"field", "code", "message"}
    assert client.get(LEADS, headers=admin_headers).json()["items"] == before


def test_never_writes_read_only_fields(client, admin_headers):
    response = client.post(LEADS, json={"name": "李四", "score": 99}, headers=admin_headers)
    assert response.status_code == 422
    assert {"field": "score", "code": "read_only"}.items() <= response.json()["errors"][0].items()


def test_rejects_unknown_owner(client, admin_headers):
    body = {"name": "王五", "company": "某公司", "phone": "13800138001", "owner": "ghost"}
    response = client.post(LEADS, json=body, headers=admin_headers)
    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("owner", "not_found")]


def test_update_with_stale_version_answers_409(client, admin_headers):
    lead = make_lead(client, admin_headers)
    url = f"{LEADS}/{lead['id']}"
    first = client.patch(url, json={"version": 1, "title": "CEO"}, headers=admin_headers)
    assert first.status_code == 200, first.text
    assert first.json()["version"] == 2
    stale = client.patch(url, json={"version": 1, "title": "CTO"}, headers=admin_headers)
    assert stale.status_code == 409
    assert stale.json()["errors"][0]["code"] == "stale_version"
    assert client.get(url, headers=admin_headers).json()["data"]["title"] == "CEO"


def test_timeline_records_field_level_changes(client, admin_headers):
    lead = make_lead(client, admin_headers, owner="wang")
    url = f"{LEADS}/{lead['id']}"
    client.patch(url, json={"city": "上海", "owner": "east_a"}, headers=admin_headers)
    items = client.get(f"{url}/timeline", headers=admin_headers).json()["items"]
    assert [item["kind"] for item in items] == ["updated", "created"]
    changes = {c["field"]: (c["from"], c["to"]) for c in items[0]["changes"]}
    assert changes == {"city": ("北京", "上海"), "owner": ("wang", "east_a")}
    assert items[0]["actor"] == "admin"


def test_soft_delete_hides_record(client, admin_headers):
    lead = make_lead(client, admin_headers)
    url = f"{LEADS}/{lead['id']}"
    assert client.delete(url, headers=admin_headers).status_code == 204
    assert client.get(url, headers=admin_headers).status_code == 404
    ids = [r["id"] for r in client.get(LEADS, headers=admin_headers).json()["items"]]
    assert lead["id"] not in ids


def test_filter_sort_and_cursor_pages(client, admin_headers):
    for i in range(7):
        make_lead(
            client,
            admin_headers,
            name=f"线索{i}",
            company_size=100 * i,
            city="深圳" if i % 2 else "北京",
            phone=f"1380013800{i}",
        )
    condition = {
        "all": [
            {"field": "city", "op": "eq", "value": "北京"},
            {"field": "company_size", "op": "gte", "value": 100},
        ]
    }
    seen = []
    cursor = None
    while True:
        params = {"filter": json.dumps(condition), "sort": "-company_size", "limit": 1}
        if cursor:
            params["cursor"] = cursor
        page = client.get(LEADS, params=params, headers=admin_headers).json()
        seen += [r["data"]["company_size"] for r in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [600, 400, 200]


def test_bad_filter_is_a_422_not_a_500(client, admin_headers):
    for bad in (
        "{not json",
        json.dumps({"field": "nope", "op": "eq", "value": 1}),
        json.dumps({"field": "city", "op": "explode", "value": 1}),
        json.dumps([1]),
    ):
        response = client.get(LEADS, params={"filter": bad}, headers=admin_headers)
        assert response.status_code == 422, (bad, response.text)
        assert response.json()["errors"][0]["code"]


def test_unknown_form_is_404(client, admin_headers):
    response = client.get("/api/apps/crm/forms/nope/records", headers=admin_headers)
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "definition_not_found"


def test_quote_gets_serial_number_and_computed_totals(client, admin_headers):
    account = client.post(
        "/api/apps/crm/forms/account/records", json={"name": "星辰科技"}, headers=admin_headers
    ).json()
    opportunity = client.post(
        "/api/apps/crm/forms/opportunity/records",
        json={"name": "星辰 CRM 项目", "account": account["id"], "stage": "方案报价"},
        headers=admin_headers,
    )
    assert opportunity.status_code == 201, opportunity.text
    body = {
        "opportunity": opportunity.json()["id"],
        "items": [
            {"product": "标准版", "quantity": 2, "unit_price": "1000"},
            {"product": "实施服务", "quantity": 1, "unit_price": "500.5"},
        ],
        "discount": "0.75",
    }
    response = client.post("/api/apps/crm/forms/quote/records", json=body, headers=admin_headers)
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert data["number"].startswith("QT-")
    assert data["number"].endswith("-0001")
    assert data["items"][0]["amount"] == "2000.00"
    assert data["subtotal"] == "2500.50"
    assert data["total"] == "1875.38"
    second = client.post("/api/apps/crm/forms/quote/records", json=body, headers=admin_headers)
    assert second.json()["data"]["number"].endswith("-0002")


def walk(client, headers, url, **params):
    """Every page of a list, following next_cursor one row at a time."""
    seen, cursor = [], None
    while True:
        query = {**params, "limit": 1, **({"cursor": cursor} if cursor else {})}
        page = client.get(url, params=query, headers=headers)
        assert page.status_code == 200, page.text
        seen += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if not cursor:
            return seen


def test_money_sorts_as_numbers_and_empty_values_sort_last_descending(client, admin_headers):
    url = "/api/apps/crm/forms/opportunity/records"
    amounts = ["999.00", "1000000.00", None, "25000.50"]
    for i, amount in enumerate(amounts):
        body = {"name": f"商机{i}", "stage": "初步沟通", **({"amount": amount} if amount else {})}
        assert client.post(url, json=body, headers=admin_headers).status_code == 201
    rows = walk(client, admin_headers, url, sort="-amount")
    assert [r["data"].get("amount") for r in rows] == ["1000000.00", "25000.50", "999.00", None]
    rows = walk(client, admin_headers, url, sort="amount")
    assert [r["data"].get("amount") for r in rows] == [None, "999.00", "25000.50", "1000000.00"]


def test_cursor_over_created_at_and_equal_sort_values(client, admin_headers):
    for i in range(4):
        make_lead(client, admin_headers, name=f"同城{i}", city="杭州", phone=f"1370000000{i}")
    by_city = walk(
        client,
        admin_headers,
        LEADS,
        sort="city",
        filter=json.dumps({"field": "city", "op": "eq", "value": "杭州"}),
    )
    assert [r["data"]["name"] for r in by_city] == ["同城0", "同城1", "同城2", "同城3"]
    newest = walk(
        client,
        admin_headers,
        LEADS,
        sort="-created_at",
        filter=json.dumps({"field": "city", "op": "eq", "value": "杭州"}),
    )
    assert [r["data"]["name"] for r in newest] == ["同城3", "同城2", "同城1", "同城0"]


def test_list_fields_cannot_be_sorted(client, admin_headers):
    response = client.get(LEADS, params={"sort": "tags"}, headers=admin_headers)
    assert response.status_code == 422
    assert response.json()["errors"][0] == {
        "field": "sort",
        "code": "unsortable_field",
        "message": "Cannot sort by the list field 'tags'.",
    }


def test_text_no_database_can_store_is_refused(client, admin_headers):
    for bad in ('{"name": "a\\u0000b"}', '{"name": "\\ud800"}'):
        response = client.post(
            LEADS,
            content=bad.encode(),
            headers={**admin_headers, "Content-Type": "application/json"},
        )
        assert response.status_code == 422, bad
        assert response.json()["errors"][0]["code"] == "invalid_text"


def test_ids_beyond_the_database_range_are_bad_input(client, admin_headers):
    response = client.get(f"{LEADS}/99999999999999999999", headers=admin_headers)
    assert response.status_code == 422
    assert (
        client.get("/api/apps/CRM%00/forms/lead/records", headers=admin_headers).status_code == 422
    )


def test_detail_page_shows_rows_links_and_formatted_history(client, admin_headers):
    from tests.runtime.auth.test_auth_api import login

    account = client.post(
        "/api/apps/crm/forms/account/records", json={"name": "远山科技"}, headers=admin_headers
    ).json()
    opportunity = client.post(
        "/api/apps/crm/forms/opportunity/records",
        json={"name": "远山项目", "account": account["id"], "stage": "方案报价"},
        headers=admin_headers,
    ).json()
    quote = client.post(
        "/api/apps/crm/forms/quote/records",
        json={
            "opportunity": opportunity["id"],
            "discount": "0.9",
            "items": [{"product": "标准版", "quantity": 3, "unit_price": "1000"}],
        },
        headers=admin_headers,
    ).json()
    login(client)
    html = client.get(f"/apps/crm/quote/{quote['id']}").text
    assert f'href="/apps/crm/opportunity/{opportunity["id"]}">远山项目</a>' in html
    assert "<td>标准版</td>" in html
    assert "¥3,000.00" in html
    assert "'product'" not in html  # no Python reprs in the history
