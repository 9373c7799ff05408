"""Helpers for the sequence and tracking tests: leads, behaviours, mails, the nurture's run log."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from typing import Any
from urllib.parse import urlsplit

from aiosmtpd.controller import Controller
from sqlalchemy import select

from runtime.actions.base import bind_settings
from runtime.flows.models import FlowInstance, FlowTrace
from runtime.settings import Settings

EVENTS = "/api/apps/crm/events"
SENDER = "星云市场部 <marketing@example.com>"
BASE_URL = "http://testserver"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]  # type: ignore[misc]


@contextmanager
def smtp_server() -> Iterator[tuple[Inbox, str]]:
    inbox = Inbox()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()


def use_tracking_env(monkeypatch, app, **changes: Any) -> Settings:
    """The steps read the base URL, secret and sender from the settings their sessions carry,
    as the server's loop and the workers bind them (never from the environment per mail)."""
    settings = replace(app.state.settings, **{"base_url": BASE_URL, "smtp_from": SENDER, **changes})
    bind_settings(app.state.session_factory, settings)
    monkeypatch.setattr(Settings, "from_env", _no_environment)
    return settings


def _no_environment() -> Settings:
    raise AssertionError("an action read the environment instead of its context's settings")


def new_lead(client, **values: Any) -> int:
    lead = {"name": "林一", "company": "星河制造", "phone": "13800001111", "city": "北京"}
    created = client.post("/f/crm/lead", json={**lead, **values})
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def behave(client, headers, record_id: int, kind: str, **data: Any) -> None:
    body = {"type": kind, "form": "lead", "record_id": record_id, "data": data}
    posted = client.post(EVENTS, json=body, headers=headers)
    assert posted.status_code == 201, posted.text


def html_of(mail: Message) -> str:
    part = next(p for p in mail.walk() if p.get_content_type() == "text/html")
    return str(part.get_content())  # type: ignore[attr-defined]


def text_of(mail: Message) -> str:
    part = next(p for p in mail.walk() if p.get_content_type() == "text/plain")
    return str(part.get_content())  # type: ignore[attr-defined]


def hrefs(html: str) -> list[str]:
    return re.findall(r'<a\b[^>]*\bhref="([^"]+)"', html)


def pixel_of(html: str) -> str:
    (found,) = re.findall(r'<img src="([^"]+/t/o/[^"]+)"', html)
    return path_of(found)


def clicks_of(html: str) -> list[str]:
    return [path_of(url) for url in hrefs(html) if "/t/c/" in url]


def unsubscribe_of(html: str) -> str:
    found = {path_of(url) for url in hrefs(html) if "/u/" in url}
    (only,) = found
    return only


def path_of(url: str) -> str:
    parts = urlsplit(url.replace("&amp;", "&"))
    assert f"{parts.scheme}://{parts.netloc}" == BASE_URL, url
    return parts.path


def nurture_of(session_factory, record_id: int) -> FlowInstance:
    with session_factory() as db:
        return db.scalars(
            select(FlowInstance).where(
                FlowInstance.record_id == record_id, FlowInstance.flow_key == "lead_nurture"
            )
        ).one()


def trace_of(session_factory, instance_id: int) -> list[FlowTrace]:
    with session_factory() as db:
        query = select(FlowTrace).where(FlowTrace.instance_id == instance_id)
        return list(db.scalars(query.order_by(FlowTrace.seq)))


def step_results(session_factory, instance_id: int) -> dict[str, dict[str, Any]]:
    """What each sequence step did, as the run log (trace) says: step → action result."""
    found = {}
    for entry in trace_of(session_factory, instance_id):
        if entry.kind == "effect" and "action_done" in entry.data:
            result = dict(entry.data["result"])
            found[str(result.get("step", entry.node))] = result
    return found
