"""Workflow patterns (van der Aalst et al.) the engine supports, one test each."""

from __future__ import annotations

from datetime import timedelta

from runtime.flows.effects import CancelTask, CancelTimer, CreateTask, RunAction
from tests.runtime.flows.flows_kit import Instance, edge, flow, kinds, node, users


def entered(instance: Instance) -> list[str]:
    return [t.node for s in instance.steps for t in s.trace if t.kind == "entered" and t.node]


def test_sequence() -> None:
    definition = flow(
        [
            node("start", "start"),
            node("a", "approval", approvers=users("qian")),
            node("b", "approval", approvers=users("zhao")),
            node("end", "end", outcome="approved"),
        ],
        [edge("start", "a"), edge("a", "b", "approved"), edge("b", "end", "approved")],
    )
    instance = Instance(definition)
    instance.start()
    assert instance.tasks() == {"qian": "a:1:qian"}
    instance.act("qian")
    assert instance.tasks() == {"zhao": "b:1:zhao"}
    instance.act("zhao")
    assert entered(instance) == ["start", "a", "b", "end"]
    assert instance.status == "approved"


def split_and_join(*, join: bool = True) -> dict[str, object]:
    nodes = [
        node("start", "start"),
        node("fork", "parallel"),
        node("legal", "approval", approvers=users("legal")),
        node("finance", "approval", approvers=users("finance")),
        node("join", "join", split="fork"),
        node("end", "end", outcome="approved"),
    ]
    return flow(
        nodes,
        [
            edge("start", "fork"),
            edge("fork", "legal"),
            edge("fork", "finance"),
            edge("legal", "join", "approved"),
            edge("finance", "join", "approved"),
            edge("join", "end"),
        ],
    )


def test_parallel_split() -> None:
    instance = Instance(split_and_join())
    out = instance.start()
    assert [e for e in out.effects if isinstance(e, CreateTask)] == [
        CreateTask("legal:1:legal", "legal", "legal"),
        CreateTask("finance:1:finance", "finance", "finance"),
    ]
    assert len(instance.state["tokens"]) == 2


def test_synchronisation() -> None:
    instance = Instance(split_and_join())
    instance.start()
    out = instance.act("finance")
    assert instance.status == "running"
    waiting = [t.data for t in out.trace if t.node == "join" and t.kind == "left"]
    assert waiting == [
        {"waiting": True, "arrived": ["fork-finance"], "expected": ["fork-legal", "fork-finance"]}
    ]
    instance.act("legal")
    assert instance.status == "approved"


def choice_flow() -> dict[str, object]:
    return flow(
        [
            node("start", "start"),
            node("route", "condition"),
            node("big", "cc", recipients=users("zhao")),
            node("small", "cc", recipients=users("qian")),
            node("review", "approval", approvers=users("finance")),
            node("end", "end", outcome="approved"),
        ],
        [
            edge("start", "route"),
            edge("route", "big", order=1, condition={"field": "total", "op": "gt", "value": 100}),
            edge("route", "small", default=True),
            edge("big", "review"),
            edge("small", "review"),
            edge("review", "end", "approved"),
        ],
    )


def test_exclusive_choice() -> None:
    big, small = Instance(choice_flow()), Instance(choice_flow())
    big.start({"total": 101})
    small.start({"total": 100})
    assert "big" in entered(big)
    assert "small" not in entered(big)
    assert "small" in entered(small)
    assert "big" not in entered(small)
    conditions = [t.data for t in small.steps[0].trace if t.kind == "condition"]
    assert conditions == [
        {"edge": "route-big", "result": False, "values": {"total": 100}},  # what it read
        {"edge": "route-small", "result": True, "default": True},
    ]


def test_simple_merge() -> None:
    instance = Instance(choice_flow())
    instance.start({"total": 500})
    assert instance.tasks() == {"finance": "review:1:finance"}  # reached once, from one branch
    instance.act("finance")
    assert entered(instance).count("review") == 1
    assert instance.status == "approved"


def test_multi_merge_avoidance() -> None:
    # branch b forks again without a join of its own: two tokens reach `join` from branch b.
    definition = flow(
        [
            node("start", "start"),
            node("fork", "parallel"),
            node("a", "cc", recipients=users("finance")),
            node("b", "parallel"),
            node("join", "join", split="fork"),
            node("after", "action", action="update_fields", params={"fields": {"merged": True}}),
            node("end", "end"),
        ],
        [
            edge("start", "fork"),
            edge("fork", "a"),
            edge("fork", "b"),
            edge("a", "join"),
            {"id": "b1", "from": "b", "to": "join"},
            {"id": "b2", "from": "b", "to": "join"},
            edge("join", "after"),
            edge("after", "end"),
        ],
    )
    instance = Instance(definition)
    out = instance.start()
    assert [e for e in out.effects if isinstance(e, RunAction)] == [
        RunAction("after:1", "after", "update_fields", {"fields": {"merged": True}})
    ]
    ignored = [t.data for t in out.trace if t.node == "join" and t.data.get("ignored")]
    assert ignored == [{"ignored": True, "reason": "already_fired", "branch": "fork-b"}]
    assert instance.state["nodes"]["join"]["fired"] == ["fork:1"]
    instance.send({"type": "action_done", "key": "after:1", "result": {}})
    assert instance.status == "completed"


def test_deferred_choice_between_an_event_and_a_deadline() -> None:
    definition = flow(
        [
            node("start", "start"),
            node(
                "sign",
                "approval",
                approvers=users("legal"),
                deadline={"after": "P2D"},
                on_timeout="auto_reject",
            ),
            node("signed", "end", outcome="approved"),
            node("expired", "end", outcome="rejected"),
        ],
        [
            edge("start", "sign"),
            edge("sign", "signed", "approved"),
            edge("sign", "expired", "rejected"),
        ],
    )
    by_event, by_deadline = Instance(definition), Instance(definition)
    by_event.start()
    by_deadline.start()
    out = by_event.act("legal")
    assert CancelTimer("sign:1:deadline") in out.effects
    assert by_event.status == "approved"
    out = by_deadline.send({"type": "timer", "key": "sign:1:deadline"}, later=timedelta(days=2))
    assert CancelTask("sign:1:legal") in out.effects
    assert by_deadline.status == "rejected"


def test_cancellation_by_withdraw() -> None:
    instance = Instance(split_and_join())
    instance.start()
    out = instance.send({"type": "withdraw", "by": "north_a"})
    assert kinds(out) == ["cancel_task", "cancel_task", "finish"]
    assert instance.state["tokens"] == []
    assert instance.status == "withdrawn"


def test_multiple_instances_with_a_known_count_is_countersign() -> None:
    definition = flow(
        [
            node("start", "start"),
            node(
                "sign",
                "approval",
                mode="all",
                approvers=[{"type": "role", "role": "presales"}, *users("legal")],
            ),
            node("end", "end", outcome="approved"),
        ],
        [edge("start", "sign"), edge("sign", "end", "approved")],
    )
    instance = Instance(definition)
    instance.start()
    assert sorted(instance.tasks()) == ["legal", "presales1", "presales2"]
    instance.act("presales2")
    instance.act("legal")
    assert instance.status == "running"
    instance.act("presales1")
    assert instance.status == "approved"
