"""Inbound webhooks: signed calls about a record start automations and wake waiting flows."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from sqlalchemy import select

from builder import publish as publishing
from runtime.automation import service as dispatcher
from runtime.automation.hooks import secret_of
from runtime.flows import service as flows
from runtime.flows.models import FlowInstance
from runtime.org import service as org
from runtime.records import service as records
from tests.conftest import NOW
from tests.runtime.automation.test_dispatch import automation, publish
from tests.runtime.flows.test_flows_concurrency import edge, node


def signed(app, hook: str, payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    secret = secret_of(app.state.settings, "crm", hook).encode()
    digest = hmac.new(secret, body, hashlib.sha256).hexdigest()
    return body, {"X-Formwork-Signature": f"sha256={digest}", "Content-Type": "application/json"}


def new_lead(client) -> int:
    lead = {"name": "秦十三", "company": "潮汐科技", "phone": "13922220000", "city": "成都"}
    return int(client.post("/f/crm/lead", json=lead).json()["id"])


def test_admins_read_a_hooks_url_and_secret(client, admin_headers, rep_headers, app) -> None:
    info = client.get("/api/apps/crm/hooks/crm_sync", headers=admin_headers)
    assert info.status_code == 200
    assert info.json()["url"] == "http://testserver/hooks/crm/crm_sync"
    assert info.json()["secret"] == secret_of(app.state.settings, "crm", "crm_sync")
    assert client.get("/api/apps/crm/hooks/crm_sync", headers=rep_headers).status_code == 403


def test_a_signed_call_starts_the_hooks_automation_once(client, app, session_factory) -> None:
    tagger = automation(
        "hook_tagger",
        {"type": "webhook", "hook": "crm_sync"},
        {"action": "update_fields", "params": {"fields": {"remark": "外部系统已同步"}}},
    )
    with session_factory() as db:
        publish(db, tagger)
        db.commit()
    record_id = new_lead(client)
    payload = {"form": "lead", "record_id": record_id, "data": {"crm_id": "X-1"}}
    body, headers = signed(app, "crm_sync", payload)
    first = client.post(
        "/hooks/crm/crm_sync", content=body, headers={**headers, "Idempotency-Key": "k1"}
    )
    assert first.status_code == 202, first.text
    again = client.post(
        "/hooks/crm/crm_sync", content=body, headers={**headers, "Idempotency-Key": "k1"}
    )
    assert again.json() == {"accepted": True, "replayed": True}
    with session_factory() as db:
        while dispatcher.dispatch(db, now=NOW):
            pass
        db.commit()
        runs = db.scalars(select(FlowInstance).where(FlowInstance.flow_key == "hook_tagger")).all()
        assert [run.status for run in runs] == ["completed"]
        assert (
            records.load_record(db, app_key="crm", form_key="lead", record_id=record_id).data[
                "remark"
            ]
            == "外部系统已同步"
        )


def test_unsigned_or_badly_signed_calls_are_refused(client, app) -> None:
    record_id = new_lead(client)
    body, headers = signed(app, "crm_sync", {"form": "lead", "record_id": record_id})
    assert client.post("/hooks/crm/crm_sync", content=body).status_code == 403
    other_hook = client.post("/hooks/crm/other_hook", content=body, headers=headers)
    assert other_hook.status_code == 403  # a secret is per hook
    tampered = client.post("/hooks/crm/crm_sync", content=body + b" ", headers=headers)
    assert tampered.status_code == 403
    bad, bad_headers = signed(app, "crm_sync", {"form": "lead", "record_id": "7"})
    answer = client.post("/hooks/crm/crm_sync", content=bad, headers=bad_headers)
    assert (answer.status_code, answer.json()["errors"][0]["field"]) == (422, "record_id")
    gone, gone_headers = signed(app, "crm_sync", {"form": "lead", "record_id": 999_999})
    assert client.post("/hooks/crm/crm_sync", content=gone, headers=gone_headers).status_code == 404


def test_a_signal_wakes_the_flow_waiting_for_it(client, app, session_factory) -> None:
    waiting = {
        "format": 1,
        "key": "account_esign",
        "title": {"zh-CN": "电子签", "en": "E-signature"},
        "form": "account",
        "starts_on": ["record_created"],
        "nodes": [
            node("start", "start", 0),
            node("wait_sign", "wait", 200, event="signed"),
            node(
                "mark",
                "action",
                400,
                action="update_fields",
                params={"fields": {"remark": "已签署"}},
            ),
            node("done", "end", 600, outcome="completed"),
        ],
        "edges": [edge("start", "wait_sign"), edge("wait_sign", "mark"), edge("mark", "done")],
    }
    with session_factory() as db:
        publishing.publish(
            db, app_key="crm", kind="flows", key="account_esign", user_id=None, now=NOW, doc=waiting
        )
        rep = org.load_user(db, username="north_a")
        account = records.create_record(
            db,
            form=records.load_form(db, app_key="crm", form_key="account"),
            raw={"name": "签约客户"},
            actor=rep,
            now=NOW,
        )
        flows.start_for_record(db, record=account, trigger="record_created", actor=rep, now=NOW)
        db.commit()
        account_id = account.id
    body, headers = signed(
        app, "esign", {"form": "account", "record_id": account_id, "signal": "signed"}
    )
    answer = client.post("/hooks/crm/esign", content=body, headers=headers)
    assert answer.status_code == 202, answer.text
    assert len(answer.json()["signalled"]) == 1
    with session_factory() as db:
        instance = db.scalars(
            select(FlowInstance).where(FlowInstance.flow_key == "account_esign")
        ).one()
        assert instance.status == "completed"
        data = records.load_record(db, app_key="crm", form_key="account", record_id=account_id).data
        assert data["remark"] == "已签署"


def test_an_oversized_call_is_refused_before_it_is_read(client, app) -> None:
    big = b"{" + b" " * (app.state.settings.public_body_limit + 1) + b"}"
    answer = client.post("/hooks/crm/crm_sync", content=big)
    assert answer.status_code == 413
    assert answer.json()["errors"][0]["code"] == "payload_too_large"
