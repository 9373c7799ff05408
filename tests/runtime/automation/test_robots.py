"""Group robots: DingTalk and Feishu signing as their docs define it, 20 per minute per robot."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from sqlalchemy import select

from runtime.automation import loop
from runtime.automation.models import OutboxItem
from runtime.automation.outbox import Outbound
from runtime.outbound import robots
from runtime.records import service as records
from tests.conftest import NOW
from tests.runtime.automation.test_dispatch import automation, publish
from tests.runtime.automation.test_outbox import ALLOW, Sink

SECRET = "SECtest0123456789"


@pytest.fixture
def robot_sink() -> Iterator[Sink]:
    found = Sink()
    yield found
    found.server.shutdown()


def robot_flow(key: str, kind: str, url: str) -> dict:
    return automation(
        key,
        {"type": "record_created", "condition": {"field": "city", "op": "eq", "value": "西安"}},
        {
            "action": "notify",
            "params": {
                "to": [],
                "channels": ["robot"],
                "robot": {"kind": kind, "webhook": url, "secret": SECRET},
                "title": "新线索：{company}",
                "body": "{name}，{city}",
            },
        },
    )


def post_leads(session_factory, count: int) -> None:
    with session_factory() as db:
        form = records.load_form(db, app_key="crm", form_key="lead")
        for i in range(count):
            raw = {
                "name": f"机器人{i}",
                "company": f"长安{i}",
                "phone": f"1395555{i:04d}",
                "city": "西安",
            }
            records.create_record(db, form=form, raw=raw, actor=None, now=NOW)
        db.commit()


def test_dingtalk_messages_are_signed_in_the_url(session_factory, robot_sink) -> None:
    with session_factory() as db:
        publish(
            db,
            robot_flow(
                f"ding_{robot_sink.server.server_address[1]}",
                "dingtalk",
                robot_sink.url + "?access_token=t0k",
            ),
        )
        db.commit()
    post_leads(session_factory, 1)
    loop.run_once(session_factory, now=NOW, outbound=Outbound(ALLOW))
    assert len(robot_sink.requests) == 1
    query = parse_qs(urlsplit(robot_sink.requests[0]["path"]).query)
    assert query["access_token"] == ["t0k"]
    timestamp = query["timestamp"][0]
    expected = base64.b64encode(
        hmac.new(SECRET.encode(), f"{timestamp}\n{SECRET}".encode(), hashlib.sha256).digest()
    ).decode()
    assert unquote(query["sign"][0]) == expected
    message = json.loads(robot_sink.requests[0]["body"])
    assert message["msgtype"] == "markdown"
    assert message["markdown"]["title"] == "新线索：长安0"


def test_feishu_messages_carry_their_signature_in_the_body(session_factory, robot_sink) -> None:
    with session_factory() as db:
        publish(
            db,
            robot_flow(f"feishu_{robot_sink.server.server_address[1]}", "feishu", robot_sink.url),
        )
        db.commit()
    post_leads(session_factory, 1)
    loop.run_once(session_factory, now=NOW, outbound=Outbound(ALLOW))
    message = json.loads(robot_sink.requests[0]["body"])
    key = f"{message['timestamp']}\n{SECRET}".encode()
    expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert message["sign"] == expected
    assert message["content"]["text"] == "新线索：长安0\n机器人0，西安"


def test_a_robot_gets_at_most_20_messages_a_minute(session_factory, robot_sink) -> None:
    with session_factory() as db:
        publish(
            db, robot_flow(f"wecom_{robot_sink.server.server_address[1]}", "wecom", robot_sink.url)
        )
        db.commit()
    post_leads(session_factory, robots.PER_MINUTE + 5)
    loop.run_once(session_factory, now=NOW, outbound=Outbound(ALLOW))
    assert len(robot_sink.requests) == robots.PER_MINUTE
    with session_factory() as db:
        waiting = db.scalars(
            select(OutboxItem).where(OutboxItem.kind == "robot", OutboxItem.status == "pending")
        ).all()
        assert len(waiting) == 5
        assert all(item.attempts == 0 for item in waiting)  # held back, not failed
    loop.run_once(session_factory, now=NOW + timedelta(seconds=61), outbound=Outbound(ALLOW))
    assert len(robot_sink.requests) == robots.PER_MINUTE + 5
