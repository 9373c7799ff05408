"""Email tracking: signed tokens, open pixel, click redirect (never open), RFC 8058 unsubscribe."""

from __future__ import annotations

from datetime import timedelta
from email.utils import parseaddr

import pytest
from sqlalchemy import select

from runtime.automation import loop, sequences, tracking
from runtime.automation.models import Event, OutboxItem
from runtime.automation.outbox import Outbound
from runtime.automation.sequence_models import EmailSend, Unsubscribe
from runtime.outbound.mail import message
from tests.conftest import NOW
from tests.runtime.automation.sequence_kit import (
    behave,
    clicks_of,
    new_lead,
    nurture_of,
    pixel_of,
    unsubscribe_of,
    use_tracking_env,
)

ADDRESS = "zhou.er@example.org"
WHITEPAPER = "https://www.example.com/whitepaper/sales-digital.pdf"
ONE_CLICK = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def welcome(client, app, admin_headers, session_factory, monkeypatch) -> dict[str, object]:
    """A lead in the nurture and its queued welcome mail (no SMTP needed: it waits)."""
    use_tracking_env(monkeypatch, app)
    record_id = new_lead(client, name="周二", email=ADDRESS, phone="13800005555")
    behave(client, admin_headers, record_id, "download", asset="whitepaper")
    loop.run_once(session_factory, now=NOW, outbound=Outbound())
    with session_factory() as db:
        send = db.scalars(select(EmailSend).where(EmailSend.record_id == record_id)).one()
        payload = db.scalars(
            select(OutboxItem.payload).where(OutboxItem.key == f"sequence:{send.key}")
        ).one()
    html = str(payload["html"])
    return {
        "record_id": record_id,
        "send_id": send.id,
        "nonce": send.nonce,
        "html": html,
        "headers": payload["headers"],
    }


def behaviours(session_factory, record_id: int, kind: str) -> list[dict[str, object]]:
    with session_factory() as db:
        rows = db.scalars(
            select(Event).where(Event.record_id == record_id, Event.kind == "behaviour")
        )
        return [dict(row.payload) for row in rows if row.payload.get("type") == kind]


def forged(path: str) -> str:
    """The same path with the last character of its signature changed."""
    stem, dot, suffix = path.partition(".gif")
    last = "A" if stem[-1] != "A" else "B"
    return stem[:-1] + last + dot + suffix


def assert_not_found(answer) -> None:
    assert answer.status_code == 404
    (error,) = answer.json()["errors"]
    assert set(error) >= {"field", "code", "message"}
    assert error["code"] == "unknown_token"


def test_the_pixel_counts_one_open_per_send_and_is_not_cached(client, session_factory, welcome):
    pixel = pixel_of(str(welcome["html"]))
    for _ in range(3):
        answer = client.get(pixel)
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "image/gif"
        assert answer.content.startswith(b"GIF89a")
        assert "no-store" in answer.headers["cache-control"]
    opens = behaviours(session_factory, int(welcome["record_id"]), "email_open")
    assert opens == [
        {
            "type": "email_open",
            "data": {"flow": "lead_nurture", "step": "welcome", "send": welcome["send_id"]},
        }
    ]
    with session_factory() as db:
        assert db.get(EmailSend, welcome["send_id"]).opened_at is not None


