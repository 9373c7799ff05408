"""Score decay: behaviour points halve every 30 days, computed from `now` alone; no MQL on the
way down, none again on the way back up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from runtime.actions.add_score import decay_factor, lost_points, price
from runtime.automation import events, loop
from runtime.automation.models import Event
from runtime.records import service as records
from runtime.records.models import Record
from runtime.tasks.models import Task
from tests.conftest import NOW

DAY = timedelta(days=1)
MONTH = timedelta(days=30)
T = datetime(2026, 1, 1, tzinfo=UTC)


def test_a_point_is_worth_half_after_one_half_life() -> None:
    assert decay_factor(timedelta(0), MONTH) == 1
    assert decay_factor(-DAY, MONTH) == 1  # not yet earned: nothing lost
    assert decay_factor(MONTH, MONTH) == Decimal("0.5")
    assert decay_factor(2 * MONTH, MONTH) == Decimal("0.25")


def test_lost_points_depend_on_now_alone() -> None:
    ledger = [(T, Decimal(20)), (T + MONTH, Decimal(15))]
    assert lost_points(ledger, now=T, half_life=MONTH) == 0
    assert lost_points(ledger, now=T + MONTH, half_life=MONTH) == 10  # 15 not yet decayed
    # 20 × ¾ + 15 × ½ = 22.5 → 23 (half up, over the sum)
    assert lost_points(ledger, now=T + 2 * MONTH, half_life=MONTH) == 23
    # entries after `now` count for nothing yet
    assert lost_points(ledger, now=T + DAY, half_life=MONTH) == lost_points(
        ledger[:1], now=T + DAY, half_life=MONTH
    )
    assert lost_points([], now=T, half_life=MONTH) == 0


def test_behaviours_are_priced_by_the_first_matching_rule() -> None:
    rules = [
        {"type": "page_view", "data": {"page": "pricing"}, "points": 15},
        {"type": "webinar_attended", "points": 20},
    ]
    assert price(rules, {"type": "page_view", "data": {"page": "pricing"}}) == 15
    assert price(rules, {"type": "page_view", "data": {"page": "about"}}) is None
    assert price(rules, {"type": "webinar_attended"}) == 20


def new_lead(factory: sessionmaker[Session], phone: str) -> int:
    with factory() as db:
        row = records.create_record(
            db,
            form=records.load_form(db, app_key="crm", form_key="lead"),
            raw={
                "name": "郑十",
                "company": f"衰减科技{phone[-2:]}",
                "phone": phone,
                "city": "北京",
                "title": "VP 销售",
                "company_size": 800,
                "industry": "金融",
            },
            actor=None,
            now=NOW,
        )
        db.commit()
        return row.id


def behave(
    factory: sessionmaker[Session], record_id: int, kind: str, at: timedelta, **data
) -> None:
    with factory() as db:
        events.emit(
            db,
            app_key="crm",
            kind="behaviour",
            form_key="lead",
            record_id=record_id,
            actor_id=None,
            payload={"type": kind, "data": data},
            now=NOW + at,
        )
        db.commit()
    loop.run_once(factory, now=NOW + at)


def score(factory: sessionmaker[Session], record_id: int) -> int:
    with factory() as db:
        row = db.get(Record, record_id)
        assert row is not None
        return int(row.data["score"])


def crossings(factory: sessionmaker[Session], record_id: int) -> int:
    with factory() as db:
        return int(
            db.scalar(
                select(func.count(Event.id)).where(
                    Event.record_id == record_id, Event.kind == "score_crossed"
                )
            )
            or 0
        )


def mql_tasks(factory: sessionmaker[Session], company: str) -> int:
    with factory() as db:
        titles = db.scalars(select(Task.title).where(Task.title.like("【高价值线索】%")))
        return sum(1 for title in titles if title.endswith(company))


def test_daily_decay_lowers_the_score_without_a_second_mql(
    session_factory: sessionmaker[Session],
) -> None:
    # given: 45 attribute points, then pricing +15 and webinar +20 → 80: an MQL
    lead = new_lead(session_factory, "13900007701")
    loop.run_once(session_factory, now=NOW)
    behave(session_factory, lead, "page_view", timedelta(0), page="pricing")
    behave(session_factory, lead, "webinar_attended", timedelta(0))
    assert score(session_factory, lead) == 80
    assert crossings(session_factory, lead) == 1
    assert mql_tasks(session_factory, "衰减科技01") == 1

    # when: the daily schedule runs for 30 days
    for day in range(1, 31):
        loop.run_once(session_factory, now=NOW + day * DAY)
    # then: 35 behaviour points halved → 17.5 lost, rounded to 18; attributes stay
    assert score(session_factory, lead) == 62
    with session_factory() as db:
        row = db.get(Record, lead)
        assert row is not None
        assert row.data["status"] == "MQL"  # decay changes the score, not the status
    assert crossings(session_factory, lead) == 1  # nothing on the way down

    # a webinar on day 30 brings it back over 80: recorded, but no second MQL
    behave(session_factory, lead, "webinar_attended", MONTH)
    assert score(session_factory, lead) == 82
    assert crossings(session_factory, lead) == 1
    assert mql_tasks(session_factory, "衰减科技01") == 1

    # day 60: 35 × ¾ + 20 × ½ = 36.25 → 36 lost in all: 45 + 55 − 36
    loop.run_once(session_factory, now=NOW + 2 * MONTH)
    assert score(session_factory, lead) == 64


def test_running_decay_often_or_again_gives_the_score_of_that_moment(
    session_factory: sessionmaker[Session],
) -> None:
    lead = new_lead(session_factory, "13900007703")
    loop.run_once(session_factory, now=NOW)
    behave(session_factory, lead, "download", timedelta(0), asset="case_study")  # +10
    behave(session_factory, lead, "webinar_attended", timedelta(0))  # +20
    assert score(session_factory, lead) == 75
    # evaluated every 3 days up to day 45: each run takes off only what is newly lost, so no
    # rounding drifts in — the score is what one evaluation on day 45 gives
    for day in range(3, 46, 3):
        loop.run_once(session_factory, now=NOW + day * DAY)
    once = lost_points([(NOW, Decimal(30))], now=NOW + 45 * DAY, half_life=MONTH)
    assert once == 19  # 30 × (1 − 2^−1.5) = 19.39
    assert score(session_factory, lead) == 75 - 19
    # the same moment again changes nothing
    loop.run_once(session_factory, now=NOW + 45 * DAY)
    assert score(session_factory, lead) == 56


def test_decay_without_its_scoring_flow_fails_visibly(db: Session) -> None:
    from runtime.automation import service as dispatcher
    from runtime.flows.models import FlowInstance
    from tests.runtime.automation.test_dispatch import automation, publish

    broken = automation(
        "decay_nowhere",
        {"type": "record_created"},
        {"action": "add_score", "params": {"decay": {"half_life": "P30D", "flow": "nope"}}},
    )
    publish(db, broken)
    row = records.create_record(
        db,
        form=records.load_form(db, app_key="crm", form_key="lead"),
        raw={"name": "吴十一", "company": "无名", "phone": "13900007709"},
        actor=None,
        now=NOW,
    )
    dispatcher.dispatch(db, now=NOW)
    instance = db.scalars(
        select(FlowInstance).where(
            FlowInstance.record_id == row.id, FlowInstance.flow_key == "decay_nowhere"
        )
    ).one()
    assert instance.status == "failed"
