"""Incidents: failed background work is listed for admins and an operator's retry resumes it.

These run the in-process loop; tests/runtime/automation/test_worker.py does the same through
Celery workers on Redis.
"""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise
from typing import Any

import pytest
from sqlalchemy import select, text

from runtime.automation import incidents, loop
from runtime.automation import service as dispatcher
from runtime.automation.models import Event, EventHandling, OutboxItem
from runtime.automation.outbox import MAX_ATTEMPTS, Outbound
from runtime.errors import Conflict
from runtime.flows import service as flows
from runtime.flows.models import FlowInstance
from runtime.records.models import Record
from runtime.scheduler.models import Timer
from tests.conftest import NOW
from tests.runtime.automation.test_dispatch import automation, lead, publish
from tests.runtime.automation.test_outbox import ALLOW, Sink, instance_of, new_lead, webhook
from tests.runtime.flows.test_flows_concurrency import edge, node


@pytest.fixture
def sink():
    found = Sink()
    yield found
    found.server.shutdown()


def run(session_factory, minutes: float = 0) -> None:
    loop.run_once(session_factory, now=NOW + timedelta(minutes=minutes), outbound=Outbound(ALLOW))


def outbox_item(session_factory, instance_id: int) -> OutboxItem:
    with session_factory() as db:
        return db.scalars(select(OutboxItem).where(OutboxItem.instance_id == instance_id)).one()


def test_a_call_whose_retries_ran_out_waits_as_an_incident_until_retried(
    client, session_factory, sink, admin_headers, rep_headers
) -> None:
    with session_factory() as db:
        publish(db, webhook(sink))
        db.commit()
    sink.statuses = [503] * MAX_ATTEMPTS
    record_id = new_lead(client, phone="13900007001")
    for minute in range(MAX_ATTEMPTS):  # each pass is past the previous backoff
        run(session_factory, minute)
    assert len(sink.requests) == MAX_ATTEMPTS
    instance = instance_of(session_factory, record_id, sink)
    assert instance.status == "running"  # the flow waits at its node for an operator
    item = outbox_item(session_factory, instance.id)
    assert (item.status, item.attempts, item.last_error) == ("failed", MAX_ATTEMPTS, "HTTP 503")

    assert client.get("/api/incidents", headers=rep_headers).status_code == 403
    listed = client.get("/api/incidents", headers=admin_headers).json()["items"]
    mine = [i for i in listed if i["kind"] == "outbox" and i["id"] == item.id]
    assert mine == [
        {
            "kind": "outbox",
            "id": item.id,
            "error": "HTTP 503",
            "attempts": MAX_ATTEMPTS,
            "at": mine[0]["at"],
            "retryable": True,
            "key": item.key,
            "action": "http",
            "instance_id": instance.id,
            "action_key": item.action_key,
        }
    ]
    assert mine[0]["at"].endswith("Z")

    url = f"/api/incidents/outbox/{item.id}/retry"
    assert client.post(url, headers=rep_headers).status_code == 403
    first = client.post(url, headers=admin_headers)
    assert first.status_code == 200, first.text
    assert first.json() == {"kind": "outbox", "id": item.id, "status": "pending"}
    again = client.post(url, headers=admin_headers)  # a double click changes nothing
    assert again.json() == {"kind": "outbox", "id": item.id, "status": "pending"}

    run(session_factory, MAX_ATTEMPTS + 1)
    assert len(sink.requests) == MAX_ATTEMPTS + 1  # sent once more, not twice
    assert {r["headers"]["Idempotency-Key"] for r in sink.requests} == {item.key}
    assert instance_of(session_factory, record_id, sink).status == "completed"
    assert outbox_item(session_factory, instance.id).status == "done"
    listed = client.get("/api/incidents?kind=outbox", headers=admin_headers).json()["items"]
    assert item.id not in [i["id"] for i in listed]
    done = client.post(url, headers=admin_headers)
    assert done.status_code == 409
    assert done.json()["errors"][0]["code"] == "not_failed"


def test_a_refused_call_whose_flow_ended_otherwise_is_listed_but_not_sent_again(
    client, session_factory, sink, admin_headers
) -> None:
    with session_factory() as db:
        publish(db, webhook(sink))
        db.commit()
    sink.statuses = [400]
    record_id = new_lead(client, phone="13900007002")
    run(session_factory)
    instance = instance_of(session_factory, record_id, sink)
    assert instance.status == "failed"  # resumable (test_resume.py) until it ends otherwise:
    with session_factory() as db:
        db.get(FlowInstance, instance.id).status = "withdrawn"
        db.commit()
    item = outbox_item(session_factory, instance.id)
    listed = client.get("/api/incidents?kind=outbox", headers=admin_headers).json()["items"]
    assert [(i["id"], i["error"], i["retryable"]) for i in listed if i["id"] == item.id] == [
        (item.id, "HTTP 400", False)
    ]
    refused = client.post(f"/api/incidents/outbox/{item.id}/retry", headers=admin_headers)
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["code"] == "flow_finished"
    run(session_factory, 10)
    assert len(sink.requests) == 1