def test_a_click_redirects_to_the_mails_own_link_only(client, session_factory, welcome):
    (link,) = clicks_of(str(welcome["html"]))
    # an attacker's URL in the query is ignored: the token names the link
    answer = client.get(f"{link}?url=https://evil.test/", follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (302, WHITEPAPER)
    assert "no-store" in answer.headers["cache-control"]
    client.get(link, follow_redirects=False)
    record_id = int(welcome["record_id"])
    assert len(behaviours(session_factory, record_id, "link_click")) == 1
    assert len(behaviours(session_factory, record_id, "email_open")) == 1  # a click is an open


def test_forged_and_misused_tokens_are_refused(client, app, session_factory, welcome):
    html = str(welcome["html"])
    pixel, (link,), unsubscribe = pixel_of(html), clicks_of(html), unsubscribe_of(html)
    key = tracking.tracking_key(app.state.settings.secret_key)
    send_id, nonce = int(welcome["send_id"]), str(welcome["nonce"])
    other_secret = tracking.make_token(
        tracking.tracking_key("other"), tracking.OPEN, send_id, nonce
    )
    refused = [
        forged(pixel),
        forged(link),
        "/t/o/1.AAAAAAAAAAAAAAAAAAAAAA.gif",
        "/t/c/1.0.AAAAAAAAAAAAAAAAAAAAAA",
        "/t/o/not-a-token.gif",
        "/t/c/" + "9" * 40,
        # a genuine open token is no click token, and the other way round
        "/t/c/" + pixel.removeprefix("/t/o/").removesuffix(".gif"),
        "/t/o/" + link.removeprefix("/t/c/") + ".gif",
        # a click token signed for a link the mail does not have: no open redirect
        f"/t/c/{tracking.make_token(key, tracking.CLICK, send_id, nonce, 7)}",
        # another send's id with this send's signature
        f"/t/o/{send_id + 1}.{pixel.rsplit('.', 2)[1]}.gif",
        # signed with another secret
        f"/t/o/{other_secret}.gif",
    ]
    for path in refused:
        assert_not_found(client.get(path, follow_redirects=False))
    assert_not_found(client.post(forged(unsubscribe), content=b"List-Unsubscribe=One-Click"))
    page = client.get(forged(unsubscribe))
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    record_id = int(welcome["record_id"])
    assert behaviours(session_factory, record_id, "email_open") == []
    assert behaviours(session_factory, record_id, "link_click") == []
    with session_factory() as db:
        assert list(db.scalars(select(Unsubscribe))) == []


def test_the_unsubscribe_page_asks_first_and_its_button_unsubscribes(
    client, session_factory, welcome
):
    path = unsubscribe_of(str(welcome["html"]))
    page = client.get(path)
    assert page.status_code == 200
    assert "确认退订" in page.text
    assert "Unsubscribe" in page.text
    assert ADDRESS in page.text
    assert 'name="List-Unsubscribe" value="One-Click"' in page.text
    with session_factory() as db:
        assert list(db.scalars(select(Unsubscribe))) == []  # looking is not unsubscribing
    answer = client.post(path, data={"List-Unsubscribe": "One-Click", "source": "page"})
    assert answer.status_code == 200
    with session_factory() as db:
        (row,) = db.scalars(select(Unsubscribe))
        assert (row.address, row.source, row.send_id) == (ADDRESS, "page", welcome["send_id"])
    assert "已退订" in client.get(path).text
    assert nurture_of(session_factory, int(welcome["record_id"])).status == "completed"


def test_one_click_accepts_multipart_and_counts_once(client, session_factory, welcome):
    path = unsubscribe_of(str(welcome["html"]))
    boundary = "fwboundary"
    body = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n'
        f"One-Click\r\n--{boundary}--\r\n"
    ).encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    for _ in range(2):
        assert client.post(path, content=body, headers=headers).status_code == 200
    with session_factory() as db:
        assert len(list(db.scalars(select(Unsubscribe)))) == 1


@pytest.mark.parametrize(
    "body", [b"", b"List-Unsubscribe=Other", b"x" * 10_000], ids=["empty", "other", "too_big"]
)
def test_a_one_click_post_without_its_body_is_refused(client, session_factory, welcome, body):
    path = unsubscribe_of(str(welcome["html"]))
    answer = client.post(path, content=body, headers=ONE_CLICK)
    assert answer.status_code in (413, 422)
    assert answer.json()["errors"][0]["code"] in ("invalid_unsubscribe", "payload_too_large")
    with session_factory() as db:
        assert list(db.scalars(select(Unsubscribe))) == []


