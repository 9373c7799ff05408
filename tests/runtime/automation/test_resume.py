"""An operator's retry resumes a flow at the action that failed, under the same key.

The receiver is a local HTTP sink that fails until told to succeed and applies each
idempotency key once, as a careful receiver does: whatever the retries, one effect per key.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise
from typing import Any, ClassVar

import pytest
from sqlalchemy import select

from runtime.actions import ActionContext, ActionType, action_types
from runtime.automation import loop, sequences
from runtime.automation.models import OutboxItem
from runtime.automation.outbox import MAX_ATTEMPTS, Outbound
from runtime.errors import Conflict
from runtime.flows import engine
from runtime.flows.models import FlowInstance, FlowTrace
from runtime.org.directory import Directory
from runtime.records.models import Record
from tests.conftest import NOW
from tests.runtime.automation.test_dispatch import publish
from tests.runtime.flows.test_flows_concurrency import edge, node

SINK_HOST = "127.0.0.3"
ALLOW = [f"{SINK_HOST}/32"]


class Receiver:
    """Answers `failing` (a status) while it is set, else 200 and applies the request's
    `Idempotency-Key` once: `effects` counts what each key did (at most 1)."""

    def __init__(self) -> None:
        self.failing: int | None = 500
        self.requests: list[str] = []
        self.effects: dict[str, int] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                key = str(self.headers.get("Idempotency-Key"))
                receiver.requests.append(key)
                status = receiver.failing or 200
                if status == 200 and key not in receiver.effects:
                    receiver.effects[key] = 1
                answer = json.dumps({"ok": status == 200}).encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer((SINK_HOST, 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://{SINK_HOST}:{self.port}/orders"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    yield found
    found.server.shutdown()


def call_then_mark(key: str, url: str, city: str) -> dict[str, Any]:
    """An automation: call the receiver, then mark the lead 已联系."""
    nodes = [
        node("start", "start", 0),
        node("call", "action", 200, action="http_request", params={"url": url, "body": {"c": 1}}),
        node(
            "mark", "action", 400, action="update_fields", params={"fields": {"status": "已联系"}}
        ),
        node("done", "end", 600, outcome="completed"),
    ]
    return {
        "format": 1,
        "key": key,
        "title": {"zh-CN": key, "en": key},
        "form": "lead",
        "trigger": {
            "type": "record_created",
            "condition": {"field": "city", "op": "eq", "value": city},
        },
        "nodes": nodes,
        "edges": [edge(a, b) for a, b in pairwise([n["id"] for n in nodes])],
    }


def new_lead(client, city: str, phone: str) -> int:
    lead = {"name": "秦九", "company": "东湖物流", "phone": phone, "city": city}
    created = client.post("/f/crm/lead", json=lead)
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def run(session_factory, seconds: float = 0) -> None:
    later = NOW + timedelta(seconds=seconds)
    loop.run_once(session_factory, now=later, outbound=Outbound(ALLOW))


def the_instance(session_factory, record_id: int, flow_key: str) -> FlowInstance:
    with session_factory() as db:
        return db.scalars(
            select(FlowInstance).where(
                FlowInstance.record_id == record_id, FlowInstance.flow_key == flow_key
            )
        ).one()


def steps_of(client, headers, instance_id: int) -> list[dict[str, Any]]:
    answer = client.get(f"/api/runs/{instance_id}", headers=headers)
    assert answer.status_code == 200, answer.text
    steps: list[dict[str, Any]] = answer.json()["steps"]
    return steps


def test_retrying_a_call_whose_retries_ran_out_resumes_the_flow_to_its_end(
    client, session_factory, receiver, admin_headers
) -> None:
    # given a call that fails (500) on every attempt
    key = f"resume_waits_{receiver.port}"
    with session_factory() as db:
        publish(db, call_then_mark(key, receiver.url, "武汉"))
        db.commit()
    record_id = new_lead(client, "武汉", "13900008001")
    for attempt in range(MAX_ATTEMPTS):
        run(session_factory, 60 * attempt)  # each pass is past the previous backoff
    instance = the_instance(session_factory, record_id, key)
    assert instance.status == "running"
    assert len(receiver.requests) == MAX_ATTEMPTS
    assert receiver.effects == {}
    listed = client.get("/api/incidents?kind=outbox", headers=admin_headers).json()["items"]
    (incident,) = [i for i in listed if i["instance_id"] == instance.id]
    assert (incident["error"], incident["retryable"]) == ("HTTP 500", True)

    # when the receiver is fixed and an operator retries
    receiver.failing = None
    answer = client.post(f"/api/incidents/outbox/{incident['id']}/retry", headers=admin_headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "pending"
    run(session_factory, 3600)
    run(session_factory, 7200)  # a later pass sends nothing more

    # then the flow went on to its end, with one effect for the one key
    instance = the_instance(session_factory, record_id, key)
    assert instance.status == "completed"
    assert instance.finished_at is not None
    assert receiver.effects == {f"http:{instance.id}:call:1": 1}
    assert set(receiver.requests) == {f"http:{instance.id}:call:1"}
    assert len(receiver.requests) == MAX_ATTEMPTS + 1
    with session_factory() as db:
        assert db.get(Record, record_id).data["status"] == "已联系"
    # and the run log shows the retry as new steps of the same run
    steps = steps_of(client, admin_headers, instance.id)
    kinds = [(s["node"], s["kind"]) for s in steps]
    retry_at = kinds.index(("call", "retry"))
    assert steps[retry_at]["input"] == {"by": "admin", "key": "call:1"}
    after = [(s["node"], s.get("effect")) for s in steps[retry_at:]]
    assert ("call", "action_done") in after
    assert ("mark", "action_done") in after
    assert after[-1] == ("done", "finish")
    page = client.get(f"/runs/{instance.id}", headers=admin_headers)
    assert page.status_code == 200
    assert 'data-kind="retry"' in page.text


def test_retrying_a_refused_call_resumes_the_failed_flow_with_the_same_key(
    client, session_factory, receiver, admin_headers
) -> None:
    # given a receiver that refuses (422): the node fails at once and so does the flow
    receiver.failing = 422
    key = f"resume_refused_{receiver.port}"
    with session_factory() as db:
        publish(db, call_then_mark(key, receiver.url, "长沙"))
        db.commit()
    record_id = new_lead(client, "长沙", "13900008002")
    run(session_factory)
    instance = the_instance(session_factory, record_id, key)
    assert (instance.status, len(receiver.requests)) == ("failed", 1)
    listed = client.get("/api/incidents", headers=admin_headers).json()["items"]
    mine = [i for i in listed if i.get("instance_id") == instance.id or i["id"] == instance.id]
    # listed once, as its outbox item, and retryable: the flow resumes from it
    assert [(i["kind"], i["error"], i["retryable"]) for i in mine] == [("outbox", "HTTP 422", True)]
    refused_again = client.post(f"/api/incidents/instance/{instance.id}/retry", headers={})
    assert refused_again.status_code == 401

    # when it is fixed and retried
    receiver.failing = None
    answer = client.post(f"/api/incidents/outbox/{mine[0]['id']}/retry", headers=admin_headers)
    assert answer.json() == {"kind": "outbox", "id": mine[0]["id"], "status": "pending"}
    assert the_instance(session_factory, record_id, key).status == "running"
    again = client.post(f"/api/incidents/outbox/{mine[0]['id']}/retry", headers=admin_headers)
    assert again.json()["status"] == "pending"  # a double click changes nothing
    run(session_factory, 60)

    # then it ends, the one key called twice and applied once
    instance = the_instance(session_factory, record_id, key)
    assert instance.status == "completed"
    assert receiver.requests == [f"http:{instance.id}:call:1"] * 2
    assert receiver.effects == {f"http:{instance.id}:call:1": 1}
    with session_factory() as db:
        items = db.scalars(select(OutboxItem).where(OutboxItem.instance_id == instance.id)).all()
        assert [(i.key, i.status) for i in items] == [(f"http:{instance.id}:call:1", "done")]
    steps = steps_of(client, admin_headers, instance.id)
    assert [s["kind"] for s in steps].count("error") == 1
    assert [s["kind"] for s in steps].count("retry") == 1
    done = client.post(f"/api/incidents/outbox/{mine[0]['id']}/retry", headers=admin_headers)
    assert done.status_code == 409


class Flaky(ActionType):
    """Fails while `broken`; counts each key's effects (a row keyed like the real actions)."""

    key = "flaky_mark"
    label: ClassVar[dict[str, str]] = {"zh-CN": "易错", "en": "Flaky"}
    broken = True
    effects: ClassVar[dict[str, int]] = {}

    def run(self, ctx: ActionContext) -> dict[str, Any]:
        if Flaky.broken:
            return {"error": "the ledger is closed"}
        key = f"{ctx.instance.id}:{ctx.key}"
        Flaky.effects[key] = Flaky.effects.get(key, 0) + 1
        return {"marked": key}


