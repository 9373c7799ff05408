"""Skill match: the record's needs weigh each candidate's skills; ties go by load or in turn."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from runtime.assignment.policies import Inputs, choose_many, policies
from runtime.automation import service as dispatcher
from runtime.flows.models import FlowInstance, FlowTrace
from runtime.records import service as records
from tests.conftest import NOW
from tests.runtime.automation.test_dispatch import automation, publish

SKILL_MATCH = policies.load("skill_match")

# 制造业 needs weigh 3, a company over 500 people needs 大客户 at weight 2.
CONFIG: dict[str, Any] = {
    "users": {
        "north_a": {"制造业": 3, "金融": 1},
        "north_b": {"制造业": 1, "大客户": 4},
        "east_a": {"金融": 5},
    },
    "needs": [
        {"field": "industry", "weight": 3},
        {
            "skill": "大客户",
            "weight": 2,
            "condition": {"field": "company_size", "op": "gt", "value": 500},
        },
    ],
}
EVERYONE = ("east_a", "north_a", "north_b")  # username order: JSONB keeps no key order


def test_the_best_weighted_match_wins_and_the_reason_lists_the_scores() -> None:
    small_factory = SKILL_MATCH.choose(CONFIG, Inputs(EVERYONE, {"industry": "制造业"}))
    assert small_factory.user == "north_a"  # 3 × 3 = 9 against 3 × 1 = 3
    assert small_factory.why == {
        "policy": "skill_match",
        "needs": {"制造业": 3},
        "scores": {"north_a": 9, "north_b": 3, "east_a": 0},
    }
    big_factory = SKILL_MATCH.choose(
        CONFIG, Inputs(EVERYONE, {"industry": "制造业", "company_size": 800})
    )
    assert big_factory.user == "north_b"  # 3 × 1 + 2 × 4 = 11 against 9
    assert big_factory.why["needs"] == {"制造业": 3, "大客户": 2}
    assert big_factory.why["scores"] == {"north_a": 9, "north_b": 11, "east_a": 0}
    bank = SKILL_MATCH.choose(CONFIG, Inputs(EVERYONE, {"industry": "金融"}))
    assert bank.user == "east_a"


def test_a_tie_goes_to_the_fewest_open_items_then_the_configured_order() -> None:
    # Nobody has 教育: everyone scores 0 and the load decides.
    school = {"industry": "教育"}
    busy = Inputs(EVERYONE, school, loads={"north_a": 4, "north_b": 1, "east_a": 1})
    choice = SKILL_MATCH.choose(CONFIG, busy)
    assert choice.user == "east_a"  # east_a and north_b have 1 each: the first by name
    assert choice.why["tied"] == ["east_a", "north_a", "north_b"]
    assert choice.why["tie_break"] == {"loads": {"north_a": 4, "north_b": 1, "east_a": 1}}
    # Simulating three more: each pick counts for the next.
    picks = [c.user for c in choose_many(SKILL_MATCH, CONFIG, busy, 3)]
    assert picks == ["east_a", "north_b", "east_a"]


def test_a_tie_may_go_round_robin_among_the_tied() -> None:
    config = {**CONFIG, "tie_break": "round_robin"}
    assert SKILL_MATCH.uses_turn(config)
    assert not SKILL_MATCH.uses_loads(config)
    assert SKILL_MATCH.uses_loads(CONFIG)
    assert not SKILL_MATCH.uses_turn(CONFIG)
    picks = choose_many(SKILL_MATCH, config, Inputs(EVERYONE, {"industry": "教育"}, turn=1), 4)
    assert [c.user for c in picks] == ["east_a", "north_a", "north_b", "east_a"]
    assert picks[1].why["tie_break"] == {"round_robin": 2}
    # A clear winner is not a tie: no turn is used.
    factory = SKILL_MATCH.choose(config, Inputs(EVERYONE, {"industry": "制造业"}, turn=2))
    assert factory.user == "north_a"
    assert "tie_break" not in factory.why


def test_only_available_candidates_compete() -> None:
    # north_a is away (the shell leaves them out): the next best gets the factory.
    choice = SKILL_MATCH.choose(CONFIG, Inputs(("north_b", "east_a"), {"industry": "制造业"}))
    assert choice.user == "north_b"
    assert SKILL_MATCH.choose(CONFIG, Inputs((), {"industry": "制造业"})).user is None
    assert SKILL_MATCH.candidates(CONFIG) == EVERYONE


def test_config_problems_point_into_the_config() -> None:
    assert SKILL_MATCH.problems(CONFIG) == []
    bad = {
        "users": {"north_a": {"制造业": "high"}},
        "needs": [{"skill": "制造业", "weight": 0}],
    }
    found = {(p.code, p.pointer) for p in SKILL_MATCH.problems(bad)}
    assert found == {
        ("invalid_assignment_config", "/users/north_a/制造业"),
        ("invalid_assignment_config", "/needs/0/weight"),
    }
    unknown = {
        "users": {"north_a": {"制造业": 3}},
        "needs": [
            {"skill": "医疗", "weight": 1},
            {"skill": "制造业", "weight": 1, "condition": {"field": "x", "op": "nope"}},
        ],
    }
    found = {(p.code, p.pointer) for p in SKILL_MATCH.problems(unknown)}
    assert ("unknown_skill", "/needs/0/skill") in found
    assert any(code == "invalid_condition" for code, _ in found)
    assert [p.code for p in SKILL_MATCH.problems({"users": {}})] != []


def test_an_automation_assigns_by_skill_and_the_trace_keeps_why(db: Session) -> None:
    matched = automation(
        "account_by_skill",
        {"type": "record_created", "condition": {"field": "city", "op": "eq", "value": "天津"}},
        {"action": "assign_owner", "params": {"policy": "skill_match", "config": CONFIG}},
    )
    matched["form"] = "account"
    publish(db, matched)
    form = records.load_form(db, app_key="crm", form_key="account")
    earlier = records.create_record(
        db, form=form, raw={"name": "老客户", "owner": "east_a"}, actor=None, now=NOW
    )
    factory = records.create_record(
        db,
        form=form,
        raw={"name": "天津重工", "city": "天津", "industry": "制造业", "employees": 900},
        actor=None,
        now=NOW,
    )
    school = records.create_record(
        db,
        form=form,
        raw={"name": "天津一中", "city": "天津", "industry": "教育"},
        actor=None,
        now=NOW,
    )
    dispatcher.dispatch(db, now=NOW)
    for row in (earlier, factory, school):
        db.refresh(row)
    # The account form has no company_size: only 制造业 counts, north_a is the best match.
    assert factory.data["owner"] == "north_a"
    # 教育: a tie at 0; north_a and east_a own one account each now, north_b none.
    assert school.data["owner"] == "north_b"
    instance = db.scalars(
        select(FlowInstance).where(
            FlowInstance.record_id == school.id, FlowInstance.flow_key == "account_by_skill"
        )
    ).one()
    results = db.scalars(
        select(FlowTrace.data).where(
            FlowTrace.instance_id == instance.id, FlowTrace.kind == "effect"
        )
    ).all()
    why = next(r["result"]["why"] for r in results if "result" in r)
    assert why["scores"] == {"north_a": 0, "north_b": 0, "east_a": 0}
    assert why["tie_break"] == {"loads": {"north_a": 1, "north_b": 0, "east_a": 1}}


def test_a_bad_config_fails_the_action_and_assigns_nobody(db: Session) -> None:
    broken = automation(
        "account_bad_skill",
        {"type": "record_created"},
        {
            "action": "assign_owner",
            "params": {"policy": "skill_match", "config": {"users": {"north_a": {}}}},
        },
    )
    broken["form"] = "account"
    publish(db, broken)
    form = records.load_form(db, app_key="crm", form_key="account")
    row = records.create_record(db, form=form, raw={"name": "无名客户"}, actor=None, now=NOW)
    dispatcher.dispatch(db, now=NOW)
    db.refresh(row)
    assert row.data.get("owner") is None
    instance = db.scalars(
        select(FlowInstance).where(
            FlowInstance.record_id == row.id, FlowInstance.flow_key == "account_bad_skill"
        )
    ).one()
    assert instance.status == "failed"


def test_simulate_answers_the_next_records_by_skill(client, admin_headers) -> None:
    body = {
        "policy": "skill_match",
        "config": CONFIG,
        "form": "lead",
        "record": {"industry": "教育"},
        "n": 4,
    }
    url = "/api/apps/crm/assignment/simulate"
    answer = client.post(url, json=body, headers=admin_headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["candidates"] == list(EVERYONE)
    following = answer.json()["next"]
    # All tie at 0; the simulated loads even out, so each gets one in order.
    assert [n["user"] for n in following] == ["east_a", "north_a", "north_b", "east_a"]
    assert following[0]["why"]["scores"] == {"north_a": 0, "north_b": 0, "east_a": 0}
    factory = client.post(
        url,
        json={**body, "record": {"industry": "制造业", "company_size": 800}, "n": 2},
        headers=admin_headers,
    )
    assert [n["user"] for n in factory.json()["next"]] == ["north_b", "north_b"]
    bad = client.post(
        url,
        json={**body, "config": {"users": {"north_a": {}}, "needs": [{"skill": "x"}]}},
        headers=admin_headers,
    )
    assert bad.status_code == 422
    fields = {e["field"] for e in bad.json()["errors"]}
    assert "config/needs/0" in fields
