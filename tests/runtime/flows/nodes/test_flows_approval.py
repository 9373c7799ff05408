"""Approval node: every mode, every outcome, approvers, deadlines, permissions."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from runtime.errors import Conflict, InvalidInput, PermissionDenied
from runtime.flows import field_permissions, open_timers, step
from runtime.flows.effects import CancelTask, CreateTask, Notify
from tests.runtime.flows.flows_kit import (
    NOW,
    Instance,
    approval_flow,
    edge,
    effects_json,
    flow,
    kinds,
    node,
    users,
)


def started(
    submitter: str = "north_a", record: dict[str, Any] | None = None, **config: Any
) -> Instance:
    instance = Instance(approval_flow(**config))
    instance.start(record or {"total": 1}, submitter=submitter)
    return instance


# -- modes ----------------------------------------------------------------------------------


def test_single_asks_only_the_first_resolved_approver() -> None:
    instance = started(approvers=users("zhao", "qian"))
    assert instance.tasks() == {"zhao": "check:1:zhao"}
    out = instance.act("zhao")
    assert instance.status == "approved"
    assert kinds(out) == ["finish"]


def test_single_reject_leaves_by_the_rejected_port() -> None:
    instance = started()
    instance.act("zhao", "reject", comment="too cheap")
    assert instance.status == "rejected"
    votes = [t.data for t in instance.steps[-1].trace if t.kind == "vote"]
    assert votes[0]["comment"] == "too cheap"


def test_reject_without_rejected_port_finishes_rejected() -> None:
    definition = flow(
        [
            node("start", "start"),
            node("check", "approval", approvers=users("zhao")),
            node("done", "end"),
        ],
        [edge("start", "check"), edge("check", "done", "approved")],
    )
    instance = Instance(definition)
    instance.start()
    out = instance.act("zhao", "reject")
    assert instance.status == "rejected"
    assert effects_json(out, "finish") == [{"effect": "finish", "outcome": "rejected"}]


def test_any_first_approval_wins_and_cancels_the_others() -> None:
    instance = started(mode="any", approvers=users("zhao", "qian", "wang"))
    assert set(instance.tasks()) == {"zhao", "qian", "wang"}
    out = instance.act("qian")
    assert instance.status == "approved"
    assert [e.key for e in out.effects if isinstance(e, CancelTask)] == [
        "check:1:zhao",
        "check:1:wang",
    ]


def test_any_first_rejection_rejects() -> None:
    instance = started(mode="any", approvers=users("zhao", "qian"))
    out = instance.act("zhao", "reject")
    assert instance.status == "rejected"
    assert [e.key for e in out.effects if isinstance(e, CancelTask)] == ["check:1:qian"]


def test_all_needs_every_approval() -> None:
    instance = started(mode="all", approvers=users("zhao", "qian"))
    instance.act("zhao")
    assert instance.status == "running"
    assert instance.tasks() == {"qian": "check:1:qian"}
    instance.act("qian")
    assert instance.status == "approved"


def test_all_any_rejection_rejects() -> None:
    instance = started(mode="all", approvers=users("zhao", "qian", "wang"))
    instance.act("zhao")
    out = instance.act("wang", "reject")
    assert instance.status == "rejected"
    assert [e.key for e in out.effects if isinstance(e, CancelTask)] == ["check:1:qian"]


def test_ratio_approves_when_the_share_is_reached() -> None:
    instance = started(mode="ratio", ratio=0.5, approvers=users("zhao", "qian", "wang", "li"))
    instance.act("zhao")
    assert instance.status == "running"
    instance.act("li")
    assert instance.status == "approved"


def test_ratio_rejects_once_the_share_cannot_be_reached() -> None:
    instance = started(mode="ratio", ratio=0.5, approvers=users("zhao", "qian", "wang", "li"))
    instance.act("zhao", "reject")
    instance.act("qian", "reject")
    assert instance.status == "running"  # 2 of 4 may still approve
    instance.act("wang", "reject")
    assert instance.status == "rejected"


def test_sequential_asks_one_at_a_time_in_order() -> None:
    instance = started(mode="sequential", approvers=users("qian", "zhao", "admin"))
    assert instance.tasks() == {"qian": "check:1:qian"}
    out = instance.act("qian")
    assert [e for e in out.effects if isinstance(e, CreateTask)] == [
        CreateTask("check:1:zhao", "check", "zhao")
    ]
    instance.act("zhao")
    assert instance.tasks() == {"admin": "check:1:admin"}
    instance.act("admin")
    assert instance.status == "approved"


def test_sequential_rejection_stops_the_chain() -> None:
    instance = started(mode="sequential", approvers=users("qian", "zhao"))
    instance.act("qian", "reject")
    assert instance.status == "rejected"


# -- who may act ----------------------------------------------------------------------------


def test_only_the_assignee_may_vote() -> None:
    instance = started()
    with pytest.raises(PermissionDenied):
        instance.send(
            {"type": "task_completed", "task": "check:1:zhao", "by": "qian", "outcome": "approve"}
        )


def test_a_second_vote_on_a_closed_task_conflicts_and_changes_nothing() -> None:
    instance = started(mode="all", approvers=users("zhao", "qian"))
    instance.act("zhao")
    before = json.dumps(instance.state, sort_keys=True)
    with pytest.raises(Conflict):
        instance.send(
            {"type": "task_completed", "task": "check:1:zhao", "by": "zhao", "outcome": "approve"}
        )
    assert json.dumps(instance.state, sort_keys=True) == before


def test_unknown_task_conflicts() -> None:
    instance = started()
    with pytest.raises(Conflict):
        instance.send(
            {"type": "task_completed", "task": "nope:1:zhao", "by": "zhao", "outcome": "approve"}
        )


# -- returns --------------------------------------------------------------------------------


def two_step(**second: Any) -> dict[str, Any]:
    second.setdefault("approvers", users("zhao"))
    return flow(
        [
            node("start", "start"),
            node("first", "approval", approvers=users("qian")),
            node("note", "cc", recipients=users("finance")),
            node("second", "approval", **second),
            node("done", "end", outcome="approved"),
        ],
        [
            edge("start", "first"),
            edge("first", "note", "approved"),
            edge("note", "second"),
            edge("second", "done", "approved"),
        ],
    )


def test_return_to_previous_replays_the_path() -> None:
    instance = Instance(two_step())
    instance.start()
    instance.act("qian")
    instance.act("zhao", "return")
    assert instance.tasks() == {"qian": "first:2:qian"}
    out = instance.act("qian")
    assert "note" in {t.node for t in out.trace}  # replay walks through the cc again
    assert instance.tasks() == {"zhao": "second:2:zhao"}
    instance.act("zhao")
    assert instance.status == "approved"


def test_return_to_a_node_with_direct_resume_jumps_back() -> None:
    instance = Instance(two_step(return_to="first", resume="direct"))
    instance.start()
    instance.act("qian")
    instance.act("zhao", "return")
    out = instance.act("qian")
    assert "note" not in {t.node for t in out.trace}
    assert instance.tasks() == {"zhao": "second:2:zhao"}


def test_return_to_a_chosen_node_in_the_event() -> None:
    instance = Instance(two_step())
    instance.start()
    instance.act("qian")
    instance.act("zhao", "return", to_node="start")
    assert instance.tasks() == {"qian": "first:2:qian"}
    with pytest.raises(InvalidInput):
        instance.act("qian", "return", to_node="nowhere")


def test_return_to_submitter_waits_for_resubmit_then_replays() -> None:
    instance = Instance(two_step(return_to="submitter"))
    instance.start({"total": 1})
    instance.act("qian")
    out = instance.act("zhao", "return", comment="fix the total")
    assert instance.status == "returned"
    assert instance.tasks() == {}
    assert (
        Notify("second:1:returned", ("north_a",), "flow.returned", {"node": "second"})
        in out.effects
    )
    with pytest.raises(PermissionDenied):
        instance.send({"type": "resubmit", "by": "qian"})
    instance.send({"type": "resubmit", "by": "north_a", "record": {"total": 2}})
    assert instance.state["record"] == {"total": 2}
    assert instance.tasks() == {"qian": "first:2:qian"}


def test_return_to_submitter_with_direct_resume_goes_back_to_the_returning_node() -> None:
    instance = Instance(two_step(return_to="submitter", resume="direct"))
    instance.start()
    instance.act("qian")
    instance.act("zhao", "return")
    instance.send({"type": "resubmit", "by": "north_a"})
    assert instance.tasks() == {"zhao": "second:2:zhao"}


def test_return_from_the_first_approval_goes_to_the_submitter() -> None:
    instance = started()
    instance.act("zhao", "return")
    assert instance.status == "returned"
    with pytest.raises(Conflict):
        instance.send({"type": "timer", "key": "x"})


# -- transfer, add signer -------------------------------------------------------------------


def test_transfer_reassigns_the_task() -> None:
    instance = started()
    out = instance.send({"type": "transfer", "task": "check:1:zhao", "by": "zhao", "to": "qian"})
    assert out.effects == (CancelTask("check:1:zhao"), CreateTask("check:1:qian", "check", "qian"))
    with pytest.raises(Conflict):
        instance.send(
            {"type": "task_completed", "task": "check:1:zhao", "by": "zhao", "outcome": "approve"}
        )
    instance.act("qian")
    assert instance.status == "approved"


def test_transfer_back_gets_a_fresh_key() -> None:
    instance = started()
    instance.send({"type": "transfer", "task": "check:1:zhao", "by": "zhao", "to": "qian"})
    instance.send({"type": "transfer", "task": "check:1:qian", "by": "qian", "to": "zhao"})
    assert instance.tasks() == {"zhao": "check:1:zhao#2"}


def test_add_signer_before_asks_the_new_signer_first() -> None:
    instance = started()
    add = {
        "type": "add_signer",
        "task": "check:1:zhao",
        "by": "zhao",
        "users": ["legal"],
        "position": "before",
    }
    out = instance.send(add)
    assert out.effects == (
        CancelTask("check:1:zhao"),
        CreateTask("check:1:legal", "check", "legal"),
    )
    instance.act("legal")
    assert instance.tasks() == {"zhao": "check:1:zhao#2"}
    instance.act("zhao")
    assert instance.status == "approved"


def test_add_signer_after_adds_an_approval_after_the_current_one() -> None:
    instance = started()
    add = {
        "type": "add_signer",
        "task": "check:1:zhao",
        "by": "zhao",
        "users": ["finance"],
        "position": "after",
    }
    assert instance.send(add).effects == ()
    instance.act("zhao")
    assert instance.tasks() == {"finance": "check:1:finance"}
    instance.act("finance")
    assert instance.status == "approved"


def test_add_signer_needs_the_assignee() -> None:
    instance = started()
    add = {
        "type": "add_signer",
        "task": "check:1:zhao",
        "by": "qian",
        "users": ["legal"],
        "position": "after",
    }
    with pytest.raises(PermissionDenied):
        instance.send(add)


# -- withdraw, urge -------------------------------------------------------------------------


def test_withdraw_by_the_submitter_cancels_tasks_and_timers() -> None:
    instance = started(deadline={"after": "PT24H"})
    with pytest.raises(PermissionDenied):
        instance.send({"type": "withdraw", "by": "zhao"})
    out = instance.send({"type": "withdraw", "by": "north_a"})
    assert instance.status == "withdrawn"
    assert kinds(out) == ["cancel_task", "cancel_timer", "finish"]
    with pytest.raises(Conflict):
        instance.send({"type": "withdraw", "by": "north_a"})


def test_urge_notifies_open_assignees() -> None:
    instance = started(mode="all", approvers=users("zhao", "qian"))
    out = instance.send({"type": "urge", "by": "north_a"})
    assert effects_json(out) == [
        {
            "effect": "notify",
            "key": "urge:3",
            "to": ["zhao", "qian"],
            "template": "flow.urge",
            "data": {"by": "north_a", "tasks": ["check:1:zhao", "check:1:qian"]},
        }
    ]
    with pytest.raises(PermissionDenied):
        instance.send({"type": "urge", "by": "zhao"})


# -- deadlines and reminders ----------------------------------------------------------------


def test_deadline_and_reminders_are_scheduled_on_entry() -> None:
    instance = Instance(
        approval_flow(deadline={"after": "PT24H"}, remind={"every": "PT4H", "times": 2})
    )
    out = instance.start()
    timers = effects_json(out, "schedule_timer")
    assert [(t["key"], t["due_at"]) for t in timers] == [
        ("check:1:deadline", (NOW + timedelta(hours=24)).isoformat()),
        ("check:1:remind:1", (NOW + timedelta(hours=4)).isoformat()),
    ]
    assert effects_json(out, "create_task")[0]["due_at"] == (NOW + timedelta(hours=24)).isoformat()
    out = instance.send({"type": "timer", "key": "check:1:remind:1"}, later=timedelta(hours=4))
    assert kinds(out) == ["notify", "schedule_timer"]
    out = instance.send({"type": "timer", "key": "check:1:remind:2"}, later=timedelta(hours=4))
    assert kinds(out) == ["notify"]  # times: 2
    assert open_timers(instance.state) == ["check:1:deadline"]


def test_deadline_from_a_record_date_with_offset() -> None:
    instance = Instance(approval_flow(deadline={"field": "close_date", "offset": "-P1D"}))
    out = instance.start({"close_date": "2026-12-01"})
    assert effects_json(out, "schedule_timer")[0]["due_at"] == "2026-11-30T00:00:00+00:00"


@pytest.mark.parametrize(
    ("on_timeout", "status"),
    [("auto_approve", "approved"), ("auto_reject", "rejected"), ("abort", "failed")],
)
def test_on_timeout_completes_the_node(on_timeout: str, status: str) -> None:
    instance = started(deadline={"after": "PT1H"}, on_timeout=on_timeout)
    out = instance.send({"type": "timer", "key": "check:1:deadline"}, later=timedelta(hours=1))
    assert instance.status == status
    assert CancelTask("check:1:zhao") in out.effects


def test_on_timeout_escalate_moves_the_task_to_the_manager() -> None:
    instance = started(deadline={"after": "PT1H"}, on_timeout="escalate", approvers=users("qian"))
    out = instance.send({"type": "timer", "key": "check:1:deadline"}, later=timedelta(hours=1))
    assert [e for e in out.effects if isinstance(e, CancelTask | CreateTask)] == [
        CancelTask("check:1:qian"),
        CreateTask("check:1:zhao", "check", "zhao", due_at=NOW + timedelta(hours=1)),
    ]
    instance.act("zhao")
    assert instance.status == "approved"


# -- approver resolution and the empty policy ------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"type": "role", "role": "presales"}, ["presales1", "presales2"]),
        ({"type": "department_head"}, ["wang"]),
        ({"type": "department_head", "levels": 2}, ["zhao"]),
        ({"type": "department_head", "to_top": True}, ["wang", "zhao", "admin"]),
        ({"type": "field", "field": "owner"}, ["east_a"]),
        ({"type": "submitter"}, ["north_a"]),
    ],
)
def test_approver_specs_resolve(spec: dict[str, Any], expected: list[str]) -> None:
    instance = started(mode="all", approvers=[spec], record={"owner": "east_a"})
    assert list(instance.tasks()) == expected
    traced = [t.data for t in instance.steps[0].trace if t.kind == "approver"]
    assert traced == [{"spec": spec, "users": expected}]


def test_chosen_by_previous_reads_the_previous_approvers_choice() -> None:
    definition = two_step(approvers=[{"type": "chosen_by_previous"}])
    instance = Instance(definition)
    instance.start()
    instance.act("qian", data={"approvers": ["legal"]})
    assert instance.tasks() == {"legal": "second:1:legal"}


@pytest.mark.parametrize(
    ("empty", "status", "assignees"),
    [
        ("auto_approve", "approved", {}),
        ("to_admin", "running", {"admin": "check:1:admin"}),
        ("fail", "failed", {}),
    ],
)
def test_empty_approver_policy(empty: str, status: str, assignees: dict[str, str]) -> None:
    instance = started(approvers=[{"type": "role", "role": "empty_role"}], empty=empty)
    assert instance.status == status
    assert instance.tasks() == assignees
    traced = [t.data for t in instance.steps[0].trace if t.kind == "approver"]
    assert traced[-1]["empty"] == empty


# -- field permissions ----------------------------------------------------------------------


def test_field_permissions_apply_to_open_assignees_only() -> None:
    perms = {"total": "read_only", "discount": "editable", "cost": "hidden"}
    instance = started(field_permissions=perms)
    assert field_permissions(instance.flow, instance.state, "zhao") == perms
    assert field_permissions(instance.flow, instance.state, "qian") == {}


def test_step_does_not_change_its_arguments() -> None:
    instance = started()
    before = json.dumps(instance.state, sort_keys=True)
    event = {"type": "task_completed", "task": "check:1:zhao", "by": "zhao", "outcome": "approve"}
    step(instance.flow, instance.state, event, NOW, directory=instance.directory)
    assert json.dumps(instance.state, sort_keys=True) == before
