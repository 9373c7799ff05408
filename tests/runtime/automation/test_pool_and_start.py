"""return_to_pool empties the owner; start_flow starts another flow on the record."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from runtime.automation import service as dispatcher
from runtime.flows.models import FlowInstance
from runtime.org import service as org
from runtime.records import service as records
from tests.conftest import NOW
from tests.runtime.automation.test_dispatch import automation, lead, publish


def run_automations(db: Session) -> None:
    while dispatcher.dispatch(db, now=NOW):
        pass


def test_an_invalid_lead_goes_back_to_the_pool_and_a_follow_up_flow_starts(db: Session) -> None:
    follow_up = automation(
        "pool_follow_up",
        {"type": "record_updated", "fields": ["owner"]},
        {"action": "update_fields", "params": {"fields": {"remark": "已回公海"}}},
    )
    del follow_up["trigger"]  # started by start_flow only
    released = automation(
        "release_invalid",
        {
            "type": "record_updated",
            "fields": ["status"],
            "condition": {"field": "status", "op": "eq", "value": "无效"},
        },
        {"action": "return_to_pool", "params": {"status": "培育中"}},
        {"action": "start_flow", "params": {"flow": "pool_follow_up"}},
    )
    publish(db, follow_up, released)
    record = lead(db, city="北京", phone="13944440000")
    run_automations(db)  # routing: owner wang
    db.refresh(record)
    assert record.data["owner"] == "wang"
    wang = org.load_user(db, username="wang")
    records.update_record(
        db, record=record, raw={"status": "无效"}, expected_version=None, actor=wang, now=NOW
    )
    run_automations(db)
    db.refresh(record)
    assert record.data["owner"] is None
    assert record.data["status"] == "培育中"
    assert record.data["remark"] == "已回公海"
    keys = {
        i.flow_key: i.status
        for i in db.scalars(select(FlowInstance).where(FlowInstance.record_id == record.id))
    }
    assert keys["release_invalid"] == "completed"
    assert keys["pool_follow_up"] == "completed"