def test_the_mail_carries_the_rfc_8058_headers(welcome):
    headers = dict(welcome["headers"])  # type: ignore[call-overload]
    unsubscribe = unsubscribe_of(str(welcome["html"]))
    https_part, mailto_part = headers["List-Unsubscribe"].split(", ")
    assert https_part == f"<http://testserver{unsubscribe}>"
    assert mailto_part.startswith("<mailto:marketing@example.com?subject=unsubscribe")
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_signals_reach_only_waiting_sequences(client, session_factory, welcome):
    """Signals reach only the running sequences that wait for them."""
    with session_factory() as db:
        send = db.get(EmailSend, welcome["send_id"])
        instance = nurture_of(session_factory, int(welcome["record_id"]))
        # the nurture waits for a timer, not for the open: nothing to wake
        assert (
            sequences.signal(db, instance_ids=[instance.id], name="email_open", data={}, now=NOW)
            == []
        )
        # but it does wait for an exit: that signal is taken
        taken = sequences.exit_sequences(
            db, record_id=send.record_id, data={"reason": "test"}, now=NOW + timedelta(hours=1)
        )
        assert taken == [instance.id]
        db.commit()


# -- pure parts ----------------------------------------------------------------------------------


def test_tokens_round_trip_and_name_one_purpose():
    key = tracking.tracking_key("secret")
    token = tracking.make_token(key, tracking.CLICK, 42, "nonce", 3)
    claim = tracking.read_token(token)
    assert claim is not None
    assert (claim.send_id, claim.link) == (42, 3)
    assert tracking.is_genuine(key, tracking.CLICK, claim, "nonce")
    assert not tracking.is_genuine(key, tracking.CLICK, claim, "another nonce")
    assert not tracking.is_genuine(key, tracking.OPEN, claim, "nonce")
    assert tracking.read_token("42.3.short") is None
    assert tracking.read_token("0." + "A" * 22) is None


def test_links_are_collected_and_rewritten_but_not_mailto_or_the_footer():
    html = (
        '<p><a href="https://a.example/x?y=1&amp;z=2">A</a> <a href="mailto:x@y.z">mail</a>'
        " <a href='http://b.example/'>B</a> <a href=\"https://a.example/x?y=1&amp;z=2\">A2</a></p>"
    )
    links = tracking.trackable_links(html)
    assert links == ["https://a.example/x?y=1&z=2", "http://b.example/"]
    rewritten = tracking.rewrite_links(html, links, {0: "https://t/c/0", 1: "https://t/c/1"})
    assert rewritten.count("https://t/c/0") == 2
    assert "https://t/c/1" in rewritten
    assert "mailto:x@y.z" in rewritten
    done = tracking.finish_html(
        "<html><body>hi</body></html>", pixel_url="https://t/o.gif", unsubscribe_url="https://t/u"
    )
    assert done.endswith("</body></html>")
    assert done.index("https://t/u") < done.index("</body>")
    text = tracking.html_to_text(done)
    assert text.startswith("hi")
    assert "<https://t/u>" in text


@pytest.mark.parametrize(
    ("when", "opened", "clicked", "unmet"),
    [
        ({"opened": ["welcome"]}, set(), set(), "opened"),
        ({"opened": ["welcome"]}, {"welcome"}, set(), None),
        ({"not_opened": ["welcome"]}, {"welcome"}, set(), "not_opened"),
        ({"not_opened": ["welcome"]}, {"resend"}, set(), None),
        ({"clicked": []}, {"welcome"}, set(), "clicked"),
        ({"clicked": []}, {"welcome"}, {"resend"}, None),
        ({"not_clicked": []}, set(), {"resend"}, "not_clicked"),
        ({}, set(), set(), None),
    ],
)
def test_step_conditions(when, opened, clicked, unmet):
    assert tracking.unmet_guard(when, opened=opened, clicked=clicked) == unmet


def test_extra_mail_headers_are_one_line_and_never_replace_the_fixed_ones():
    mail = message(
        sender="a@example.com",
        to=["b@example.com"],
        subject="s",
        text="t",
        html="<p>t</p>",
        key="k",
        headers={"List-Unsubscribe": "<https://x/u/1>,\r\nBcc: c@evil.test", "To": "c@evil.test"},
    )
    assert mail["Bcc"] is None
    assert mail["To"] == "b@example.com"
    assert mail["List-Unsubscribe"] == "<https://x/u/1>, Bcc: c@evil.test"
    assert parseaddr(mail["From"])[1] == "a@example.com"
