"""Shipped CRM reminders (DESIGN §7.3, §7.7): lead SLA, idle deals, birthdays — by time travel."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from runtime.automation import loop
from runtime.automation.models import Notification
from runtime.automation.schedule import anniversary
from runtime.org import service as org
from runtime.org.models import User
from runtime.records import service as records
from runtime.records.models import Record
from runtime.tasks.models import Task
from tests.conftest import NOW

DAY = timedelta(days=1)


def travel(factory: sessionmaker[Session], to: timedelta) -> None:
    """One background pass (time triggers, events, timers) at NOW + `to`."""
    loop.run_once(factory, now=NOW + to)


def create(factory: sessionmaker[Session], form: str, raw: dict, actor: str | None = None) -> int:
    with factory() as db:
        user = org.load_user(db, username=actor) if actor else None
        row = records.create_record(
            db,
            form=records.load_form(db, app_key="crm", form_key=form),
            raw=raw,
            actor=user,
            now=NOW,
        )
        db.commit()
        return row.id


def update(
    factory: sessionmaker[Session], record_id: int, raw: dict, at: timedelta, actor: str | None
) -> None:
    with factory() as db:
        row = db.get(Record, record_id)
        assert row is not None
        user = org.load_user(db, username=actor) if actor else None
        records.update_record(
            db,
            record=row,
            raw=raw,
            expected_version=None,
            actor=user,
            now=NOW + at,
            system=actor is None,
        )
        db.commit()


def data(factory: sessionmaker[Session], record_id: int) -> dict:
    with factory() as db:
        row = db.get(Record, record_id)
        assert row is not None
        return dict(row.data)


def told(factory: sessionmaker[Session], record_id: int, prefix: str) -> list[str]:
    """Who got a notification about the record whose title starts with `prefix`, sorted."""
    with factory() as db:
        rows = db.execute(
            select(User.username)
            .join(Notification, Notification.user_id == User.id)
            .where(Notification.record_id == record_id, Notification.title.like(f"{prefix}%"))
        )
        return sorted(name for (name,) in rows)


def todos(factory: sessionmaker[Session], prefix: str) -> list[tuple[str, str]]:
    with factory() as db:
        rows = db.execute(
            select(Task.title, User.username)
            .join(User, User.id == Task.assignee_id)
            .where(Task.kind == "todo", Task.title.like(f"{prefix}%"))
            .order_by(Task.id)
        )
        return [(title, name) for title, name in rows]


def test_lead_sla_reminds_at_24h_escalates_at_48h_and_pools_after_7_quiet_days(
    session_factory: sessionmaker[Session],
) -> None:
    # given: two Baidu leads from 深圳 (routed to south_a, whose manager is zhang)
    lead = {"company": "南山制造", "city": "深圳", "source": "百度推广"}
    silent = create(session_factory, "lead", {**lead, "name": "甲", "phone": "13900000001"})
    called = create(session_factory, "lead", {**lead, "name": "乙", "phone": "13900000002"})
    travel(session_factory, timedelta(0))
    assert data(session_factory, silent)["owner"] == "south_a"
    # the rep calls 乙 within the hour: first contact, no reminder for it
    update(session_factory, called, {"status": "已联系"}, timedelta(hours=1), "south_a")

    travel(session_factory, timedelta(hours=23))
    assert told(session_factory, silent, "首次联系已超 24 小时") == []

    travel(session_factory, DAY + timedelta(minutes=1))
    travel(session_factory, DAY + timedelta(minutes=2))  # a second pass fires nothing again
    assert told(session_factory, silent, "首次联系已超 24 小时") == ["south_a"]
    assert told(session_factory, called, "首次联系已超 24 小时") == []
    assert told(session_factory, silent, "线索 48 小时未联系") == []

    travel(session_factory, 2 * DAY + timedelta(minutes=1))
    assert told(session_factory, silent, "线索 48 小时未联系") == ["zhang"]
    assert told(session_factory, silent, "已上报主管") == ["south_a"]
    assert told(session_factory, called, "线索 48 小时未联系") == []

    # 乙 gets a logged activity on day 5; 甲 stays untouched
    stamp = (NOW + 5 * DAY).strftime("%Y-%m-%dT%H:%M:%SZ")
    update(session_factory, called, {"last_activity_at": stamp}, 5 * DAY, None)
    travel(session_factory, 6 * DAY)
    assert data(session_factory, silent)["owner"] == "south_a"

    travel(session_factory, 7 * DAY + timedelta(minutes=1))  # 甲: nothing changed for 7 days
    assert data(session_factory, silent).get("owner") is None
    assert data(session_factory, called)["owner"] == "south_a"

    travel(session_factory, 11 * DAY)
    assert data(session_factory, called)["owner"] == "south_a"
    travel(session_factory, 12 * DAY + timedelta(minutes=1))  # 乙: last activity 7 days ago
    assert data(session_factory, called).get("owner") is None
    assert data(session_factory, called)["status"] == "已联系"


def test_an_idle_opportunity_reminds_the_owner_and_copies_the_manager_once_per_quiet_spell(
    session_factory: sessionmaker[Session],
) -> None:
    account = create(session_factory, "account", {"name": "停滞客户"}, "north_a")
    deal = {"account": account, "owner": "north_a", "amount": "120000"}
    idle = create(
        session_factory, "opportunity", {**deal, "name": "停滞商机", "stage": "需求分析"}, "north_a"
    )
    won = create(
        session_factory,
        "opportunity",
        {
            **deal,
            "name": "已赢商机",
            "stage": "赢单",
            "contract_amount": "1",
            "sign_date": "2026-11-01",
        },
        "north_a",
    )
    travel(session_factory, 6 * DAY)
    assert told(session_factory, idle, "商机停滞 7 天") == []

    travel(session_factory, 7 * DAY + timedelta(minutes=1))
    travel(session_factory, 8 * DAY)
    assert told(session_factory, idle, "商机停滞 7 天") == ["north_a"]
    assert told(session_factory, idle, "抄送：商机停滞 7 天") == ["wang"]  # north_a's manager
    assert told(session_factory, won, "商机停滞 7 天") == []

    # news on day 8 starts a new quiet spell: reminded again 7 days later
    update(session_factory, idle, {"remark": "客户在走内部流程"}, 8 * DAY, "north_a")
    travel(session_factory, 15 * DAY - timedelta(minutes=1))
    assert told(session_factory, idle, "商机停滞 7 天") == ["north_a"]
    travel(session_factory, 15 * DAY)
    assert told(session_factory, idle, "商机停滞 7 天") == ["north_a", "north_a"]


def test_a_birthday_greeting_task_every_year_on_the_day(
    session_factory: sessionmaker[Session],
) -> None:
    account = create(session_factory, "account", {"name": "生日客户"}, "east_a")
    contact = {"account": account, "owner": "east_a"}
    create(session_factory, "contact", {**contact, "name": "周生", "birthday": "1990-11-25"})
    # a birthday that passed before the automation was published is not replayed
    create(session_factory, "contact", {**contact, "name": "吴生", "birthday": "1985-11-20"})
    create(session_factory, "contact", {**contact, "name": "无生日"})

    travel(session_factory, DAY)
    assert todos(session_factory, "生日祝福") == []
    travel(session_factory, 3 * DAY)  # 25 November, 08:00 UTC
    travel(session_factory, 3 * DAY + timedelta(hours=1))
    assert todos(session_factory, "生日祝福") == [("生日祝福：周生", "east_a")]

    travel(session_factory, 363 * DAY)  # 20 November 2027: 吴生's first birthday since
    travel(session_factory, 368 * DAY)  # 25 November 2027
    assert [name for name, _ in todos(session_factory, "生日祝福")] == [
        "生日祝福：周生",
        "生日祝福：吴生",
        "生日祝福：周生",
    ]


def test_an_anniversary_is_the_latest_month_and_day_on_or_before_the_day() -> None:
    from datetime import date

    assert anniversary("1990-11-25", date(2026, 11, 25)) == "2026-11-25"
    assert anniversary("1990-11-25", date(2026, 11, 24)) == "2025-11-25"
    assert anniversary("1990-01-02", date(2027, 1, 1)) == "2026-01-02"
    # 29 February: its occurrence comes when 1 March has come in a common year
    assert anniversary("1992-02-29", date(2027, 2, 28)) == "2026-02-29"
    assert anniversary("1992-02-29", date(2027, 3, 1)) == "2027-02-29"


def test_a_department_head_spec_may_name_the_manager_of_a_user_field() -> None:
    from runtime.flows.approvers import resolve_spec
    from runtime.org.directory import Directory

    directory = Directory(
        department_of={"south_a": "south", "zhang": "south", "qian": "sales"},
        head_of={"south": "zhang", "sales": "zhao"},
        parent_of={"south": "sales"},
    )
    spec = {"type": "department_head", "field": "owner", "levels": 1}
    owner_manager = resolve_spec(
        spec, record={"owner": "south_a"}, submitter="qian", directory=directory
    )
    assert owner_manager == ["zhang"]  # the owner's manager, not the submitter's
    assert resolve_spec(spec, record={}, submitter="qian", directory=directory) == []
    submitter_manager = {"type": "department_head", "levels": 1}
    assert resolve_spec(submitter_manager, record={}, submitter="qian", directory=directory) == [
        "zhao"
    ]


def test_the_validator_wants_a_user_field_for_a_manager_of_a_field() -> None:
    import json
    from pathlib import Path

    from builder.validate.flows import validate_flow

    root = Path(__file__).resolve().parents[3]
    form = json.loads((root / "form_schemas/crm/lead.json").read_text("utf-8"))

    def flow(field: str) -> dict:
        spec = {"type": "department_head", "field": field}
        return {
            "format": 1,
            "key": "cc_manager",
            "title": {"zh-CN": "抄送主管", "en": "Copy the manager"},
            "form": "lead",
            "nodes": [
                {"id": "start", "type": "start", "config": {}},
                {"id": "cc", "type": "cc", "config": {"recipients": [spec]}},
                {"id": "done", "type": "end", "config": {"outcome": "completed"}},
            ],
            "edges": [
                {"id": "e1", "from": "start", "to": "cc"},
                {"id": "e2", "from": "cc", "to": "done"},
            ],
        }

    assert validate_flow(flow("owner"), form_doc=form) == []
    problems = [(p.code, p.pointer) for p in validate_flow(flow("company"), form_doc=form)]
    assert problems == [("approver_unknown_field", "/nodes/1/config/recipients/0/field")]
