"""http_request through the outbox: signed, idempotent, retried, refused inside, answered."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select

from runtime.automation import loop
from runtime.automation.models import OutboxItem
from runtime.automation.outbox import Outbound
from runtime.flows.models import FlowInstance, FlowTrace
from tests.conftest import NOW
from tests.runtime.automation.test_dispatch import automation, publish

SINK_HOST = "127.0.0.3"
ALLOW = [f"{SINK_HOST}/32"]


class Sink:
    """A local HTTP receiver: records requests, answers with the queued statuses (then 200)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                sink.requests.append(
                    {"headers": dict(self.headers), "body": body, "path": self.path}
                )
                status = sink.statuses.pop(0) if sink.statuses else 200
                answer = json.dumps({"received": True}).encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer((SINK_HOST, 0), Handler)
        self.url = f"http://{SINK_HOST}:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def sink() -> Iterator[Sink]:
    found = Sink()
    yield found
    found.server.shutdown()


def webhook(sink: Sink) -> dict[str, Any]:
    # One key per sink: tests publish at one fixed time and published documents are cached by
    # their row's stamp, so a key must always mean one document.
    return automation(
        flow_key(sink),
        {"type": "record_created", "condition": {"field": "city", "op": "eq", "value": "杭州"}},
        {
            "action": "http_request",
            "params": {
                "method": "POST",
                "url": sink.url,
                "headers": {"X-Source": "formwork"},
                "body": {"company": "{company}", "city": "{city}"},
                "secret": "s3cret",
            },
        },
    )


def new_lead(client, phone: str = "13900009999") -> int:
    lead = {"name": "孔十", "company": "西湖电商", "phone": phone, "city": "杭州"}
    created = client.post("/f/crm/lead", json=lead)
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def flow_key(sink: Sink) -> str:
    return f"crm_webhook_{sink.server.server_address[1]}"


def instance_of(session_factory, record_id: int, sink: Sink) -> FlowInstance:
    with session_factory() as db:
        return db.scalars(
            select(FlowInstance).where(
                FlowInstance.record_id == record_id, FlowInstance.flow_key == flow_key(sink)
            )
        ).one()


def test_a_signed_call_with_its_idempotency_key_answers_the_flow(
    client, session_factory, sink
) -> None:
    with session_factory() as db:
        publish(db, webhook(sink))
        db.commit()
    record_id = new_lead(client)
    loop.run_once(session_factory, now=NOW, outbound=Outbound(ALLOW))

    assert len(sink.requests) == 1
    sent = sink.requests[0]
    assert json.loads(sent["body"]) == {"company": "西湖电商", "city": "杭州"}
    expected = hmac.new(b"s3cret", sent["body"], hashlib.sha256).hexdigest()
    assert sent["headers"]["X-Formwork-Signature"] == f"sha256={expected}"
    assert sent["headers"]["X-Source"] == "formwork"
    instance = instance_of(session_factory, record_id, sink)
    assert sent["headers"]["Idempotency-Key"] == f"http:{instance.id}:a1:1"
    assert instance.status == "completed"
    with session_factory() as db:
        results = db.scalars(
            select(FlowTrace.data).where(
                FlowTrace.instance_id == instance.id, FlowTrace.kind == "effect"
            )
        ).all()
    assert any(r.get("result", {}).get("status") == 200 for r in results)
    loop.run_once(session_factory, now=NOW + timedelta(minutes=5), outbound=Outbound(ALLOW))
    assert len(sink.requests) == 1  # done is done


def test_a_failing_receiver_is_retried_with_the_same_key(client, session_factory, sink) -> None:
    with session_factory() as db:
        publish(db, webhook(sink))
        db.commit()
    sink.statuses = [503]
    record_id = new_lead(client)
    loop.run_once(session_factory, now=NOW, outbound=Outbound(ALLOW))
    assert len(sink.requests) == 1
    assert instance_of(session_factory, record_id, sink).status == "running"  # still waiting
    loop.run_once(session_factory, now=NOW + timedelta(seconds=1), outbound=Outbound(ALLOW))
    assert len(sink.requests) == 1  # the backoff (2 s) has not passed
    loop.run_once(session_factory, now=NOW + timedelta(seconds=3), outbound=Outbound(ALLOW))
    assert len(sink.requests) == 2
    keys = {r["headers"]["Idempotency-Key"] for r in sink.requests}
    assert len(keys) == 1
    assert instance_of(session_factory, record_id, sink).status == "completed"


def test_a_refused_call_fails_the_node_and_leaves_an_incident(
    client, session_factory, sink
) -> None:
    with session_factory() as db:
        publish(db, webhook(sink))
        db.commit()
    sink.statuses = [400]
    record_id = new_lead(client)
    loop.run_once(session_factory, now=NOW, outbound=Outbound(ALLOW))
    assert instance_of(session_factory, record_id, sink).status == "failed"
    with session_factory() as db:
        item = db.scalars(select(OutboxItem).where(OutboxItem.key.like("http:%"))).one()
        assert (item.status, item.attempts, item.last_error) == ("failed", 1, "HTTP 400")


def test_an_inside_url_is_never_called(client, session_factory, sink) -> None:
    with session_factory() as db:
        publish(db, webhook(sink))
        db.commit()
    record_id = new_lead(client)
    loop.run_once(
        session_factory, now=NOW, outbound=Outbound(())
    )  # the sink is not allow-listed here
    assert sink.requests == []
    assert instance_of(session_factory, record_id, sink).status == "failed"