@pytest.fixture
def flaky() -> Iterator[type[Flaky]]:
    action_types.register(Flaky)
    Flaky.broken, Flaky.effects = True, {}
    try:
        yield Flaky
    finally:
        action_types.remove(Flaky.key)


def test_a_flow_failed_by_an_action_in_the_database_resumes_at_that_action(
    client, session_factory, admin_headers, flaky
) -> None:
    key = "resume_in_db"
    flow = call_then_mark(key, "http://unused.invalid/", "南昌")
    flow["nodes"][1] = node("call", "action", 200, action="flaky_mark", params={})
    with session_factory() as db:
        publish(db, flow)
        db.commit()
    record_id = new_lead(client, "南昌", "13900008003")
    run(session_factory)
    instance = the_instance(session_factory, record_id, key)
    assert instance.status == "failed"
    listed = client.get("/api/incidents?kind=instance", headers=admin_headers).json()["items"]
    assert [i for i in listed if i["id"] == instance.id] == [
        {
            "kind": "instance",
            "id": instance.id,
            "error": "the ledger is closed",
            "attempts": 1,
            "at": listed[0]["at"],
            "retryable": True,
            "app": "crm",
            "flow": key,
            "record_id": record_id,
            "node": "call",
            "action": "flaky_mark",
            "action_key": "call:1",
        }
    ]
    url = f"/api/incidents/instance/{instance.id}/retry"

    # still broken: the retry runs it again, it fails again, the incident stays
    failed_again = client.post(url, headers=admin_headers)
    assert failed_again.json() == {"kind": "instance", "id": instance.id, "status": "failed"}
    listed = client.get("/api/incidents?kind=instance", headers=admin_headers).json()["items"]
    assert [i["attempts"] for i in listed if i["id"] == instance.id] == [2]

    flaky.broken = False
    answer = client.post(url, headers=admin_headers)
    assert answer.json() == {"kind": "instance", "id": instance.id, "status": "completed"}
    assert flaky.effects == {f"{instance.id}:call:1": 1}  # the same key, once
    assert client.post(url, headers=admin_headers).json()["status"] == "completed"
    assert flaky.effects == {f"{instance.id}:call:1": 1}
    with session_factory() as db:
        assert db.get(Record, record_id).data["status"] == "已联系"
        kinds = db.scalars(
            select(FlowTrace.kind)
            .where(FlowTrace.instance_id == instance.id)
            .order_by(FlowTrace.seq)
        ).all()
    assert kinds.count("retry") == 2
    listed = client.get("/api/incidents?kind=instance", headers=admin_headers).json()["items"]
    assert instance.id not in [i["id"] for i in listed]