def test_unknown_incidents_answer_404_and_bad_kinds_422(client, admin_headers) -> None:
    missing = client.post("/api/incidents/outbox/999999/retry", headers=admin_headers)
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["code"] == "incident_not_found"
    for kind in ("event", "handling", "timer"):
        answer = client.post(f"/api/incidents/{kind}/999999/retry", headers=admin_headers)
        assert answer.status_code == 404, kind
    bad = client.post("/api/incidents/nope/1/retry", headers=admin_headers)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "kind"
    assert client.get("/api/incidents?kind=nope", headers=admin_headers).status_code == 422
    assert client.get("/api/incidents?limit=0", headers=admin_headers).status_code == 422


def test_an_automation_that_failed_to_start_starts_when_retried(
    client, session_factory, admin_headers, monkeypatch
) -> None:
    flow = automation(
        "incident_tagger",
        {"type": "record_created", "condition": {"field": "city", "op": "eq", "value": "拉萨"}},
        {"action": "update_fields", "params": {"fields": {"status": "已联系"}}},
    )
    real_start = flows.start_automation

    def busy(*_args: Any, **_kwargs: Any) -> Any:
        raise Conflict("busy", "The directory was being changed; try again.")

    with session_factory() as db:
        publish(db, flow)
        record = lead(db, city="拉萨", phone="13900007003")
        db.commit()
        record_id = record.id
    monkeypatch.setattr(flows, "start_automation", busy)
    run(session_factory)
    monkeypatch.setattr(flows, "start_automation", real_start)
    with session_factory() as db:
        handling = db.scalars(
            select(EventHandling)
            .join(Event, Event.id == EventHandling.event_id)
            .where(Event.record_id == record_id, EventHandling.handler == "flow:incident_tagger")
        ).one()
        routed = db.scalars(
            select(EventHandling)
            .join(Event, Event.id == EventHandling.event_id)
            .where(Event.record_id == record_id, EventHandling.handler != "flow:incident_tagger")
        ).all()
    assert (handling.outcome, handling.detail["code"]) == ("failed", "busy")
    listed = client.get("/api/incidents?kind=handling", headers=admin_headers).json()["items"]
    found = [i for i in listed if i["id"] == handling.id]
    assert [(i["error"], i["handler"], i["record_id"]) for i in found] == [
        ("The directory was being changed; try again.", "flow:incident_tagger", record_id)
    ]

    answer = client.post(f"/api/incidents/handling/{handling.id}/retry", headers=admin_headers)
    assert answer.json() == {"kind": "handling", "id": handling.id, "status": "retrying"}
    run(session_factory, 1)
    with session_factory() as db:
        again = db.get(EventHandling, handling.id)
        assert again is not None
        assert again.outcome == "started"
        assert db.get(Record, record_id).data["status"] == "已联系"
        # The automations that had started the first time were not started again.
        for other in routed:
            count = db.scalars(
                select(FlowInstance).where(
                    FlowInstance.record_id == record_id,
                    FlowInstance.flow_key == other.handler.removeprefix("flow:"),
                )
            ).all()
            assert len(count) == (1 if other.outcome == "started" else 0), other.handler


def waiting_flow() -> dict[str, Any]:
    nodes = [
        node("start", "start", 0),
        node("pause", "wait", 200, duration="PT1H"),
        node("a1", "action", 400, action="update_fields", params={"fields": {"status": "培育中"}}),
        node("done", "end", 600, outcome="completed"),
    ]
    return {
        "format": 1,
        "key": "incident_pause",
        "title": {"zh-CN": "等待", "en": "Pause"},
        "form": "lead",
        "trigger": {
            "type": "record_created",
            "condition": {"field": "city", "op": "eq", "value": "西宁"},
        },
        "nodes": nodes,
        "edges": [edge(a, b) for a, b in pairwise([n["id"] for n in nodes])],
    }


