"""The white-paper nurture (DESIGN §7.4) end to end: mails over SMTP, opens, clicks, exits.

Time travels with `loop.run_once(now=…)` (what `formwork tick --now` runs); aiosmtpd receives
the mails; opens and clicks go through the public tracking endpoints.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from runtime.automation import loop
from runtime.automation.outbox import Outbound
from runtime.automation.sequence_models import EmailSend, Unsubscribe
from runtime.flows.models import FlowInstance
from runtime.scheduler.models import Timer
from tests.conftest import NOW
from tests.runtime.automation.sequence_kit import (
    SENDER,
    Inbox,
    behave,
    clicks_of,
    hrefs,
    html_of,
    new_lead,
    nurture_of,
    pixel_of,
    smtp_server,
    step_results,
    text_of,
    trace_of,
    unsubscribe_of,
    use_tracking_env,
)
from tests.runtime.automation.test_dispatch import publish
from tests.runtime.flows.test_flows_concurrency import edge, node

ADDRESS = "lin.yi@example.org"
WHITEPAPER = "https://www.example.com/whitepaper/sales-digital.pdf"
DAY = timedelta(days=1)


@pytest.fixture
def smtp(monkeypatch, app) -> Iterator[tuple[Inbox, Outbound]]:
    use_tracking_env(monkeypatch, app)
    with smtp_server() as (inbox, url):
        yield inbox, Outbound(smtp_url=url, smtp_from=SENDER)


def tick(session_factory, outbound: Outbound, at) -> None:
    """Two passes at `at`: timers fire in the first, the mails they queue leave in the second."""
    loop.run_once(session_factory, now=at, outbound=outbound)
    loop.run_once(session_factory, now=at, outbound=outbound)


def enrol(client, admin_headers, session_factory, outbound, **values) -> int:
    """A lead downloads the white paper on day 1 and gets the welcome mail."""
    record_id = new_lead(client, email=ADDRESS, **values)
    behave(client, admin_headers, record_id, "download", asset="whitepaper")
    tick(session_factory, outbound, NOW)
    return record_id


def score(client, admin_headers, record_id: int) -> int:
    url = f"/api/apps/crm/forms/lead/records/{record_id}"
    return int(client.get(url, headers=admin_headers).json()["data"]["score"])


def test_unopened_welcome_is_resent_and_a_click_earns_the_webinar(
    client, admin_headers, session_factory, smtp
) -> None:
    inbox, outbound = smtp
    # given a lead who downloaded the white paper: the day-1 welcome arrives
    record_id = enrol(client, admin_headers, session_factory, outbound)
    (welcome,) = inbox.to(ADDRESS)
    assert welcome["Subject"] == "林一，您要的《销售流程数字化白皮书》在这里"
    assert welcome["From"] == SENDER
    unsubscribe = unsubscribe_of(html_of(welcome))
    assert welcome["List-Unsubscribe"] == (
        f"<http://testserver{unsubscribe}>, "
        f"<mailto:marketing@example.com?subject=unsubscribe%20{unsubscribe.removeprefix('/u/')}>"
    )
    assert welcome["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = html_of(welcome)
    assert "林一 您好" in html
    assert pixel_of(html).endswith(".gif")
    assert WHITEPAPER not in html  # every web link goes through the click redirect
    assert len(clicks_of(html)) == 1
    assert "退订" in html
    assert "Unsubscribe" in html
    assert "/t/c/" in text_of(welcome)  # the text part has the tracked link too
    before = score(client, admin_headers, record_id)
    # when day 3 comes without an open
    tick(session_factory, outbound, NOW + 2 * DAY)
    # then the welcome is resent with a new subject, and no case study goes out
    subjects = [mail["Subject"] for mail in inbox.to(ADDRESS)]
    assert subjects[1:] == ["别错过：销售流程数字化的 3 个关键做法"]
    # when the lead clicks the link in the resend
    resend = inbox.to(ADDRESS)[1]
    (link,) = clicks_of(html_of(resend))
    answer = client.get(link, follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (302, WHITEPAPER)
    loop.run_once(session_factory, now=NOW + 2 * DAY + timedelta(hours=1), outbound=outbound)
    # then the click scores (+5, and +2 for the open it implies)
    assert score(client, admin_headers, record_id) == before + 7
    # and on day 7 the webinar invitation goes out; the sequence is done
    tick(session_factory, outbound, NOW + 6 * DAY)
    subjects = [mail["Subject"] for mail in inbox.to(ADDRESS)]
    assert subjects[2:] == ["邀请函：《销售流程数字化实战》线上研讨会"]
    instance = nurture_of(session_factory, record_id)
    assert instance.status == "completed"
    # and the run log says which step touched the lead, and why one did not
    steps = step_results(session_factory, instance.id)
    assert steps["welcome"]["sent_to"] == ADDRESS
    assert steps["resend"]["sent_to"] == ADDRESS
    assert steps["case_study"] == {
        "step": "case_study",
        "skipped": "condition",
        "unmet": {"opened": ["welcome"]},
    }
    assert steps["webinar"]["sent_to"] == ADDRESS
    # nothing more, however often the loop runs later
    tick(session_factory, outbound, NOW + 30 * DAY)
    assert len(inbox.to(ADDRESS)) == 3


def test_an_opened_welcome_gets_the_case_study_and_no_click_no_webinar(
    client, admin_headers, session_factory, smtp
) -> None:
    inbox, outbound = smtp
    record_id = enrol(client, admin_headers, session_factory, outbound)
    before = score(client, admin_headers, record_id)
    # when the lead opens the welcome (twice: it counts once)
    pixel = pixel_of(html_of(inbox.to(ADDRESS)[0]))
    for _ in range(2):
        answer = client.get(pixel)
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "image/gif"
    loop.run_once(session_factory, now=NOW + timedelta(hours=2), outbound=outbound)
    assert score(client, admin_headers, record_id) == before + 2
    # then day 3 brings the case study, not the resend
    tick(session_factory, outbound, NOW + 2 * DAY)
    mails = inbox.to(ADDRESS)
    assert [m["Subject"] for m in mails[1:]] == ["案例：一家制造企业如何把线索转化率提升到 19%"]
    assert "星河制造" in html_of(mails[1])  # {{ company }}
    # and without a click day 7 sends nothing
    tick(session_factory, outbound, NOW + 6 * DAY)
    assert len(inbox.to(ADDRESS)) == 2
    instance = nurture_of(session_factory, record_id)
    assert instance.status == "completed"
    steps = step_results(session_factory, instance.id)
    assert steps["resend"]["skipped"] == "condition"
    assert steps["webinar"] == {"step": "webinar", "skipped": "condition", "unmet": {"clicked": []}}


@pytest.mark.parametrize("behaviour", ["email_reply", "demo_booked"])
def test_a_reply_or_a_booked_demo_ends_the_sequence(
    client, admin_headers, session_factory, smtp, behaviour
) -> None:
    inbox, outbound = smtp
    record_id = enrol(client, admin_headers, session_factory, outbound)
    # when the lead replies (or books a demo) on day 2
    behave(client, admin_headers, record_id, behaviour)
    loop.run_once(session_factory, now=NOW + DAY, outbound=outbound)
    # then the sequence has ended, its day-3 wait is cancelled, and the trace says why
    instance = nurture_of(session_factory, record_id)
    assert instance.status == "completed"
    signals = [
        entry.data
        for entry in trace_of(session_factory, instance.id)
        if entry.node == "exit_wait" and "signal" in entry.data
    ]
    assert signals[0]["signal"] == "sequence_exit"
    assert signals[0]["data"]["reason"] == behaviour
    assert signals[0]["data"]["by"] == "lead_nurture_exit"
    with session_factory() as db:
        timers = db.scalars(select(Timer.status).where(Timer.instance_id == instance.id))
        assert set(timers) == {"cancelled"}
    tick(session_factory, outbound, NOW + 7 * DAY)
    assert len(inbox.to(ADDRESS)) == 1  # the welcome only


def test_becoming_an_mql_ends_the_sequence(client, admin_headers, session_factory, smtp) -> None:
    inbox, outbound = smtp
    # given a decision maker in the nurture (45 points for who they are)
    record_id = enrol(
        client,
        admin_headers,
        session_factory,
        outbound,
        title="CEO",
        company_size=800,
        industry="高科技/互联网",
    )
    # when the pricing page and a webinar take them to 80 points: the lead is an MQL
    behave(client, admin_headers, record_id, "page_view", page="pricing")
    behave(client, admin_headers, record_id, "webinar_attended")
    loop.run_once(session_factory, now=NOW + DAY, outbound=outbound)
    instance = nurture_of(session_factory, record_id)
    assert instance.status == "completed"
    exits = [e.data for e in trace_of(session_factory, instance.id) if e.node == "exit_wait"]
    reason = next(data["data"] for data in exits if "signal" in data)
    assert (reason["reason"], reason["changes"]["status"]) == ("record_updated", "MQL")
    assert reason["by"] == "lead_nurture_mql_exit"
    tick(session_factory, outbound, NOW + 7 * DAY)
    assert len(inbox.to(ADDRESS)) == 1


def test_one_click_unsubscribe_stops_the_mail(client, admin_headers, session_factory, smtp) -> None:
    inbox, outbound = smtp
    record_id = enrol(client, admin_headers, session_factory, outbound)
    link = unsubscribe_of(html_of(inbox.to(ADDRESS)[0]))
    # when the mail client posts the RFC 8058 one-click body
    answer = client.post(
        link,
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 200
    assert ADDRESS in answer.text
    # then the address is unsubscribed and the running sequence has ended
    with session_factory() as db:
        (row,) = db.scalars(select(Unsubscribe))
        assert (row.address, row.source) == (ADDRESS, "one_click")
    instance = nurture_of(session_factory, record_id)
    assert instance.status == "completed"
    tick(session_factory, outbound, NOW + 7 * DAY)
    assert len(inbox.to(ADDRESS)) == 1
    # and another lead with that address (entered by a rep) who downloads gets nothing
    lead = {"name": "林一", "company": "星河集团", "phone": "13800002222", "email": ADDRESS}
    created = client.post("/api/apps/crm/forms/lead/records", json=lead, headers=admin_headers)
    assert created.status_code == 201, created.text
    other = int(created.json()["id"])
    behave(client, admin_headers, other, "download", asset="whitepaper")
    tick(session_factory, outbound, NOW + 8 * DAY)
    assert len(inbox.to(ADDRESS)) == 1
    steps = step_results(session_factory, nurture_of(session_factory, other).id)
    assert steps["welcome"] == {"step": "welcome", "skipped": "unsubscribed", "address": ADDRESS}


def test_only_white_paper_downloads_of_leads_with_an_address_enrol(
    client, admin_headers, session_factory, smtp
) -> None:
    inbox, outbound = smtp
    case_study_reader = new_lead(client, email="reader@example.org", phone="13800003333")
    behave(client, admin_headers, case_study_reader, "download", asset="case_study")
    no_address = new_lead(client, phone="13800004444")
    behave(client, admin_headers, no_address, "download", asset="whitepaper")
    tick(session_factory, outbound, NOW)
    with session_factory() as db:
        assert list(db.scalars(select(EmailSend))) == []
    assert inbox.to("reader@example.org") == []


def test_a_second_download_sends_no_step_twice(
    client, admin_headers, session_factory, smtp
) -> None:
    inbox, outbound = smtp
    record_id = enrol(client, admin_headers, session_factory, outbound)
    behave(client, admin_headers, record_id, "download", asset="whitepaper")
    tick(session_factory, outbound, NOW + timedelta(hours=1))
    tick(session_factory, outbound, NOW + 2 * DAY + timedelta(hours=1))
    subjects = [mail["Subject"] for mail in inbox.to(ADDRESS)]
    assert subjects == [
        "林一，您要的《销售流程数字化白皮书》在这里",
        "别错过：销售流程数字化的 3 个关键做法",
    ]


def test_record_values_are_escaped_in_the_html(
    client, admin_headers, session_factory, smtp
) -> None:
    inbox, outbound = smtp
    enrol(
        client, admin_headers, session_factory, outbound, name='<a href="https://evil.test">林</a>'
    )
    (mail,) = inbox.to(ADDRESS)
    assert mail["Subject"].startswith('<a href="https://evil.test">林</a>，')  # plain text
    html = html_of(mail)
    assert "&lt;a href=&#34;https://evil.test&#34;&gt;林&lt;/a&gt; 您好" in html
    assert all("evil" not in href for href in hrefs(html))  # no link of theirs is tracked


def test_a_step_waiting_for_an_open_is_woken_by_the_pixel(
    client, admin_headers, session_factory, smtp
) -> None:
    inbox, outbound = smtp
    # given a sequence that thanks the reader as soon as the guide mail is opened
    mail = {
        "step": "guide",
        "subject": "指南",
        "html": '<a href="https://www.example.com/g">指南</a>',
    }
    thanks = {"step": "thanks", "subject": "谢谢阅读", "html": "<p>{{ name }}，谢谢！</p>"}
    flow = {
        "format": 1,
        "key": "guide_follow_up",
        "title": {"zh-CN": "指南跟进", "en": "Guide follow-up"},
        "form": "lead",
        "trigger": {"type": "behaviour", "types": ["download"], "data": {"asset": "guide"}},
        "nodes": [
            node("start", "start", 0),
            node("guide", "action", 200, action="send_email", params=mail),
            node("opened", "wait", 400, event="email_open"),
            node("thanks", "action", 600, action="send_email", params=thanks),
            node("done", "end", 800, outcome="completed"),
        ],
        "edges": [
            edge("start", "guide"),
            edge("guide", "opened"),
            edge("opened", "thanks"),
            edge("thanks", "done"),
        ],
    }
    with session_factory() as db:
        publish(db, flow)
        db.commit()
    record_id = new_lead(client, email=ADDRESS)
    behave(client, admin_headers, record_id, "download", asset="guide")
    tick(session_factory, outbound, NOW)
    (guide,) = inbox.to(ADDRESS)
    # when the lead opens it, hours later
    assert client.get(pixel_of(html_of(guide))).status_code == 200
    # (the endpoint stamps the wall clock: the mail it queued is due from then on)
    tick(session_factory, outbound, max(NOW + timedelta(hours=5), datetime.now(UTC)))
    # then the waiting step woke at once and the thanks went out
    assert [m["Subject"] for m in inbox.to(ADDRESS)] == ["指南", "谢谢阅读"]
    with session_factory() as db:
        instance = db.scalars(
            select(FlowInstance).where(FlowInstance.flow_key == "guide_follow_up")
        ).one()
        assert instance.status == "completed"
    woken = [e.data for e in trace_of(session_factory, instance.id) if e.node == "opened"]
    assert any(data.get("signal") == "email_open" for data in woken)