def test_a_failure_that_ended_a_parallel_branch_is_listed_but_not_resumed(
    client, session_factory, admin_headers, flaky
) -> None:
    nodes = [
        node("start", "start", 0),
        node("fork", "parallel", 100),
        node("call", "action", 200, action="flaky_mark", params={}),
        node("pause", "wait", 200, duration="PT1H"),
        node("join", "join", 300, split="fork"),
        node("done", "end", 400, outcome="completed"),
    ]
    pairs = [("start", "fork"), ("fork", "call"), ("fork", "pause"), ("call", "join")]
    pairs += [("pause", "join"), ("join", "done")]
    flow = {
        "format": 1,
        "key": "resume_parallel",
        "title": {"zh-CN": "并行", "en": "Parallel"},
        "form": "lead",
        "trigger": {
            "type": "record_created",
            "condition": {"field": "city", "op": "eq", "value": "赣州"},
        },
        "nodes": nodes,
        "edges": [edge(a, b) for a, b in pairs],
    }
    with session_factory() as db:
        publish(db, flow)
        db.commit()
    record_id = new_lead(client, "赣州", "13900008005")
    run(session_factory)
    instance = the_instance(session_factory, record_id, "resume_parallel")
    assert instance.status == "failed"
    listed = client.get("/api/incidents?kind=instance", headers=admin_headers).json()["items"]
    assert [(i["retryable"], i["reason"]) for i in listed if i["id"] == instance.id] == [
        (False, "parallel_branches")
    ]
    flaky.broken = False
    answer = client.post(f"/api/incidents/instance/{instance.id}/retry", headers=admin_headers)
    assert answer.status_code == 409
    assert answer.json()["errors"][0]["code"] == "not_resumable"
    assert flaky.effects == {}
    assert the_instance(session_factory, record_id, "resume_parallel").status == "failed"


