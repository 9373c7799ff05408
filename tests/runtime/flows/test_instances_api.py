"""Flow instances over HTTP: state, trace and field permissions; withdraw by the submitter."""

from __future__ import annotations

import pytest

from tests.conftest import key_for


def bearer(session_factory, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key_for(session_factory, username)}"}


@pytest.fixture
def zhao(session_factory) -> dict[str, str]:
    return bearer(session_factory, "zhao")


@pytest.fixture
def qian(session_factory) -> dict[str, str]:
    return bearer(session_factory, "qian")


def big_quote(client, headers) -> dict:
    account = client.post(
        "/api/apps/crm/forms/account/records", json={"name": "远山科技"}, headers=headers
    ).json()
    opportunity = client.post(
        "/api/apps/crm/forms/opportunity/records",
        json={"name": "远山 ERP", "account": account["id"], "stage": "方案报价"},
        headers=headers,
    ).json()
    body = {
        "opportunity": opportunity["id"],
        "items": [{"product": "企业版", "quantity": 2, "unit_price": "400000"}],
        "discount": "0.75",
    }
    quote = client.post("/api/apps/crm/forms/quote/records", json=body, headers=headers)
    assert quote.status_code == 201, quote.text
    return quote.json()


def zhao_task(client, zhao, record_id: int) -> dict:
    items = client.get("/api/tasks", headers=zhao).json()["items"]
    found = [t for t in items if t["record"]["id"] == record_id]
    assert len(found) == 1
    return found[0]


def test_instance_view_shows_state_record_tasks_trace(client, rep_headers, zhao):
    quote = big_quote(client, rep_headers)
    task = zhao_task(client, zhao, quote["id"])
    response = client.get(f"/api/instances/{task['instance_id']}", headers=zhao)
    assert response.status_code == 200, response.text
    instance = response.json()
    assert instance["id"] == task["instance_id"]
    assert (instance["app"], instance["flow"], instance["status"]) == (
        "crm",
        "quote_approval",
        "running",
    )
    assert instance["submitter"] == "north_a"
    assert instance["record"]["id"] == quote["id"]
    assert instance["record"]["data"]["total"] == "600000.00"
    assert [t["id"] for t in instance["tasks"]] == [task["id"]]
    conditions = [e for e in instance["trace"] if e["kind"] == "condition"]
    assert conditions[0]["data"] == {
        "edge": "route_to_director",
        "result": True,
        "values": {"discount": "0.75", "total": "600000.00"},
    }
    assert [e["seq"] for e in instance["trace"]] == sorted(e["seq"] for e in instance["trace"])
    # the approver sees the node's field permissions; the submitter gets none
    assert instance["field_permissions"] == {
        "discount": "read_only",
        "items": "read_only",
        "terms": "editable",
    }
    mine = client.get(f"/api/instances/{task['instance_id']}", headers=rep_headers).json()
    assert mine["field_permissions"] == {}


def test_withdraw_by_the_submitter_cancels_the_task(client, rep_headers, zhao):
    quote = big_quote(client, rep_headers)
    task = zhao_task(client, zhao, quote["id"])
    response = client.post(f"/api/instances/{task['instance_id']}/withdraw", headers=rep_headers)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "withdrawn"
    assert client.get("/api/tasks", headers=zhao).json()["items"] == []
    late = client.post(
        f"/api/tasks/{task['id']}/complete", json={"outcome": "approve"}, headers=zhao
    )
    assert late.status_code == 409, late.text
    again = client.post(f"/api/instances/{task['instance_id']}/withdraw", headers=rep_headers)
    assert again.status_code == 409, again.text


def test_withdraw_by_anyone_else_is_403(client, rep_headers, zhao, qian, admin_headers):
    quote = big_quote(client, rep_headers)
    task = zhao_task(client, zhao, quote["id"])
    for headers in (zhao, qian, admin_headers):
        response = client.post(f"/api/instances/{task['instance_id']}/withdraw", headers=headers)
        assert response.status_code == 403, response.text
        assert response.json()["errors"][0]["code"] == "not_submitter"
    assert (
        client.get(f"/api/instances/{task['instance_id']}", headers=zhao).json()["status"]
        == "running"
    )


def test_unknown_instance_is_404_and_bad_ids_422(client, zhao):
    missing = client.get("/api/instances/999999", headers=zhao)
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["code"] == "instance_not_found"
    assert client.post("/api/instances/999999/withdraw", headers=zhao).status_code == 404
    for bad in ("0", "-3", "2147483648", "x"):
        response = client.get(f"/api/instances/{bad}", headers=zhao)
        assert response.status_code == 422, (bad, response.text)
        assert response.json()["errors"][0]["code"]


def test_instances_need_a_login(client):
    assert client.get("/api/instances/1").status_code == 401
    assert client.post("/api/instances/1/withdraw").status_code == 401
