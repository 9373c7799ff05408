"""Lead scoring (DESIGN §7, automation 2): attribute points, behaviour points, MQL at 80."""

from __future__ import annotations

from sqlalchemy import select

from runtime.automation import service as dispatcher
from runtime.automation.models import Notification
from runtime.tasks.models import Task
from tests.conftest import NOW

EVENTS = "/api/apps/crm/events"


def new_lead(client, **values) -> int:
    lead = {"name": "蒋九", "company": "云端智造", "phone": "13900008888", "city": "北京", **values}
    created = client.post("/f/crm/lead", json=lead)
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def run_automations(session_factory) -> None:
    with session_factory() as db:
        while dispatcher.dispatch(db, now=NOW):
            pass
        db.commit()


def lead_data(client, admin_headers, record_id: int) -> dict:
    url = f"/api/apps/crm/forms/lead/records/{record_id}"
    return client.get(url, headers=admin_headers).json()["data"]


def test_attributes_score_a_new_lead(client, session_factory, admin_headers) -> None:
    decision_maker = new_lead(client, title="CEO", company_size=800, industry="高科技/互联网")
    clerk = new_lead(
        client, title="采购专员", company_size=30, industry="零售/快消", phone="13900008889"
    )
    run_automations(session_factory)
    assert lead_data(client, admin_headers, decision_maker)["score"] == 45  # 20 + 15 + 10
    assert lead_data(client, admin_headers, clerk)["score"] == 10  # 5 + 5


def test_behaviour_points_make_an_mql_at_80(client, session_factory, admin_headers) -> None:
    record_id = new_lead(client, title="VP 销售", company_size=800, industry="金融")
    run_automations(session_factory)
    assert lead_data(client, admin_headers, record_id)["score"] == 45
    behaviours = [
        {"type": "page_view", "data": {"page": "about"}},  # no rule: no points
        {"type": "page_view", "data": {"page": "pricing"}},  # +15 → 60
        {"type": "webinar_attended"},  # +20 → 80: MQL
        {"type": "email_open"},  # +2 → 82: already over, no second MQL
    ]
    for behaviour in behaviours:
        posted = client.post(
            EVENTS,
            json={**behaviour, "form": "lead", "record_id": record_id},
            headers=admin_headers,
        )
        assert posted.status_code == 201, posted.text
    run_automations(session_factory)
    data = lead_data(client, admin_headers, record_id)
    assert (data["score"], data["status"]) == (82, "MQL")
    with session_factory() as db:
        tasks = db.scalars(
            select(Task).where(Task.kind == "todo", Task.title.like("【高价值线索】%"))
        )
        calls = [t for t in tasks if t.title.endswith("云端智造")]
        notes = db.scalars(select(Notification.title).where(Notification.record_id == record_id))
        titles = list(notes)
    assert len(calls) == 1
    assert calls[0].priority == "high"
    # One MQL notification, with the score as it is when the MQL automation runs.
    assert [t for t in titles if t.startswith("高价值线索：")] == ["高价值线索：云端智造（82 分）"]
    assert "大客户线索：云端智造（800 人）" in titles  # lead routing: over 500 people


def test_behaviour_events_are_checked(client, admin_headers, rep_headers) -> None:
    record_id = new_lead(client)
    good = {"type": "download", "form": "lead", "record_id": record_id, "data": {"asset": "x"}}
    assert client.post(EVENTS, json=good, headers=rep_headers).status_code == 201
    for bad, field in (
        ({**good, "type": "Drop Table"}, "type"),
        ({**good, "record_id": "7"}, "record_id"),
        ({**good, "data": {"nested": {"a": 1}}}, "data"),
        ({**good, "form": "../lead"}, "form"),
    ):
        answer = client.post(EVENTS, json=bad, headers=admin_headers)
        assert answer.status_code == 422, (bad, answer.text)
        assert answer.json()["errors"][0]["field"] == field
    missing = client.post(EVENTS, json={**good, "record_id": 999_999}, headers=admin_headers)
    assert missing.status_code == 404
    assert client.post(EVENTS, json=good).status_code == 401
