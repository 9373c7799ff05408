"""A follow-up stamps its lead's last activity (update_fields with a relation `target`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from runtime.flows.models import FlowInstance, FlowTrace
from runtime.records.models import RecordEvent
from tests.conftest import NOW
from tests.runtime.automation.test_crm_sla import create, data, travel
from tests.runtime.automation.test_dispatch import automation, publish


def test_a_follow_up_stamps_its_leads_last_activity_and_keeps_the_lead_in_play(
    session_factory: sessionmaker[Session],
) -> None:
    lead = create(
        session_factory,
        "lead",
        {"name": "跟进测试", "company": "跟进公司", "phone": "13912340000", "city": "深圳"},
    )
    travel(session_factory, timedelta(0))
    assert data(session_factory, lead).get("last_activity_at") is None
    create(
        session_factory,
        "followup",
        {"lead": lead, "type": "电话", "content": "聊了需求"},
        actor="south_a",
    )
    travel(session_factory, timedelta(hours=5))
    stamped = data(session_factory, lead)["last_activity_at"]
    assert datetime.fromisoformat(stamped) == NOW + timedelta(hours=5)
    with session_factory() as db:
        audit = db.scalars(
            select(RecordEvent)
            .where(RecordEvent.record_id == lead, RecordEvent.kind == "updated")
            .order_by(RecordEvent.id)
        ).all()
    # Routing and scoring wrote first; the follow-up's stamp is the latest change, by a flow.
    assert (audit[-1].via, [c["field"] for c in audit[-1].changes]) == (
        "flow",
        ["last_activity_at"],
    )


def test_a_follow_up_without_a_lead_touches_nothing(
    session_factory: sessionmaker[Session],
) -> None:
    lead = create(
        session_factory,
        "lead",
        {"name": "无关线索", "company": "无关公司", "phone": "13912340001", "city": "深圳"},
    )
    travel(session_factory, timedelta(0))
    before = data(session_factory, lead)
    create(session_factory, "followup", {"type": "电话", "content": "没有关联线索"}, "south_a")
    travel(session_factory, timedelta(hours=1))
    assert data(session_factory, lead) == before


def test_a_target_that_is_not_a_relation_fails_the_step_with_the_reason(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory() as db:
        publish(
            db,
            automation(
                "stamp_city",
                {
                    "type": "record_created",
                    "condition": {"field": "city", "op": "eq", "value": "拉萨"},
                },
                {"action": "update_fields", "params": {"target": "city", "fields": {"tags": "x"}}},
            ),
        )
        db.commit()
    lead = create(
        session_factory,
        "lead",
        {"name": "目标", "company": "高原公司", "phone": "13912340002", "city": "拉萨"},
    )
    travel(session_factory, timedelta(0))
    with session_factory() as db:
        instance = db.scalars(
            select(FlowInstance).where(
                FlowInstance.flow_key == "stamp_city", FlowInstance.record_id == lead
            )
        ).one()
        assert instance.status == "failed"
        errors = [
            t.data
            for t in db.scalars(select(FlowTrace).where(FlowTrace.instance_id == instance.id))
            if "not a relation field" in str(t.data)
        ]
    assert errors, "the trace says why"
