"""The engine: events, state, tokens, waits, actions, subflows, budgets, durations."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

import pytest

from runtime.errors import Conflict, InvalidDefinition, InvalidInput
from runtime.flows import MAX_ENTRIES, dumps_state, loads_state, new_state, start, step
from runtime.flows.durations import parse_duration
from runtime.flows.effects import (
    EFFECT_TYPES,
    CancelTimer,
    CreateTask,
    Finish,
    RunAction,
    ScheduleTimer,
    StartSubflow,
)
from runtime.flows.events import parse_event
from runtime.flows.nodes import node_types
from tests.runtime.flows.flows_kit import (
    NOW,
    QUOTE_FLOW,
    SAMPLE_DIRECTORY,
    Instance,
    edge,
    flow,
    kinds,
    node,
    users,
)
from tests.runtime.flows.test_flows_patterns import entered


def linear(*middle: dict[str, Any]) -> dict[str, Any]:
    ids = ["start", *(item["id"] for item in middle), "end"]
    nodes = [node("start", "start"), *middle, node("end", "end")]
    return flow(nodes, [edge(a, b) for a, b in itertools.pairwise(ids)])


def test_node_types_are_registered_with_labels_and_schemas() -> None:
    expected = {
        "start",
        "end",
        "approval",
        "cc",
        "condition",
        "parallel",
        "join",
        "action",
        "wait",
        "subflow",
    }
    assert set(node_types.keys()) == expected
    for entry in node_types:
        assert entry.label["en"]
        assert entry.label["zh-CN"]
        assert entry.icon
        assert entry.group
        assert entry.config_schema["type"] == "object"


def test_example_configs_validate() -> None:
    from jsonschema import Draft202012Validator

    for entry in node_types:
        Draft202012Validator.check_schema(entry.config_schema)
        Draft202012Validator(entry.config_schema).validate(entry.example_config)


@pytest.mark.parametrize(
    "event",
    [
        {"type": "nope"},
        {},
        {"type": "task_completed", "task": "a", "by": "b", "outcome": "maybe"},
        {"type": "add_signer", "task": "a", "by": "b", "users": [], "position": "before"},
        {"type": "timer"},
        {"type": "start", "submitter": "x", "record": []},
        {"type": "record_changed"},
    ],
)
def test_bad_events_are_invalid_input(event: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        parse_event(event)


def test_now_must_be_aware() -> None:
    with pytest.raises(InvalidInput):
        step(
            QUOTE_FLOW,
            new_state(),
            {"type": "start", "submitter": "x"},
            datetime(2026, 1, 1),
            directory=SAMPLE_DIRECTORY,
        )


def test_start_convenience_and_state_round_trip() -> None:
    out = start(
        QUOTE_FLOW,
        record={"total": 1, "discount": 1},
        submitter="north_a",
        now=NOW,
        directory=SAMPLE_DIRECTORY,
    )
    assert out.effects == (CreateTask("manager:1:qian", "manager", "qian"),)
    assert loads_state(dumps_state(out.state)) == out.state
    assert set(out.state) == {
        "format",
        "status",
        "record",
        "submitter",
        "tokens",
        "nodes",
        "returned",
        "seq",
    }


def test_loads_state_refuses_another_format() -> None:
    with pytest.raises(InvalidInput):
        loads_state('{"format": 2}')


def test_events_before_start_and_after_finish_conflict() -> None:
    instance = Instance(linear())
    with pytest.raises(Conflict):
        instance.send({"type": "withdraw", "by": "north_a"})
    out = instance.start()
    assert out.effects == (Finish("completed"),)
    for event in ({"type": "withdraw", "by": "north_a"}, {"type": "start", "submitter": "x"}):
        with pytest.raises(Conflict):
            instance.send(event)


def test_a_loop_without_wait_fails_on_the_step_budget() -> None:
    definition = flow(
        [
            node("start", "start"),
            node("a", "condition"),
            node("b", "condition"),
            node("end", "end"),
        ],
        [edge("start", "a"), edge("a", "b", default=True), edge("b", "a", default=True)],
    )
    instance = Instance(definition)
    out = instance.start()
    assert instance.status == "failed"
    assert out.trace[-2].kind == "error"
    assert out.trace[-2].data["code"] == "step_budget"
    assert sum(t.kind == "entered" for t in out.trace) == MAX_ENTRIES


def test_loops_through_an_approval_get_fresh_keys() -> None:
    definition = flow(
        [
            node("start", "start"),
            node("check", "approval", approvers=[{"type": "users", "users": ["zhao"]}]),
            node("again", "condition"),
            node("end", "end"),
        ],
        [
            edge("start", "check"),
            edge("check", "again", "approved"),
            edge("again", "end", order=1, condition={"field": "done", "op": "eq", "value": True}),
            edge("again", "check", default=True),
        ],
    )
    instance = Instance(definition)
    instance.start({"done": False})
    instance.act("zhao")
    assert instance.tasks() == {"zhao": "check:2:zhao"}
    instance.send({"type": "record_changed", "record": {"done": True}})
    instance.act("zhao")
    assert instance.status == "completed"


def test_no_branch_and_no_default_fails() -> None:
    definition = flow(
        [node("start", "start"), node("route", "condition"), node("end", "end")],
        [
            edge("start", "route"),
            edge("route", "end", condition={"field": "x", "op": "eq", "value": 1}),
        ],
    )
    instance = Instance(definition)
    instance.start({"x": 2})
    assert instance.status == "failed"


def test_action_waits_for_action_done_and_updates_the_record() -> None:
    instance = Instance(
        linear(node("set", "action", action="update_fields", params={"fields": {"status": "ok"}}))
    )
    out = instance.start({"status": "draft"})
    assert out.effects == (
        RunAction("set:1", "set", "update_fields", {"fields": {"status": "ok"}}),
    )
    with pytest.raises(Conflict):
        instance.send({"type": "action_done", "key": "set:9", "result": {}})
    instance.send({"type": "action_done", "key": "set:1", "result": {}})
    assert instance.state["record"] == {"status": "ok"}
    assert instance.status == "completed"


def test_action_error_fails_the_instance() -> None:
    instance = Instance(linear(node("set", "action", action="http_request", params={})))
    instance.start()
    instance.send({"type": "action_done", "key": "set:1", "result": {"error": "timeout"}})
    assert instance.status == "failed"


def test_wait_for_a_duration() -> None:
    instance = Instance(linear(node("pause", "wait", duration="P1D")))
    out = instance.start()
    assert out.effects == (
        ScheduleTimer("pause:1:wait", NOW + timedelta(days=1), {"node": "pause", "timer": "wait"}),
    )
    instance.send({"type": "timer", "key": "pause:1:wait"}, later=timedelta(days=1))
    assert instance.status == "completed"


def test_wait_until_a_record_date_and_past_dates_leave_at_once() -> None:
    later = Instance(linear(node("pause", "wait", field="due", offset="-P1D")))
    out = later.start({"due": "2026-12-10"})
    assert out.effects[0] == ScheduleTimer(
        "pause:1:wait",
        datetime.fromisoformat("2026-12-09T00:00:00+00:00"),
        {"node": "pause", "timer": "wait"},
    )
    past = Instance(linear(node("pause", "wait", field="due")))
    past.start({"due": "2020-01-01"})
    assert past.status == "completed"
    missing = Instance(linear(node("pause", "wait", field="due")))
    missing.start({})
    assert missing.status == "failed"


def test_wait_for_a_signal() -> None:
    instance = Instance(linear(node("pause", "wait", event="signed")))
    instance.start()
    with pytest.raises(Conflict):
        instance.send({"type": "signal", "name": "other"})
    instance.send({"type": "signal", "name": "signed", "data": {"by": "esign"}})
    assert instance.status == "completed"


def reply_flow(*, timeout_edge: bool) -> dict[str, Any]:
    """start → wait for `replied` at most two days → thanked (reply) / chased (timeout) → end."""
    nodes = [
        node("start", "start"),
        node("await", "wait", event="replied", timeout="P2D"),
        node("thanked", "cc", recipients=users("qian")),
        node("chased", "cc", recipients=users("zhao")),
        node("end", "end", outcome="completed"),
    ]
    edges = [edge("start", "await"), edge("await", "thanked"), edge("thanked", "end")]
    if timeout_edge:
        edges += [edge("await", "chased", "timeout"), edge("chased", "end")]
    return flow(nodes, edges)


def test_a_signal_wait_with_a_timeout_leaves_by_out_when_the_signal_comes_first() -> None:
    instance = Instance(reply_flow(timeout_edge=True))
    out = instance.start()
    timer = ScheduleTimer(
        "await:1:timeout", NOW + timedelta(days=2), {"node": "await", "timer": "timeout"}
    )
    assert out.effects == (timer,)
    out = instance.send({"type": "signal", "name": "replied"}, later=timedelta(hours=5))
    assert CancelTimer("await:1:timeout") in out.effects  # the time limit is called off
    assert "thanked" in entered(instance)
    assert "chased" not in entered(instance)
    assert instance.status == "completed"


def test_a_signal_wait_leaves_by_timeout_when_the_time_runs_out_first() -> None:
    instance = Instance(reply_flow(timeout_edge=True))
    instance.start()
    out = instance.send({"type": "timer", "key": "await:1:timeout"}, later=timedelta(days=2))
    assert "chased" in entered(instance)
    assert "thanked" not in entered(instance)
    assert {"timeout": "P2D", "port": "timeout"} in [t.data for t in out.trace]
    with pytest.raises(Conflict):  # the wait is over: a late reply is refused
        instance.send({"type": "signal", "name": "replied"})


def test_without_a_timeout_edge_the_wait_goes_on_by_out() -> None:
    instance = Instance(reply_flow(timeout_edge=False))
    instance.start()
    instance.send({"type": "timer", "key": "await:1:timeout"}, later=timedelta(days=2))
    assert "thanked" in entered(instance)
    assert instance.status == "completed"


def test_subflow_starts_and_waits() -> None:
    instance = Instance(linear(node("child", "subflow", flow="contract_approval")))
    out = instance.start()
    assert out.effects == (StartSubflow("child:1", "contract_approval"),)
    instance.send({"type": "subflow_finished", "key": "child:1", "outcome": "approved"})
    assert instance.status == "completed"


def test_cc_creates_read_only_tasks_and_moves_on() -> None:
    instance = Instance(
        linear(node("note", "cc", recipients=[{"type": "role", "role": "presales"}]))
    )
    out = instance.start()
    assert [e for e in out.effects if isinstance(e, CreateTask)] == [
        CreateTask("note:1:presales1", "note", "presales1", kind="cc"),
        CreateTask("note:1:presales2", "note", "presales2", kind="cc"),
    ]
    assert instance.status == "completed"


def test_unknown_node_type_is_an_invalid_definition() -> None:
    with pytest.raises(InvalidDefinition):
        Instance(linear(node("odd", "teleport"))).start()


def test_dead_end_fails() -> None:
    definition = flow(
        [node("start", "start"), node("note", "cc", recipients=[])], [edge("start", "note")]
    )
    instance = Instance(definition)
    out = instance.start()
    assert instance.status == "failed"
    assert [t.data["code"] for t in out.trace if t.kind == "error"] == ["dead_end", "no_token"]


def test_end_cancels_other_tokens() -> None:
    definition = flow(
        [
            node("start", "start"),
            node("fork", "parallel"),
            node("slow", "approval", approvers=[{"type": "users", "users": ["zhao"]}]),
            node("end", "end", outcome="completed"),
        ],
        [edge("start", "fork"), edge("fork", "slow"), edge("fork", "end")],
    )
    out = Instance(definition).start()
    assert kinds(out) == ["create_task", "cancel_task", "finish"]


def test_every_effect_serialises() -> None:
    for effect_type in EFFECT_TYPES:
        assert effect_type.effect


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("PT15M", timedelta(minutes=15)),
        ("P1D", timedelta(days=1)),
        ("-P1D", -timedelta(days=1)),
        ("P2W", timedelta(weeks=2)),
        ("P1DT2H30M5S", timedelta(days=1, hours=2, minutes=30, seconds=5)),
    ],
)
def test_durations(text: str, delta: timedelta) -> None:
    assert parse_duration(text) == delta


@pytest.mark.parametrize("text", ["P", "PT", "P1Y", "1D", "P1DT", "", "P1M"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)