def test_a_sequence_like_flow_resumes_with_its_exit_branch_waiting_again(
    client, session_factory, admin_headers, flaky
) -> None:
    nodes = [
        node("start", "start", 0),
        node("split", "parallel", 100),
        node("call", "action", 200, action="flaky_mark", params={}),
        node("pause", "wait", 300, duration="P2D"),
        node("done", "end", 400, outcome="completed"),
        node("exit_wait", "wait", 200, event="sequence_exit"),
        node("exited", "end", 300, outcome="completed"),
    ]
    pairs = [("start", "split"), ("split", "call"), ("call", "pause"), ("pause", "done")]
    pairs += [("split", "exit_wait"), ("exit_wait", "exited")]
    flow = {
        "format": 1,
        "key": "resume_sequence_like",
        "title": {"zh-CN": "序列", "en": "Sequence"},
        "form": "lead",
        "trigger": {
            "type": "record_created",
            "condition": {"field": "city", "op": "eq", "value": "宜春"},
        },
        "nodes": nodes,
        "edges": [edge(a, b) for a, b in pairs],
    }
    with session_factory() as db:
        publish(db, flow)
        db.commit()
    record_id = new_lead(client, "宜春", "13900008006")
    run(session_factory)
    instance = the_instance(session_factory, record_id, "resume_sequence_like")
    assert instance.status == "failed"
    flaky.broken = False
    answer = client.post(f"/api/incidents/instance/{instance.id}/retry", headers=admin_headers)
    assert answer.json()["status"] == "running"  # the step ran; the sequence waits two days
    assert flaky.effects == {f"{instance.id}:call:1": 1}
    # the exit branch waits again: an exit ends the resumed sequence
    with session_factory() as db:
        ended = sequences.exit_sequences(db, record_id=record_id, data={"reason": "t"}, now=NOW)
        db.commit()
    assert ended == [instance.id]
    exited = the_instance(session_factory, record_id, "resume_sequence_like")
    assert (exited.status, exited.state["tokens"]) == ("completed", [])


