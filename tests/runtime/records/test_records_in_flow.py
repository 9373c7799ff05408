"""While a flow runs on a record, its node's field permissions govern edits and views."""

from __future__ import annotations

from tests.conftest import key_for


def headers_for(session_factory, username):
    return {"Authorization": f"Bearer {key_for(session_factory, username)}"}


def small_quote(client, headers):
    account = client.post(
        "/api/apps/crm/forms/account/records", json={"name": "河岸贸易"}, headers=headers
    ).json()
    opportunity = client.post(
        "/api/apps/crm/forms/opportunity/records",
        json={"name": "河岸项目", "account": account["id"], "stage": "方案报价"},
        headers=headers,
    ).json()
    response = client.post(
        "/api/apps/crm/forms/quote/records",
        json={
            "opportunity": opportunity["id"],
            "discount": "0.9",
            "items": [{"product": "标准版", "quantity": 1, "unit_price": "1000"}],
        },
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_approver_edits_only_editable_fields_and_others_none(client, session_factory):
    rep, qian = headers_for(session_factory, "north_a"), headers_for(session_factory, "qian")
    quote = small_quote(client, rep)  # goes to qian; discount read-only, terms editable there
    url = f"/api/apps/crm/forms/quote/records/{quote['id']}"
    refused = client.patch(url, json={"discount": "0.5"}, headers=qian)
    assert refused.status_code == 422
    assert refused.json()["errors"][0] == {
        "field": "discount",
        "code": "read_only",
        "message": refused.json()["errors"][0]["message"],
    }
    allowed = client.patch(url, json={"terms": "分两期付款"}, headers=qian)
    assert allowed.status_code == 200, allowed.text
    locked = client.patch(url, json={"terms": "一次付清"}, headers=rep)
    assert locked.status_code == 422
    assert locked.json()["errors"][0]["code"] == "read_only"


def test_record_is_editable_again_when_the_flow_ends(client, session_factory):
    rep, qian = headers_for(session_factory, "north_a"), headers_for(session_factory, "qian")
    quote = small_quote(client, rep)
    task = client.get("/api/tasks", headers=qian).json()["items"][0]
    done = client.post(
        f"/api/tasks/{task['id']}/complete", json={"outcome": "approve"}, headers=qian
    )
    assert done.status_code == 200, done.text
    url = f"/api/apps/crm/forms/quote/records/{quote['id']}"
    assert client.patch(url, json={"terms": "一次付清"}, headers=rep).status_code == 200


def test_instance_view_carries_display_text_in_the_callers_language(client, session_factory):
    rep, qian = headers_for(session_factory, "north_a"), headers_for(session_factory, "qian")
    small_quote(client, rep)
    task = client.get("/api/tasks", headers=qian).json()["items"][0]
    url = f"/api/instances/{task['instance_id']}"
    zh = client.get(url, params={"lang": "zh-CN"}, headers=qian).json()["record"]["display"]
    en = client.get(url, params={"lang": "en"}, headers=qian).json()["record"]["display"]
    assert zh["total"] == "¥900.00"
    assert en["total"] == "CN¥900.00"