def test_given_up_events_and_timers_run_when_retried(
    client, session_factory, admin_headers
) -> None:
    """What a worker records when a job never finishes (the delivery cap), then a retry."""
    with session_factory() as db:
        publish(db, waiting_flow())
        record = lead(db, city="西宁", phone="13900007004")
        db.commit()
        record_id = record.id
        event_id = db.scalars(select(Event.id).where(Event.record_id == record_id)).one()
        assert incidents.give_up(db, kind="event", row_id=event_id, deliveries=5, now=NOW)
        db.commit()
    run(session_factory)  # a failed event is not dispatched
    listed = client.get("/api/incidents?kind=event", headers=admin_headers).json()["items"]
    assert [(i["id"], i["attempts"], i["record_id"]) for i in listed] == [(event_id, 5, record_id)]
    assert "delivered 5 times" in listed[0]["error"]
    with session_factory() as db:
        assert db.get(Event, event_id).status == "failed"
        assert not db.scalars(select(FlowInstance).where(FlowInstance.record_id == record_id)).all()

    retried = client.post(f"/api/incidents/event/{event_id}/retry", headers=admin_headers)
    assert retried.json() == {"kind": "event", "id": event_id, "status": "pending"}
    run(session_factory, 1)
    with session_factory() as db:
        instance = db.scalars(
            select(FlowInstance).where(
                FlowInstance.record_id == record_id, FlowInstance.flow_key == "incident_pause"
            )
        ).one()
        timer = db.scalars(select(Timer).where(Timer.instance_id == instance.id)).one()
        assert incidents.give_up(db, kind="timer", row_id=timer.id, deliveries=6, now=NOW)
        db.commit()
    run(session_factory, 90)  # due, but given up: it does not fire
    listed = client.get("/api/incidents?kind=timer", headers=admin_headers).json()["items"]
    assert [(i["id"], i["attempts"], i["instance_id"]) for i in listed] == [
        (timer.id, 6, instance.id)
    ]
    assert client.post(f"/api/incidents/timer/{timer.id}/retry", headers=admin_headers).json() == {
        "kind": "timer",
        "id": timer.id,
        "status": "pending",
    }
    run(session_factory, 91)
    with session_factory() as db:
        assert db.get(Timer, timer.id).status == "fired"
        assert "incident" not in db.get(Timer, timer.id).payload
        assert db.get(FlowInstance, instance.id).status == "completed"
        assert db.get(Record, record_id).data["status"] == "培育中"
    assert client.get("/api/incidents?kind=timer", headers=admin_headers).json()["items"] == []


def test_give_up_leaves_finished_rows_alone(session_factory) -> None:
    with session_factory() as db:
        record = lead(db, city="银川", phone="13900007005")
        db.flush()
        event_id = db.scalars(select(Event.id).where(Event.record_id == record.id)).one()
        dispatcher.dispatch_one(db, event_id=event_id, now=NOW)
        assert not incidents.give_up(db, kind="event", row_id=event_id, deliveries=9, now=NOW)
        assert db.get(Event, event_id).status == "done"
        assert not dispatcher.dispatch_one(db, event_id=event_id, now=NOW)  # idempotent
        with pytest.raises(ValueError, match="no job kind"):
            incidents.give_up(db, kind="nope", row_id=1, deliveries=1, now=NOW)


def test_an_item_whose_worker_was_lost_every_time_becomes_an_incident(
    client, session_factory, sink
) -> None:
    with session_factory() as db:
        publish(db, webhook(sink))
        db.commit()
    record_id = new_lead(client, phone="13900007006")
    with session_factory() as db:
        dispatcher.dispatch(db, now=NOW)
        db.commit()
    instance = instance_of(session_factory, record_id, sink)
    with session_factory() as db:
        item = db.scalars(select(OutboxItem).where(OutboxItem.instance_id == instance.id)).one()
        # Claimed MAX_ATTEMPTS times by workers that died holding it (their leases ran out).
        item.status, item.attempts = "working", MAX_ATTEMPTS
        item.lease_until = NOW - timedelta(seconds=1)
        db.commit()
    run(session_factory)
    assert sink.requests == []  # not called a sixth time
    failed = outbox_item(session_factory, instance.id)
    assert (failed.status, failed.last_error) == (
        "failed",
        f"its worker was lost during {MAX_ATTEMPTS} attempts",
    )
    assert instance_of(session_factory, record_id, sink).status == "running"


def test_failed_starts_are_found_through_the_outcome_index(db) -> None:
    query = incidents.failed_handlings(100)
    sql = str(query.compile(db.get_bind(), compile_kwargs={"literal_binds": True}))
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SET LOCAL enable_seqscan = off"))  # tiny tables: make the plan tell
        plan = " ".join(row[0] for row in db.execute(text(f"EXPLAIN {sql}")))
    else:
        plan = " ".join(str(row[-1]) for row in db.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
    assert "ix_event_handlings_outcome" in plan, plan
