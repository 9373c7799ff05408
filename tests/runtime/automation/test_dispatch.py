"""Events written with each change; automations started from them once, with their effects."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from builder import publish as publishing
from runtime.automation import service as dispatcher
from runtime.automation.models import Event, EventHandling, Notification
from runtime.flows.models import FlowInstance
from runtime.org import service as org
from runtime.records import service as records
from runtime.records.models import Record
from tests.conftest import NOW, key_for
from tests.runtime.flows.test_flows_concurrency import edge, node


def automation(key: str, trigger: dict[str, Any], *actions: dict[str, Any]) -> dict[str, Any]:
    nodes = [node("start", "start", 0)]
    for index, config in enumerate(actions, start=1):
        nodes.append(node(f"a{index}", "action", 200 * index, **config))
    nodes.append(node("done", "end", 200 * (len(actions) + 1), outcome="completed"))
    ids = [n["id"] for n in nodes]
    return {
        "format": 1,
        "key": key,
        "title": {"zh-CN": key, "en": key},
        "form": "lead",
        "trigger": trigger,
        "nodes": nodes,
        "edges": [edge(a, b) for a, b in pairwise(ids)],
    }


# The shipped lead routing (flow_definitions/crm/lead_routing.json) is published by the seed.


def publish(db: Session, *docs: dict[str, Any]) -> None:
    for doc in docs:
        publishing.publish(
            db, app_key="crm", kind="flows", key=doc["key"], user_id=None, now=NOW, doc=doc
        )


def lead(db: Session, **values: Any) -> Record:
    return records.create_record(
        db,
        form=records.load_form(db, app_key="crm", form_key="lead"),
        raw={"name": "周一", "company": "北辰科技", "phone": "13900001111", **values},
        actor=None,
        now=NOW,
    )


def pending(db: Session) -> list[Event]:
    return list(db.scalars(select(Event).where(Event.status == "pending").order_by(Event.id)))


def test_every_change_writes_its_event_in_the_same_transaction(db: Session) -> None:
    record = lead(db, city="上海")
    rep = org.load_user(db, username="north_a")
    records.update_record(
        db, record=record, raw={"city": "北京"}, expected_version=None, actor=rep, now=NOW
    )
    records.delete_record(db, record=record, expected_version=None, actor=rep, now=NOW)
    events = [e for e in pending(db) if e.record_id == record.id]
    assert [e.kind for e in events] == ["record_created", "record_updated", "record_deleted"]
    assert events[1].payload["changes"] == [{"field": "city", "from": "上海", "to": "北京"}]
    assert events[1].actor_id == rep.id
    assert {e.depth for e in events} == {0}


def test_a_new_lead_is_routed_and_its_owner_notified_once(db: Session) -> None:
    beijing, shanghai = lead(db, city="北京"), lead(db, city="上海", phone="13900002222")
    assert dispatcher.dispatch(db, now=NOW) >= 2
    assert pending(db) == [] or all(e.depth > 0 for e in pending(db))

    db.refresh(beijing)
    assert beijing.data["owner"] == "wang"
    db.refresh(shanghai)
    assert shanghai.data["owner"] in {"east_a", "east_b"}  # 上海: the east team in turn
    instance = db.scalars(
        select(FlowInstance).where(
            FlowInstance.record_id == beijing.id, FlowInstance.flow_key == "lead_routing"
        )
    ).one()
    assert (instance.flow_key, instance.status, instance.submitter_id) == (
        "lead_routing",
        "completed",
        None,
    )
    note = db.scalars(select(Notification).where(Notification.record_id == beijing.id)).one()
    assert note.user_id == org.load_user(db, username="wang").id
    assert note.title == "新线索：北辰科技"
    assert note.body == "周一，139 0000 1111，北京。请在 15 分钟内首次联系。"  # phone as displayed

    # At-least-once delivery: the same event offered again starts nothing more.
    created = db.scalars(
        select(Event).where(Event.record_id == beijing.id, Event.kind == "record_created")
    ).one()
    created.status = "pending"
    db.flush()
    started = db.scalar(
        select(func.count(FlowInstance.id)).where(FlowInstance.record_id == beijing.id)
    )
    dispatcher.dispatch(db, now=NOW)
    assert started == 2  # routing and scoring, once each
    assert (
        db.scalar(select(func.count(FlowInstance.id)).where(FlowInstance.record_id == beijing.id))
        == started
    )
    assert (
        db.scalar(select(func.count(Notification.id)).where(Notification.record_id == beijing.id))
        == 1
    )


def test_changes_an_automation_makes_carry_their_cause(db: Session) -> None:
    record = lead(db, city="北京")
    dispatcher.dispatch(db, now=NOW)
    caused = db.scalars(
        select(Event).where(Event.record_id == record.id, Event.kind == "record_updated")
    ).all()
    origin = db.scalars(
        select(Event).where(Event.record_id == record.id, Event.kind == "record_created")
    ).one()
    assert caused  # the routing's owner and the scoring's points
    assert {(event.cause_id, event.depth) for event in caused} == {(origin.id, 1)}


def test_a_rule_that_retriggers_itself_is_stopped_by_the_loop_guard(db: Session) -> None:
    bouncing = automation(
        "bounce",
        {"type": "record_updated", "fields": ["remark"]},
        {"action": "update_fields", "params": {"fields": {"remark": "{}"}}},
    )
    # Each run writes a different remark, so each run causes another update event.
    bouncing["nodes"][1]["config"]["params"]["fields"] = {"remark": "x"}
    flip = automation(
        "flip",
        {"type": "record_updated", "fields": ["remark"]},
        {"action": "update_fields", "params": {"fields": {"remark": "y"}}},
    )
    flip["trigger"]["condition"] = {"field": "remark", "op": "eq", "value": "x"}
    bouncing["trigger"]["condition"] = {"field": "remark", "op": "ne", "value": "x"}
    publish(db, bouncing, flip)
    record = lead(db, city="上海")
    rep = org.load_user(db, username="north_a")
    records.update_record(
        db, record=record, raw={"remark": "start"}, expected_version=None, actor=rep, now=NOW
    )
    for _ in range(30):
        if dispatcher.dispatch(db, now=NOW) == 0:
            break
    guards = db.scalars(select(EventHandling).where(EventHandling.outcome == "loop_guard")).all()
    assert len(guards) == 1
    assert guards[0].detail["depth"] == dispatcher.MAX_DEPTH
    assert pending(db) == []


def test_notifications_api_lists_and_marks_read(client, session_factory) -> None:
    created = client.post(
        "/f/crm/lead",
        json={"name": "吴二", "company": "京华贸易", "phone": "13900003333", "city": "北京"},
    )
    assert created.status_code == 201, created.text
    with session_factory() as db:
        dispatcher.dispatch(db, now=NOW)
        db.commit()
    wang = {"Authorization": f"Bearer {key_for(session_factory, 'wang')}"}
    listed = client.get("/api/notifications", headers=wang).json()
    mine = [n for n in listed["items"] if n["record_id"] == created.json()["id"]]
    assert [n["title"] for n in mine] == ["新线索：京华贸易"]
    assert listed["unread"] >= 1
    read = client.post(f"/api/notifications/{mine[0]['id']}/read", headers=wang)
    assert read.status_code == 204
    others = {"Authorization": f"Bearer {key_for(session_factory, 'qian')}"}
    assert (
        client.post(f"/api/notifications/{mine[0]['id']}/read", headers=others).status_code == 404
    )
    again = client.get("/api/notifications?unread=true", headers=wang).json()["items"]
    assert all(n["id"] != mine[0]["id"] for n in again)


def test_the_owner_gets_a_first_call_todo_due_in_15_minutes(client, session_factory) -> None:
    created = client.post(
        "/f/crm/lead",
        json={"name": "陈六", "company": "海淀软件", "phone": "13900006666", "city": "北京"},
    )
    assert created.status_code == 201, created.text
    with session_factory() as db:
        dispatcher.dispatch(db, now=NOW)
        db.commit()
    wang = {"Authorization": f"Bearer {key_for(session_factory, 'wang')}"}
    mine = client.get("/api/tasks", headers=wang).json()["items"]
    todo = next(t for t in mine if t["record"]["id"] == created.json()["id"])
    assert (todo["kind"], todo["title"], todo["priority"]) == (
        "todo",
        "15 分钟内首次联系：海淀软件",
        "high",
    )
    assert todo["due_at"] == "2026-11-22T08:15:00Z"
    url = f"/api/tasks/{todo['id']}/complete"
    wrong = client.post(url, json={"outcome": "approve"}, headers=wang)
    assert (wrong.status_code, wrong.json()["errors"][0]["code"]) == (422, "invalid_outcome")
    done = client.post(url, json={"outcome": "done", "comment": "已电话联系"}, headers=wang)
    assert done.status_code == 200, done.text
    again = client.post(url, json={"outcome": "done"}, headers=wang)
    assert again.status_code == 409
