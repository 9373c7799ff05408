"""Time triggers: 30 days before a contract ends, and no activity for 7 days — once each."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from builder import publish as publishing
from runtime.automation import schedule
from runtime.org import service as org
from runtime.records import service as records
from runtime.records.models import Record
from runtime.tasks.models import Task
from tests.conftest import NOW
from tests.runtime.automation.test_dispatch import automation, lead, publish

# The shipped crm/contract_renewal: 30 days before end_date, a task for the owner.


def contract(db: Session, name: str, ends_in_days: int) -> Record:
    account = records.create_record(
        db,
        form=records.load_form(db, app_key="crm", form_key="account"),
        raw={"name": f"{name}客户"},
        actor=None,
        now=NOW,
    )
    return records.create_record(
        db,
        form=records.load_form(db, app_key="crm", form_key="contract"),
        raw={
            "name": name,
            "account": account.id,
            "amount": "100000",
            "status": "已签署",
            "owner": "li",
            "end_date": (NOW + timedelta(days=ends_in_days)).date().isoformat(),
        },
        actor=None,
        now=NOW,
    )


def renewal_tasks(db: Session) -> list[str]:
    titles = db.scalars(select(Task.title).where(Task.title.like("续约提醒：%")))
    return [title.split("（")[0] for title in titles]


def test_a_renewal_task_30_days_before_the_end_once(db: Session) -> None:
    soon, later = contract(db, "甲合同", 60), contract(db, "乙合同", 90)
    assert schedule.scan(db, now=NOW + timedelta(days=20)) == 0  # nothing due yet
    assert schedule.scan(db, now=NOW + timedelta(days=40)) == 1  # 甲: 60 − 30 = day 30
    assert renewal_tasks(db) == ["续约提醒：甲合同"]
    assert schedule.scan(db, now=NOW + timedelta(days=41)) == 0  # once per end date
    # 乙 comes due later; a renewal of 甲 (a new end date) comes due again.
    new_end = (NOW + timedelta(days=400)).date().isoformat()
    records.update_record(
        db, record=soon, raw={"end_date": new_end}, expected_version=None, actor=None, now=NOW
    )
    assert schedule.scan(db, now=NOW + timedelta(days=380)) == 2
    assert sorted(renewal_tasks(db)) == ["续约提醒：乙合同", "续约提醒：甲合同", "续约提醒：甲合同"]
    assert later.id  # both contracts were offered


def test_moments_before_publishing_are_not_replayed(db: Session) -> None:
    renewal = automation(
        "renewal_late",
        {"type": "relative_date", "field": "end_date", "offset": "-P30D"},
        {"action": "update_fields", "params": {"fields": {"remark": "提醒过"}}},
    )
    renewal["form"] = "contract"
    old = contract(db, "旧合同", 10)  # due 20 days before this automation exists
    later = NOW + timedelta(days=1)
    publishing.publish(
        db, app_key="crm", kind="flows", key="renewal_late", user_id=None, now=later, doc=renewal
    )
    schedule.scan(db, now=NOW + timedelta(days=30))
    db.refresh(old)
    assert old.data.get("remark") is None


def test_inactivity_fires_after_seven_quiet_days(db: Session) -> None:
    quiet = automation(
        "lead_quiet",
        {"type": "inactivity", "field": "last_activity_at", "after": "P7D"},
        {
            "action": "notify",
            "params": {
                "to": [{"type": "users", "users": ["zhao"]}],
                "title": "7 天无跟进：{company}",
            },
        },
    )
    publish(db, quiet)
    record = lead(db, city="成都", phone="13933330000")
    stamp = (NOW + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    admin = org.load_user(db, username="admin")
    records.update_record(
        db,
        record=record,
        raw={"last_activity_at": stamp},
        expected_version=None,
        actor=admin,
        now=NOW,
        system=True,
    )
    assert schedule.scan(db, now=NOW + timedelta(days=7)) == 0
    assert schedule.scan(db, now=NOW + timedelta(days=8, minutes=1)) == 1
    assert schedule.scan(db, now=NOW + timedelta(days=9)) == 0


def test_a_big_deal_entering_analysis_gets_presales_and_the_manager_is_told(db: Session) -> None:
    from runtime.automation import service as dispatcher
    from runtime.automation.models import Notification

    rep = org.load_user(db, username="north_a")
    account = records.create_record(
        db,
        form=records.load_form(db, app_key="crm", form_key="account"),
        raw={"name": "大单客户"},
        actor=rep,
        now=NOW,
    )
    deal = records.create_record(
        db,
        form=records.load_form(db, app_key="crm", form_key="opportunity"),
        raw={"name": "大单", "account": account.id, "stage": "初步沟通", "amount": "800000"},
        actor=rep,
        now=NOW,
    )
    records.update_record(
        db, record=deal, raw={"stage": "需求分析"}, expected_version=None, actor=rep, now=NOW
    )
    while dispatcher.dispatch(db, now=NOW):
        pass
    presales = db.scalars(select(Task).where(Task.title.like("售前支持：大单%"))).all()
    assert {
        org_user.username for t in presales if (org_user := db.get(org.User, t.assignee_id))
    } == {
        "presales1",
        "presales2",
    }
    told = db.scalars(
        select(Notification.user_id).where(Notification.title == "大额商机进入需求分析：大单")
    ).all()
    assert told == [org.load_user(db, username="wang").id]  # north_a's manager


def test_a_weekly_schedule_fires_once_per_time_and_catches_up_only_the_latest(
    db: Session,
) -> None:
    weekly = automation(
        "weekly_review",
        {
            "type": "schedule",
            "cron": "0 9 * * 1",  # Mondays 09:00, Asia/Shanghai
            "condition": {"field": "level", "op": "eq", "value": "A"},
        },
        {"action": "update_fields", "params": {"fields": {"remark": "周一复盘"}}},
    )
    weekly["form"] = "account"
    publish(db, weekly)  # at NOW: Sunday 2026-11-22 16:00 in Shanghai
    form = records.load_form(db, app_key="crm", form_key="account")
    key_account = records.create_record(
        db, form=form, raw={"name": "甲级客户", "level": "A"}, actor=None, now=NOW
    )
    records.create_record(
        db, form=form, raw={"name": "乙级客户", "level": "B"}, actor=None, now=NOW
    )
    assert schedule.scan(db, now=NOW) == 0  # the last Monday 09:00 was before publishing
    monday = NOW + timedelta(hours=18)  # Monday 10:00 in Shanghai
    assert schedule.scan(db, now=monday) == 1  # only the A account matches
    assert schedule.scan(db, now=monday + timedelta(hours=1)) == 0  # once per schedule time
    db.refresh(key_account)
    assert key_account.data["remark"] == "周一复盘"
    # Down for two weeks: the latest Monday fires once, the missed one is not replayed.
    assert schedule.scan(db, now=monday + timedelta(days=14)) == 1
    assert schedule.latest_tick("0 9 * * 1", "Asia/Shanghai", monday).isoformat() == (
        "2026-11-23T01:00:00+00:00"
    )


def test_a_bad_cron_is_a_validation_problem() -> None:
    from builder.validate.flows import validate_flow

    flow = automation(
        "bad_cron",
        {"type": "schedule", "cron": "every monday"},
        {"action": "update_fields", "params": {"fields": {"remark": "x"}}},
    )
    codes = {(p.code, p.pointer) for p in validate_flow(flow)}
    assert ("invalid_cron", "/trigger/cron") in codes


def test_the_background_loop_scans_for_time_triggers_now_and_then(
    session_factory, monkeypatch
) -> None:
    # given a background loop and a count of its time-trigger scans
    from runtime.automation import loop

    scans: list[object] = []
    real_scan = schedule.scan

    def counted(db: Session, **kwargs: object) -> int:
        scans.append(kwargs["now"])
        return real_scan(db, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(schedule, "scan", counted)
    background = loop.BackgroundLoop(session_factory)
    # when commits wake it twice in a row
    background.work()
    background.work()
    # then only the first pass scans: the second goes straight to the events
    assert len(scans) == 1
    # and once SCAN_EVERY has passed, the next pass scans again
    background.next_scan = 0.0
    background.work()
    assert len(scans) == 2
