"""The public lead form: render, submit, idempotency, honeypot, dedupe, limits, CORS."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import func, select

from runtime.records.models import Record

FORM = "/f/crm/lead"
LEAD = {
    "name": "陈七",
    "company": "云帆网络",
    "phone": "13912345678",
    "city": "上海",
    "email": "chen@yunfan.cn",
}


def count_leads(db):
    return db.scalar(
        select(func.count(Record.id)).where(Record.form_key == "lead", Record.deleted_at.is_(None))
    )


def test_renders_in_both_languages(client):
    zh = client.get(FORM, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert zh.status_code == 200
    assert 'lang="zh-CN"' in zh.text
    assert "线索" in zh.text
    en = client.get(FORM + "?lang=en")
    assert 'lang="en"' in en.text
    assert 'name="website"' in en.text  # honeypot
    assert 'name="_idempotency_key"' in en.text
    assert 'name="owner"' not in en.text  # not a public field


def test_json_submit_creates_one_record(client, db):
    before = count_leads(db)
    response = client.post(FORM, json=LEAD)
    assert response.status_code == 201, response.text
    assert response.json()["outcome"] == "created"
    assert count_leads(db) == before + 1


def test_form_encoded_submit_shows_thanks(client, db):
    before = count_leads(db)
    response = client.post(FORM, data={**LEAD, "website": "", "_idempotency_key": "k-form-1"})
    assert response.status_code == 200
    assert "fw-thanks" in response.text or "感谢" in response.text
    assert count_leads(db) == before + 1


def test_invalid_form_post_rerenders_with_errors_and_stores_nothing(client, db):
    before = count_leads(db)
    response = client.post(FORM, data={"company": "<b>x</b>", "phone": "123"})
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.text
    assert "&lt;b&gt;x&lt;/b&gt;" in response.text
    assert count_leads(db) == before


def test_honeypot_stores_nothing_but_looks_fine(client, db):
    before = count_leads(db)
    response = client.post(FORM, json={**LEAD, "website": "http://spam.example"})
    assert response.status_code == 201
    assert response.json()["id"] is None
    assert count_leads(db) == before


def test_same_idempotency_key_stores_once(client, db):
    before = count_leads(db)
    headers = {"Idempotency-Key": "abc-123"}
    first = client.post(FORM, json=LEAD, headers=headers)
    second = client.post(FORM, json=LEAD, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert second.json()["outcome"] == "duplicate"
    assert count_leads(db) == before + 1


def test_same_idempotency_key_with_other_payload_is_422(client):
    headers = {"Idempotency-Key": "abc-456"}
    assert client.post(FORM, json=LEAD, headers=headers).status_code == 201
    other = client.post(FORM, json={**LEAD, "name": "别人"}, headers=headers)
    assert other.status_code == 422
    assert other.json()["errors"][0]["code"] == "idempotency_key_reused"


def test_duplicate_phone_updates_existing_lead(client, db):
    first = client.post(FORM, json=LEAD).json()
    again = client.post(FORM, json={**LEAD, "phone": "139 1234 5678", "title": "VP"}).json()
    assert again["outcome"] == "updated"
    assert again["id"] == first["id"]
    record = db.get(Record, first["id"])
    db.refresh(record)
    assert record.data["title"] == "VP"


def test_body_over_limit_is_413(client, db):
    before = count_leads(db)
    response = client.post(
        FORM, content=b"x" * (300 * 1024), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "payload_too_large"
    assert count_leads(db) == before


def test_rate_limit_answers_429(client):
    statuses = [
        client.post(FORM, json={**LEAD, "phone": f"1391234{i:04d}"}).status_code for i in range(12)
    ]
    assert statuses[:10] == [201] * 10
    assert statuses[10:] == [429, 429]


def test_foreign_origin_is_refused(client, db):
    before = count_leads(db)
    response = client.post(FORM, json=LEAD, headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    assert count_leads(db) == before


def test_utm_and_referrer_are_captured(client, db):
    page = client.get(FORM + "?utm_source=baidu&utm_campaign=winter")
    assert 'value="baidu"' in page.text
    response = client.post(
        FORM,
        json={**LEAD, "utm_source": "baidu"},
        headers={"Referer": "https://www.example.com/pricing"},
    )
    record = db.get(Record, response.json()["id"])
    assert record.data["utm_source"] == "baidu"
    assert record.data["referrer"] == "https://www.example.com/pricing"


def test_bad_json_bodies_are_4xx(client):
    for body in (b"{", b"[1,2]", b"\xff\xfe"):
        response = client.post(FORM, content=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 422, body
    assert client.post("/f/crm/nope", json=LEAD).status_code == 404
    assert client.post("/f/crm/account", json={"name": "x"}).status_code == 404


def test_embed_script_names_the_form_url(client):
    response = client.get(FORM + "/embed.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/javascript")
    assert '"http://testserver/f/crm/lead"' in response.text


def test_dedupe_follows_a_change_of_dedupe_keys(client, admin_headers):
    # given a lead stored while only phone was a dedupe key
    doc = client.get("/api/apps/crm/forms/lead", headers=admin_headers).json()["definition"]
    doc["public"]["dedupe"] = {"keys": ["phone"], "policy": "skip"}
    client.put("/api/apps/crm/forms/lead", json=doc, headers=admin_headers)
    assert client.post("/api/apps/crm/forms/lead/publish", headers=admin_headers).status_code == 200
    first = client.post(FORM, json=LEAD).json()
    # when email becomes a dedupe key too
    doc["public"]["dedupe"] = {"keys": ["phone", "email"], "policy": "skip"}
    client.put("/api/apps/crm/forms/lead", json=doc, headers=admin_headers)
    assert client.post("/api/apps/crm/forms/lead/publish", headers=admin_headers).status_code == 200
    # then an existing lead is found by its email as well
    again = client.post(FORM, json={**LEAD, "phone": "13700000000"}).json()
    assert again == {"id": first["id"], "outcome": "skipped"}


def test_deleted_lead_is_not_a_duplicate(client, admin_headers):
    first = client.post(FORM, json=LEAD).json()
    url = f"/api/apps/crm/forms/lead/records/{first['id']}"
    assert client.delete(url, headers=admin_headers).status_code == 204
    again = client.post(FORM, json=LEAD).json()
    assert again["outcome"] == "created"
    assert again["id"] != first["id"]


def test_the_submit_lane_keeps_the_route_for_metrics_and_leaves_other_paths_to_the_router(
    client,
):
    assert client.post(FORM, json=LEAD).status_code == 201
    assert client.post("/f/crm/no_such_form", json=LEAD).status_code == 404
    assert client.post("/f/crm/Bad-Name!", json=LEAD).json()["errors"][0]["code"] == (
        "definition_not_found"
    )
    # Not the submit's path: the router answers as it always did.
    assert client.post(FORM + "/", json=LEAD, follow_redirects=False).status_code == 307
    assert client.post(FORM + "/embed.js", json=LEAD).status_code == 405
    assert client.get(FORM).status_code == 200
    text = client.get("/metrics").text
    route = 'method="POST",route="/f/{app}/{form}"'
    assert f'formwork_http_requests_total{{{route},status="201"}} 1' in text
    assert f'formwork_http_requests_total{{{route},status="404"}} 2' in text


def test_an_error_with_a_handler_is_answered_by_the_apps_handler_on_the_lane(app):
    """What escapes `submit_form` meets the app's exception handlers, as behind the router."""
    from sqlalchemy.exc import IntegrityError
    from starlette.requests import Request

    from runtime.forms.public_api import _handled

    request = Request({"type": "http", "app": app, "method": "POST", "path": FORM, "headers": []})
    error = IntegrityError("INSERT …", {}, Exception("duplicate key"))
    response = asyncio.run(_handled(request, error))
    assert response.status_code == 409
    assert json.loads(response.body)["errors"][0]["code"] == "conflict"
    with pytest.raises(ZeroDivisionError):  # no handler: on to the server-error middleware
        asyncio.run(_handled(request, ZeroDivisionError()))
