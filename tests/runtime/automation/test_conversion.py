"""create_record: a lead that becomes SQL turns into an opportunity that keeps the link."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from runtime.automation import service as dispatcher
from runtime.org import service as org
from runtime.records import service as records
from runtime.records.models import Record
from tests.conftest import NOW
from tests.runtime.automation.test_dispatch import lead


def run_automations(db: Session) -> None:
    while dispatcher.dispatch(db, now=NOW):
        pass


def test_an_sql_lead_becomes_a_linked_opportunity(db: Session) -> None:
    source = lead(db, city="北京", company="长安汽配")
    run_automations(db)  # routing gives it to wang
    rep = org.load_user(db, username="wang")
    records.update_record(
        db, record=source, raw={"status": "SQL"}, expected_version=None, actor=rep, now=NOW
    )
    run_automations(db)
    deals = list(
        db.scalars(
            select(Record).where(Record.form_key == "opportunity", Record.deleted_at.is_(None))
        )
    )
    mine = [d for d in deals if d.data.get("lead") == source.id]
    assert len(mine) == 1
    deal = mine[0]
    assert (deal.data["name"], deal.data["owner"], deal.data["stage"]) == (
        "长安汽配",
        "wang",
        "初步沟通",
    )
    db.refresh(source)
    assert source.data["status"] == "已转化"
    timeline = records.timeline(db, record=deal)
    assert timeline[-1]["via"] == "flow"  # the opportunity's history says a flow created it