def test_instances_that_did_not_fail_at_an_action_are_not_retried(
    client, session_factory, admin_headers, receiver
) -> None:
    missing = client.post("/api/incidents/instance/999999/retry", headers=admin_headers)
    assert missing.status_code == 404
    receiver.failing = None
    key = f"resume_never_{receiver.port}"
    with session_factory() as db:
        publish(db, call_then_mark(key, receiver.url, "九江"))
        db.commit()
    record_id = new_lead(client, "九江", "13900008004")
    run(session_factory)
    instance = the_instance(session_factory, record_id, key)
    assert instance.status == "completed"
    answer = client.post(f"/api/incidents/instance/{instance.id}/retry", headers=admin_headers)
    assert answer.status_code == 409
    assert answer.json()["errors"][0]["code"] == "not_failed"
    assert receiver.effects == {f"http:{instance.id}:call:1": 1}


# -- the engine's side, pure ----------------------------------------------------------------

DIRECTORY = Directory()


def parallel_calls() -> dict[str, Any]:
    nodes = [
        node("start", "start", 0),
        node("fork", "parallel", 100),
        node("left", "action", 200, action="update_fields", params={"fields": {"a": 1}}),
        node("right", "action", 200, action="update_fields", params={"fields": {"b": 1}}),
        node("join", "join", 300, split="fork"),
        node("done", "end", 400, outcome="completed"),
    ]
    edges = [
        edge("start", "fork"),
        edge("fork", "left"),
        edge("fork", "right"),
        edge("left", "join"),
        edge("right", "join"),
        edge("join", "done"),
    ]
    return {"format": 1, "key": "p", "title": {"en": "p"}, "nodes": nodes, "edges": edges}


def test_the_engine_resumes_the_failed_token_with_its_branch_and_key() -> None:
    flow = parallel_calls()
    out = engine.start(flow, record={}, submitter=None, now=NOW, directory=DIRECTORY)
    done = {"type": "action_done", "key": "right:1", "result": {}}
    out = engine.step(flow, out.state, done, NOW, directory=DIRECTORY)  # right arrives at join
    failed = {"type": "action_done", "key": "left:1", "result": {"error": "no"}}
    out = engine.step(flow, out.state, failed, NOW, directory=DIRECTORY)
    assert out.state["status"] == "failed"
    (error,) = [t for t in out.trace if t.kind == "error"]
    assert error.data["others"] == []
    assert error.data["token"]["branches"] == [["fork", 1, "fork_left"]]
    retry = {"type": "retry", "node": "left", "key": "left:1", "by": "admin"}
    with pytest.raises(Conflict, match="nothing waits"):
        engine.step(flow, out.state, retry, NOW, directory=DIRECTORY)  # no token to restore
    retry["token"] = error.data["token"]
    again = engine.step(flow, out.state, retry, NOW, directory=DIRECTORY)
    assert again.state["status"] == "running"
    assert [e.to_json()["key"] for e in again.effects] == ["left:1"]  # the same key
    finished = engine.step(flow, again.state, {**done, "key": "left:1"}, NOW, directory=DIRECTORY)
    assert finished.state["status"] == "completed"  # the join counted the right branch
    with pytest.raises(Conflict, match="nothing waits"):
        engine.step(flow, finished.state, retry, NOW, directory=DIRECTORY)


def test_a_failure_that_ended_other_branches_records_them() -> None:
    flow = parallel_calls()
    out = engine.start(flow, record={}, submitter=None, now=NOW, directory=DIRECTORY)
    failed = {"type": "action_done", "key": "left:1", "result": {"error": "no"}}
    out = engine.step(flow, out.state, failed, NOW, directory=DIRECTORY)
    (error,) = [t for t in out.trace if t.kind == "error"]
    assert [other["node"] for other in error.data["others"]] == ["right"]
    retry = {"type": "retry", "node": "left", "key": "left:1", "by": "admin"}
    retry |= {"token": error.data["token"], "others": error.data["others"]}
    again = engine.step(flow, out.state, retry, NOW, directory=DIRECTORY)
    assert sorted(t["node"] for t in again.state["tokens"]) == ["left", "right"]
    for key in ("right:1", "left:1"):  # the right branch's call answers after all
        done = {"type": "action_done", "key": key, "result": {}}
        again = engine.step(flow, again.state, done, NOW, directory=DIRECTORY)
    assert again.state["status"] == "completed"
