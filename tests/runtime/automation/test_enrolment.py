"""Sequence re-enrolment: never, after the last enrolment ended, or always; with a gap.

A sequence here mails a welcome at once, waits two days and ends; a parallel branch waits for
`sequence_exit`. Time travels with `loop.run_once(now=…)`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from runtime.automation import enrolment, loop, sequences
from runtime.automation.enrolment import Last, Verdict, decide
from runtime.automation.models import Event, EventHandling
from runtime.automation.outbox import Outbound
from runtime.automation.sequence_models import SequenceEnrolment
from runtime.errors import InvalidDefinition
from runtime.flows.models import FlowInstance
from tests.conftest import NOW
from tests.runtime.automation.sequence_kit import behave
from tests.runtime.automation.test_dispatch import publish
from tests.runtime.flows.test_flows_concurrency import edge, node

DAY = timedelta(days=1)

# -- the decision, pure -----------------------------------------------------------------------


def test_a_first_start_is_enrolment_one_whatever_the_setting() -> None:
    for policy in ("never", "after_finished", "always"):
        assert decide({"reenroll": policy}, None, NOW) == Verdict(1)


def test_never_enrols_a_record_twice() -> None:
    ended = Last(1, running=False, enrolled_at=NOW - 90 * DAY, ended_at=NOW - 80 * DAY)
    assert decide({}, ended, NOW) == Verdict(None, "already_enrolled")
    assert decide({"reenroll": "never"}, ended, NOW).number is None


def test_after_finished_waits_for_the_end_and_the_gap_after_it() -> None:
    setting = {"reenroll": "after_finished", "min_gap": "P7D"}
    running = Last(1, running=True, enrolled_at=NOW - 30 * DAY, ended_at=None)
    assert decide(setting, running, NOW) == Verdict(None, "still_running")
    ended = Last(1, running=False, enrolled_at=NOW - 10 * DAY, ended_at=NOW - 3 * DAY)
    assert decide(setting, ended, NOW) == Verdict(None, "too_soon", not_before=NOW + 4 * DAY)
    assert decide(setting, ended, NOW + 4 * DAY) == Verdict(2)
    assert decide({"reenroll": "after_finished"}, ended, NOW) == Verdict(2)  # no gap


def test_always_enrols_again_and_asks_the_running_one_to_exit() -> None:
    running = Last(3, running=True, enrolled_at=NOW - DAY, ended_at=None)
    assert decide({"reenroll": "always"}, running, NOW) == Verdict(4, exit_running=True)
    gap = {"reenroll": "always", "min_gap": "P2D"}  # counted from its start while it runs
    assert decide(gap, running, NOW).reason == "too_soon"
    assert decide(gap, running, NOW + DAY) == Verdict(4, exit_running=True)


def test_a_broken_or_negative_gap_counts_as_none() -> None:
    assert enrolment.gap({"min_gap": "soon"}) == timedelta(0)
    assert enrolment.gap({"min_gap": "-P1D"}) == timedelta(0)
    assert enrolment.gap({"min_gap": "PT1H"}) == timedelta(hours=1)


# -- enrolments in the database ----------------------------------------------------------------


def drip(key: str, behaviour: str, setting: dict[str, Any] | None) -> dict[str, Any]:
    nodes = [
        node("start", "start", 0),
        node("split", "parallel", 100),
        node(
            "welcome",
            "action",
            200,
            action="send_email",
            params={"subject": "欢迎 {{ name }}", "html": "<p>您好 {{ name }}</p>"},
        ),
        node("pause", "wait", 300, duration="P2D"),
        node("done", "end", 400, outcome="completed"),
        node("exit_wait", "wait", 200, event="sequence_exit"),
        node("exited", "end", 300, outcome="completed"),
    ]
    pairs = [("start", "split"), ("split", "welcome"), ("welcome", "pause"), ("pause", "done")]
    pairs += [("split", "exit_wait"), ("exit_wait", "exited")]
    doc: dict[str, Any] = {
        "format": 1,
        "key": key,
        "title": {"zh-CN": key, "en": key},
        "form": "lead",
        "trigger": {"type": "behaviour", "types": [behaviour]},
        "nodes": nodes,
        "edges": [edge(a, b) for a, b in pairs],
    }
    if setting is not None:
        doc["sequence"] = setting
    return doc


def new_lead(client, phone: str) -> int:
    lead = {"name": "林一", "company": "星河制造", "phone": phone, "email": f"{phone}@example.org"}
    created = client.post("/f/crm/lead", json={**lead, "city": "北京"})
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def run(session_factory, at) -> None:
    loop.run_once(session_factory, now=at, outbound=Outbound())


def trigger(client, headers, session_factory, record_id: int, behaviour: str, at) -> None:
    behave(client, headers, record_id, behaviour)
    run(session_factory, at)


def enrolments(session_factory, record_id: int, key: str) -> list[tuple[int, str | None]]:
    with session_factory() as db:
        rows = db.execute(
            select(SequenceEnrolment.number, FlowInstance.status)
            .join(FlowInstance, FlowInstance.id == SequenceEnrolment.instance_id, isouter=True)
            .where(SequenceEnrolment.record_id == record_id, SequenceEnrolment.flow_key == key)
            .order_by(SequenceEnrolment.number)
        )
        return [(number, status) for number, status in rows]


def welcomes(session_factory, record_id: int, key: str) -> list[int | None]:
    with session_factory() as db:
        sends = sequences.sends_of(db, record_id=record_id, flow_key=key)
        return [send.instance_id for send in sends if send.step == "welcome"]


def skipped(session_factory, record_id: int, key: str) -> list[dict[str, Any]]:
    with session_factory() as db:
        rows = db.scalars(
            select(EventHandling)
            .join(Event, Event.id == EventHandling.event_id)
            .where(
                Event.record_id == record_id,
                EventHandling.handler == f"flow:{key}",
                EventHandling.outcome == "skipped",
            )
            .order_by(EventHandling.id)
        )
        return [row.detail["sequence"] for row in rows]


def test_after_finished_enrols_again_once_ended_and_the_gap_passed(
    client, session_factory, admin_headers
) -> None:
    key = "drip_after_finished"
    setting = {"reenroll": "after_finished", "min_gap": "P7D"}
    with session_factory() as db:
        publish(db, drip(key, "trial_signup", setting))
        db.commit()
    record_id = new_lead(client, "13900009101")
    # given an enrolment that runs
    trigger(client, admin_headers, session_factory, record_id, "trial_signup", NOW)
    assert enrolments(session_factory, record_id, key) == [(1, "running")]
    # when the record signs up again while it runs: not enrolled
    trigger(client, admin_headers, session_factory, record_id, "trial_signup", NOW + DAY)
    assert enrolments(session_factory, record_id, key) == [(1, "running")]
    # it ends on day 3; a sign-up on day 5 is within the 7-day gap
    run(session_factory, NOW + 3 * DAY)
    assert enrolments(session_factory, record_id, key) == [(1, "completed")]
    trigger(client, admin_headers, session_factory, record_id, "trial_signup", NOW + 5 * DAY)
    assert enrolments(session_factory, record_id, key) == [(1, "completed")]
    reasons = skipped(session_factory, record_id, key)
    assert [r["reason"] for r in reasons] == ["still_running", "too_soon"]
    assert reasons[1]["not_before"].startswith((NOW + 10 * DAY).date().isoformat())
    # then on day 11 it is enrolled again and gets the welcome again
    trigger(client, admin_headers, session_factory, record_id, "trial_signup", NOW + 11 * DAY)
    assert enrolments(session_factory, record_id, key) == [(1, "completed"), (2, "running")]
    first, second = instances(session_factory, record_id, key)
    assert welcomes(session_factory, record_id, key) == [first, second]


def instances(session_factory, record_id: int, key: str) -> list[int]:
    with session_factory() as db:
        return list(
            db.scalars(
                select(FlowInstance.id)
                .where(FlowInstance.record_id == record_id, FlowInstance.flow_key == key)
                .order_by(FlowInstance.id)
            )
        )


def test_never_keeps_a_record_to_one_enrolment(client, session_factory, admin_headers) -> None:
    key = "drip_never"
    with session_factory() as db:
        publish(db, drip(key, "price_check", {"reenroll": "never"}))
        db.commit()
    record_id = new_lead(client, "13900009102")
    trigger(client, admin_headers, session_factory, record_id, "price_check", NOW)
    run(session_factory, NOW + 3 * DAY)
    trigger(client, admin_headers, session_factory, record_id, "price_check", NOW + 300 * DAY)
    assert enrolments(session_factory, record_id, key) == [(1, "completed")]
    assert [r["reason"] for r in skipped(session_factory, record_id, key)] == ["already_enrolled"]
    assert len(welcomes(session_factory, record_id, key)) == 1


def test_always_exits_the_running_enrolment_and_starts_the_next(
    client, session_factory, admin_headers
) -> None:
    key = "drip_always"
    with session_factory() as db:
        publish(db, drip(key, "webinar_join", {"reenroll": "always"}))
        db.commit()
    record_id = new_lead(client, "13900009103")
    trigger(client, admin_headers, session_factory, record_id, "webinar_join", NOW)
    trigger(client, admin_headers, session_factory, record_id, "webinar_join", NOW + DAY)
    assert enrolments(session_factory, record_id, key) == [(1, "completed"), (2, "running")]
    first, second = instances(session_factory, record_id, key)
    with session_factory() as db:
        exited = db.get(FlowInstance, first)
        assert exited is not None
        assert exited.finished_at == NOW + DAY  # by its exit branch, before the next began
    assert welcomes(session_factory, record_id, key) == [first, second]


def test_a_flow_without_sequence_keeps_one_send_per_step_across_instances(
    client, session_factory, admin_headers
) -> None:
    key = "drip_plain"
    with session_factory() as db:
        publish(db, drip(key, "brochure", None))
        db.commit()
    record_id = new_lead(client, "13900009104")
    trigger(client, admin_headers, session_factory, record_id, "brochure", NOW)
    run(session_factory, NOW + 3 * DAY)
    trigger(client, admin_headers, session_factory, record_id, "brochure", NOW + 4 * DAY)
    assert len(instances(session_factory, record_id, key)) == 2  # started, as before
    assert enrolments(session_factory, record_id, key) == []
    assert len(welcomes(session_factory, record_id, key)) == 1  # already_sent


def test_enrolment_numbers_are_unique_per_sequence_and_record(
    client, session_factory, admin_headers, monkeypatch
) -> None:
    key = "drip_race"
    with session_factory() as db:
        publish(db, drip(key, "race", {"reenroll": "always"}))
        db.commit()
    record_id = new_lead(client, "13900009105")
    trigger(client, admin_headers, session_factory, record_id, "race", NOW)
    # a dispatcher that read the enrolments before another one enrolled the record as #2
    with session_factory() as db:
        db.add(
            SequenceEnrolment(
                app_key="crm", flow_key=key, record_id=record_id, number=2, enrolled_at=NOW
            )
        )
        db.commit()
    stale = enrolment.Last(1, running=False, enrolled_at=NOW, ended_at=NOW)
    monkeypatch.setattr(sequences, "_last_enrolment", lambda *_a, **_k: stale)
    trigger(client, admin_headers, session_factory, record_id, "race", NOW + DAY)
    assert [r["reason"] for r in skipped(session_factory, record_id, key)] == [
        "enrolled_concurrently"
    ]
    assert len(instances(session_factory, record_id, key)) == 1
    with session_factory() as db:
        db.add(
            SequenceEnrolment(
                app_key="crm", flow_key=key, record_id=record_id, number=1, enrolled_at=NOW
            )
        )
        with pytest.raises(IntegrityError):
            db.flush()


def test_publishing_refuses_an_unknown_reenroll_policy(db) -> None:
    with pytest.raises(InvalidDefinition) as refused:
        publish(db, drip("drip_bad", "x", {"reenroll": "sometimes"}))
    assert any(p.pointer == "/sequence/reenroll" for p in refused.value.problems)
