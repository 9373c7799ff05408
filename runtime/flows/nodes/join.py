"""Join node: waits for every branch of its split, then fires once (no multi-merge). Pure."""

from __future__ import annotations

from typing import Any, ClassVar

from runtime.flows.nodes.base import Context, NodeType, Outcome, node_types


@node_types.register
class JoinNode(NodeType):
    key = "join"
    label: ClassVar[dict[str, str]] = {"en": "Join", "zh-CN": "汇聚"}
    icon = "merge"
    group = "logic"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["split"],
        "additionalProperties": False,
        "properties": {"split": {"type": "string", "minLength": 1}},
    }
    example_config: ClassVar[dict[str, Any]] = {"split": "fork"}

    def enter(self, ctx: Context) -> Outcome:
        split = str(ctx.config.get("split", ""))
        branches: list[list[Any]] = ctx.token.get("branches") or []
        index = next((i for i in range(len(branches) - 1, -1, -1) if branches[i][0] == split), None)
        if index is None:
            # Not inside a branch of its split (e.g. reached through a condition): pass through.
            entry = ctx.entry("error", code="not_in_split", split=split, message="passed through")
            return Outcome(ports=("out",), trace=(entry,))
        _, split_attempt, edge = branches[index]
        activation = f"{split}:{split_attempt}"
        fired: list[str] = ctx.shared.setdefault("fired", [])
        arrivals: dict[str, list[str]] = ctx.shared.setdefault("arrivals", {})
        if activation in fired:
            # DESIGN §6 / decision 0005: a join fires once; later arrivals are dropped.
            entry = ctx.entry("left", ignored=True, reason="already_fired", branch=edge)
            return Outcome(trace=(entry,))
        arrived = arrivals.setdefault(activation, [])
        if edge in arrived:
            entry = ctx.entry("left", ignored=True, reason="branch_already_arrived", branch=edge)
            return Outcome(trace=(entry,))
        arrived.append(edge)
        expected = [str(item["id"]) for item in ctx.graph.edges_from(split)]
        if not set(expected) <= set(arrived):
            entry = ctx.entry("left", waiting=True, arrived=list(arrived), expected=expected)
            return Outcome(trace=(entry,))
        fired.append(activation)
        del arrivals[activation]
        ctx.token["branches"] = branches[:index]
        return Outcome(ports=("out",))
