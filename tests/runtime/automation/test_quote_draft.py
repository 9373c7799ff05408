"""DESIGN §7.5: an opportunity entering 方案报价 drafts a quote, and quote approval starts."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from runtime.automation import service as dispatcher
from runtime.flows.models import FlowInstance
from runtime.org import service as org
from runtime.org.models import User
from runtime.records import service as records
from runtime.records.models import Record
from runtime.tasks.models import Task
from tests.conftest import NOW


def run_automations(db: Session) -> None:
    while dispatcher.dispatch(db, now=NOW):
        pass


def opportunity(db: Session, name: str, amount: str | None) -> Record:
    rep = org.load_user(db, username="north_a")
    account = records.create_record(
        db,
        form=records.load_form(db, app_key="crm", form_key="account"),
        raw={"name": f"{name}客户"},
        actor=rep,
        now=NOW,
    )
    raw = {"name": name, "account": account.id, "stage": "需求分析", "owner": "north_a"}
    if amount is not None:
        raw["amount"] = amount
    return records.create_record(
        db,
        form=records.load_form(db, app_key="crm", form_key="opportunity"),
        raw=raw,
        actor=rep,
        now=NOW,
    )


def quotes_of(db: Session, deal: Record) -> list[Record]:
    rows = db.scalars(select(Record).where(Record.form_key == "quote").order_by(Record.id))
    return [row for row in rows if row.data.get("opportunity") == deal.id]


def approvals(db: Session, quote: Record) -> list[tuple[str, str]]:
    rows = db.execute(
        select(FlowInstance.flow_key, User.username)
        .join(Task, Task.instance_id == FlowInstance.id)
        .join(User, User.id == Task.assignee_id)
        .where(FlowInstance.record_id == quote.id, Task.status == "open")
    )
    return sorted((flow, name) for flow, name in rows)


def test_entering_quoting_drafts_a_quote_and_starts_its_approval(db: Session) -> None:
    # given
    deal = opportunity(db, "智能产线", "600000")
    run_automations(db)
    rep = org.load_user(db, username="north_a")
    # when
    records.update_record(
        db, record=deal, raw={"stage": "方案报价"}, expected_version=None, actor=rep, now=NOW
    )
    run_automations(db)
    # then: one draft, the amount as one line, linked to the deal and its account
    (quote,) = quotes_of(db, deal)
    assert quote.data["account"] == deal.data["account"]
    assert quote.data["owner"] == "north_a"
    (line,) = quote.data["items"]
    assert line["product"] == "智能产线 解决方案"
    assert Decimal(str(line["quantity"])) == 1
    assert Decimal(str(line["unit_price"])) == Decimal("600000")
    assert Decimal(str(quote.data["total"])) == Decimal("600000")
    # quote approval runs on it: 审批中, with the sales manager (no discount below 0.8)
    assert quote.data["status"] == "审批中"
    assert approvals(db, quote) == [("quote_approval", "qian")]
    notes = db.scalars(select(Task.id).where(Task.title.like("售前支持：智能产线%"))).all()
    assert notes == []  # the presales branch is for 需求分析 only


def test_a_deal_without_amount_drafts_nothing(db: Session) -> None:
    deal = opportunity(db, "待定项目", None)
    rep = org.load_user(db, username="north_a")
    records.update_record(
        db, record=deal, raw={"stage": "方案报价"}, expected_version=None, actor=rep, now=NOW
    )
    run_automations(db)
    assert quotes_of(db, deal) == []


def test_a_quote_a_person_creates_is_approved_once(client, rep_headers, session_factory) -> None:
    with session_factory() as db:
        deal = opportunity(db, "手工报价", "90000")
        db.commit()
        deal_id = deal.id
    quote = {
        "opportunity": deal_id,
        "items": [{"product": "软件许可", "quantity": 3, "unit_price": "20000"}],
        "discount": 0.9,
    }
    created = client.post("/api/apps/crm/forms/quote/records", json=quote, headers=rep_headers)
    assert created.status_code == 201, created.text
    with session_factory() as db:
        run_automations(db)
        db.commit()
        row = db.get(Record, created.json()["id"])
        assert row is not None
        started = db.scalars(
            select(FlowInstance.flow_key).where(FlowInstance.record_id == row.id)
        ).all()
    assert sorted(started) == ["quote_approval"]  # the draft automation stays out of it
