"""While a flow runs on a record, its node's field permissions govern edits and views."""

from __future__ import annotations

import json

from tests.conftest import key_for


def headers_for(session_factory, username):
    return {"Authorization": f"Bearer {key_for(session_factory, username)}"}


def small_quote(client, headers, *, discount="0.9", unit_price="1000", product="标准版"):
    """A quote over the API (with its account and opportunity); small ones go to qian."""
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
            "discount": discount,
            "items": [{"product": product, "quantity": 1, "unit_price": unit_price}],
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


HIDING = {
    "format": 1,
    "key": "account_vetting",
    "title": {"zh-CN": "客户审核", "en": "Account vetting"},
    "form": "account",
    "starts_on": ["record_created"],
    "nodes": [
        {"id": "start", "type": "start", "position": {"x": 0, "y": 0}, "config": {}},
        {"id": "size", "type": "condition", "position": {"x": 110, "y": 0}, "config": {}},
        {
            "id": "vet",
            "type": "approval",
            "position": {"x": 220, "y": 0},
            "config": {
                "mode": "single",
                "approvers": [{"type": "users", "users": ["qian"]}],
                "field_permissions": {"annual_revenue": "hidden"},
            },
        },
        {"id": "done", "type": "end", "position": {"x": 440, "y": 0}, "config": {}},
    ],
    "edges": [
        {"id": "a", "from": "start", "to": "size"},
        # The condition reads the field the approver may not see (its trace keeps the value).
        {
            "id": "big",
            "from": "size",
            "to": "vet",
            "order": 1,
            "condition": {"field": "annual_revenue", "op": "gt", "value": 1000},
        },
        {"id": "small", "from": "size", "to": "done", "default": True},
        {"id": "b", "from": "vet", "to": "done", "port": "approved"},
    ],
}


def test_a_hidden_field_is_hidden_everywhere_the_approver_reads_the_record(client, session_factory):
    from builder import publish as publishing
    from tests.conftest import NOW

    with session_factory() as db:
        publishing.publish(
            db,
            app_key="crm",
            kind="flows",
            key="account_vetting",
            user_id=None,
            now=NOW,
            doc=HIDING,
        )
        db.commit()
    rep, qian = headers_for(session_factory, "north_a"), headers_for(session_factory, "qian")
    created = client.post(
        "/api/apps/crm/forms/account/records",
        json={"name": "深蓝资本", "annual_revenue": "98765432"},
        headers=rep,
    ).json()
    base = "/api/apps/crm/forms/account/records"
    url = f"{base}/{created['id']}"

    # The submitter holds no task: the flow hides nothing from them.
    assert client.get(url, headers=rep).json()["data"]["annual_revenue"] == "98765432.00"
    # The approver does not see it: not in the record, the list, the timeline, the instance,
    # nor the pages.
    assert "annual_revenue" not in client.get(url, headers=qian).json()["data"]
    listed = client.get(base, headers=qian).json()["items"]
    mine = next(item for item in listed if item["id"] == created["id"])
    assert "annual_revenue" not in mine["data"]
    timeline = client.get(f"{url}/timeline", headers=qian).json()["items"]
    assert all(c["field"] != "annual_revenue" for item in timeline for c in item["changes"])
    task = client.get("/api/tasks", headers=qian).json()["items"][0]
    instance = client.get(f"/api/instances/{task['instance_id']}", headers=qian).json()
    assert "annual_revenue" not in instance["record"]["data"]
    assert "annual_revenue" not in instance["record"]["display"]
    assert "98765432" not in json.dumps(instance["trace"])  # nor what the condition read …
    submitters = client.get(f"/api/instances/{task['instance_id']}", headers=rep).json()
    assert "98765432" in json.dumps(submitters["trace"])  # … which the submitter does see
    for page in (f"/apps/crm/account/{created['id']}", "/apps/crm/account"):
        response = client.get(page, headers=qian, follow_redirects=False)
        assert response.status_code == 200
        html = response.text
        assert "深蓝资本" in html  # the record is there …
        assert "98,765,432" not in html  # … without the hidden value
        assert "98765432" not in html
    # The same page shows it to the submitter (the check above can fail).
    assert "98,765,432" in client.get(f"/apps/crm/account/{created['id']}", headers=rep).text
    # Once decided, nothing is hidden any more.
    done = client.post(
        f"/api/tasks/{task['id']}/complete", json={"outcome": "approve"}, headers=qian
    )
    assert done.status_code == 200, done.text
    assert client.get(url, headers=qian).json()["data"]["annual_revenue"] == "98765432.00"
