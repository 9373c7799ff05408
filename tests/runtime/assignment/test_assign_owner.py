"""assign_owner in an automation: round robin over a persisted counter, the why in the trace."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from runtime.automation import service as dispatcher
from runtime.flows.models import FlowInstance, FlowTrace
from runtime.records import service as records
from runtime.records.models import Record
from tests.conftest import NOW
from tests.runtime.automation.test_dispatch import automation, lead, publish


def owners(db: Session, rows: list[Record]) -> list[Any]:
    for row in rows:
        db.refresh(row)
    return [row.data.get("owner") for row in rows]


def test_shanghai_leads_alternate_between_east_a_and_east_b(db: Session) -> None:
    # The shipped crm/lead_routing: 上海 → round robin over east_a and east_b.
    rows = [lead(db, city="上海", phone=f"1390000{i:04d}") for i in range(4)]
    dispatcher.dispatch(db, now=rows[0].created_at)
    assert owners(db, rows) == ["east_a", "east_b", "east_a", "east_b"]
    instance = db.scalars(
        select(FlowInstance).where(
            FlowInstance.record_id == rows[1].id, FlowInstance.flow_key == "lead_routing"
        )
    ).one()
    results = db.scalars(
        select(FlowTrace.data).where(
            FlowTrace.instance_id == instance.id,
            FlowTrace.node == "shanghai_turns",
            FlowTrace.kind == "effect",
        )
    ).all()
    why = next(r["result"]["why"] for r in results if "result" in r)
    assert why == {"policy": "round_robin", "turn": 2, "of": ["east_a", "east_b"]}


def test_load_balance_gives_the_record_to_whoever_owns_fewer(db: Session) -> None:
    balanced = automation(
        "account_balanced",
        {"type": "record_created", "condition": {"field": "city", "op": "eq", "value": "杭州"}},
        {
            "action": "assign_owner",
            "params": {"policy": "load_balance", "config": {"users": ["east_a", "east_b"]}},
        },
    )
    balanced["form"] = "account"
    publish(db, balanced)
    form = records.load_form(db, app_key="crm", form_key="account")
    earlier = [
        records.create_record(
            db, form=form, raw={"name": f"老客户{i}", "owner": "east_a"}, actor=None, now=NOW
        )
        for i in range(2)
    ]
    assert owners(db, earlier) == ["east_a", "east_a"]
    fresh = records.create_record(
        db, form=form, raw={"name": "新客户", "city": "杭州"}, actor=None, now=NOW
    )
    dispatcher.dispatch(db, now=NOW)
    assert owners(db, [fresh]) == ["east_b"]


def test_simulate_answers_who_gets_the_next_records_and_moves_nothing(
    client, admin_headers
) -> None:
    body = {
        "policy": "round_robin",
        "config": {"users": ["east_a", "east_b", "ghost"]},
        "form": "lead",
        "n": 3,
    }
    answer = client.post("/api/apps/crm/assignment/simulate", json=body, headers=admin_headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["candidates"] == ["east_a", "east_b"]  # nobody called ghost
    assert [n["user"] for n in answer.json()["next"]] == ["east_a", "east_b", "east_a"]
    again = client.post("/api/apps/crm/assignment/simulate", json=body, headers=admin_headers)
    assert again.json() == answer.json()
    bad = client.post(
        "/api/apps/crm/assignment/simulate", json={**body, "n": 0}, headers=admin_headers
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "n"
    unknown = client.post(
        "/api/apps/crm/assignment/simulate", json={**body, "policy": "dice"}, headers=admin_headers
    )
    assert unknown.status_code == 422
