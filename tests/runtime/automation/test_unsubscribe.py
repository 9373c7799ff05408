"""RFC 8058 one-click unsubscribe, as the mail arrives at an SMTP server (aiosmtpd).

The headers are read from the received message: `List-Unsubscribe` names the https URL and the
mailbox the settings give; a POST of `List-Unsubscribe=One-Click` to that URL, without a
session or a CSRF token (what a mail provider sends), unsubscribes and ends the sequence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote, urlsplit

import pytest
from sqlalchemy import select

from runtime.actions import base as actions
from runtime.automation import loop
from runtime.automation.models import OutboxItem
from runtime.automation.outbox import Outbound
from runtime.automation.sequence_models import EmailSend, Unsubscribe
from runtime.settings import Settings
from tests.conftest import NOW
from tests.runtime.automation.sequence_kit import (
    SENDER,
    Inbox,
    behave,
    new_lead,
    nurture_of,
    smtp_server,
    use_tracking_env,
)

ADDRESS = "wu.ba@example.net"
PUBLIC = "https://crm.example.com"
MAILBOX = "unsubscribe@example.com"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, Outbound]]:
    with smtp_server() as (inbox, url):
        yield inbox, Outbound(smtp_url=url, smtp_from=SENDER)


def nurture_welcome(client, admin_headers, session_factory, outbound, phone: str) -> int:
    record_id = new_lead(client, email=ADDRESS, phone=phone)
    behave(client, admin_headers, record_id, "download", asset="whitepaper")
    for _pass in range(2):  # the step queues the mail; the next pass hands it to SMTP
        loop.run_once(session_factory, now=NOW, outbound=outbound)
    return record_id


def test_the_received_mail_unsubscribes_in_one_click_without_a_session(
    client, app, admin_headers, session_factory, smtp, monkeypatch
) -> None:
    inbox, outbound = smtp
    use_tracking_env(monkeypatch, app, base_url=PUBLIC, unsubscribe_mailto=MAILBOX)
    record_id = nurture_welcome(client, admin_headers, session_factory, outbound, "13800006601")

    (mail,) = inbox.to(ADDRESS)
    found = re.fullmatch(r"<(https://[^>]+)>,\s+<(mailto:[^>]+)>", str(mail["List-Unsubscribe"]))
    assert found is not None, mail["List-Unsubscribe"]
    https_url, mailto = found.groups()
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    parts = urlsplit(https_url)
    assert (parts.scheme, parts.netloc) == ("https", "crm.example.com")
    token = parts.path.removeprefix("/u/")
    assert mailto == f"mailto:{MAILBOX}?subject={quote('unsubscribe ' + token)}"

    # a mail provider's POST: no cookie, no CSRF header, the RFC 8058 body
    client.cookies.clear()
    answer = client.post(
        parts.path,
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 200, answer.text
    with session_factory() as db:
        unsubscribed = db.scalars(select(Unsubscribe).where(Unsubscribe.address == ADDRESS)).one()
        assert unsubscribed.source == "one_click"
    assert nurture_of(session_factory, record_id).status == "completed"  # the sequence ended


def test_the_mailto_is_the_sender_when_no_mailbox_is_set(
    client, app, admin_headers, session_factory, smtp, monkeypatch
) -> None:
    inbox, outbound = smtp
    use_tracking_env(monkeypatch, app)
    nurture_welcome(client, admin_headers, session_factory, outbound, "13800006602")
    (mail,) = inbox.to(ADDRESS)
    mailto = re.search(r",\s+<mailto:([^?>]+)\?subject=unsubscribe%20", mail["List-Unsubscribe"])
    assert mailto is not None, mail["List-Unsubscribe"]
    assert mailto.group(1) == "marketing@example.com"


def test_a_session_without_bound_settings_reads_the_environment_once(
    client, admin_headers, session_factory, monkeypatch
) -> None:
    calls: list[int] = []
    real = Settings.from_env

    def counted() -> Settings:
        calls.append(1)
        return real()

    monkeypatch.setenv("FORMWORK_BASE_URL", "https://env.example.com")
    monkeypatch.setenv("FORMWORK_UNSUBSCRIBE_MAILTO", "env-box@example.com")
    monkeypatch.setattr(Settings, "from_env", counted)
    actions._environment.cache_clear()
    try:
        for phone in ("13800006603", "13800006604"):
            record_id = new_lead(client, email=f"{phone}@example.net", phone=phone)
            behave(client, admin_headers, record_id, "download", asset="whitepaper")
        loop.run_once(session_factory, now=NOW, outbound=Outbound())
    finally:
        actions._environment.cache_clear()
    with session_factory() as db:
        sends = db.scalars(select(EmailSend).where(EmailSend.address.like("138000066%"))).all()
        payloads = [
            payload
            for send in sends
            for payload in db.scalars(
                select(OutboxItem.payload).where(OutboxItem.key == f"sequence:{send.key}")
            )
        ]
    assert len(payloads) == 2
    assert all("<https://env.example.com/u/" in p["headers"]["List-Unsubscribe"] for p in payloads)
    assert all("mailto:env-box@example.com?" in p["headers"]["List-Unsubscribe"] for p in payloads)
    assert len(calls) == 1  # two mails, the environment read once
