"""notify by email: through the outbox to a real SMTP server (aiosmtpd), once per action."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from runtime.automation import loop
from runtime.automation.models import OutboxItem
from runtime.automation.outbox import Outbound
from tests.conftest import NOW


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, str]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, f"smtp://127.0.0.1:{port}"
    controller.stop()


def test_the_new_lead_owner_is_emailed_once(client, session_factory, smtp) -> None:
    inbox, url = smtp
    lead = {"name": "华十一", "company": "东方<b>传媒</b>", "phone": "13911110000", "city": "北京"}
    created = client.post("/f/crm/lead", json=lead)
    assert created.status_code == 201, created.text
    outbound = Outbound(smtp_url=url, smtp_from="CRM <crm@example.com>")
    loop.run_once(session_factory, now=NOW, outbound=outbound)
    assert len(inbox.messages) == 1
    mail = inbox.messages[0]
    assert mail["To"] == "wang@example.com"
    assert mail["From"] == "CRM <crm@example.com>"
    assert mail["Subject"] == "新线索：东方<b>传媒</b>"
    html = next(part for part in mail.walk() if part.get_content_type() == "text/html")
    text = html.get_content()
    assert "东方&lt;b&gt;传媒&lt;/b&gt;" in text  # record values are escaped in HTML
    assert f"/apps/crm/lead/{created.json()['id']}" in text
    loop.run_once(session_factory, now=NOW + timedelta(minutes=1), outbound=outbound)
    assert len(inbox.messages) == 1  # sent is sent


def test_without_an_smtp_server_the_mail_waits_and_retries(client, session_factory, smtp) -> None:
    inbox, url = smtp
    lead = {"name": "伍十二", "company": "南山物流", "phone": "13911110001", "city": "北京"}
    assert client.post("/f/crm/lead", json=lead).status_code == 201
    loop.run_once(session_factory, now=NOW, outbound=Outbound())  # FORMWORK_SMTP_URL unset
    with session_factory() as db:
        item = db.scalars(select(OutboxItem).where(OutboxItem.kind == "email")).one()
        assert (item.status, item.last_error) == ("pending", "FORMWORK_SMTP_URL is not set")
    loop.run_once(session_factory, now=NOW + timedelta(seconds=5), outbound=Outbound(smtp_url=url))
    assert [m["Subject"] for m in inbox.messages] == ["新线索：南山物流"]
