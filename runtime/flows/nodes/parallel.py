"""Parallel node: splits the token, one per outgoing edge (each edge is a branch). Pure."""

from __future__ import annotations

from typing import ClassVar

from runtime.flows.nodes.base import Context, NodeType, Outcome, node_types


@node_types.register
class ParallelNode(NodeType):
    key = "parallel"
    label: ClassVar[dict[str, str]] = {"en": "Parallel split", "zh-CN": "并行分支"}
    icon = "split"
    group = "logic"

    def enter(self, ctx: Context) -> Outcome:
        edges = tuple(str(edge["id"]) for edge in ctx.graph.edges_from(ctx.node_id))
        if not edges:
            return Outcome(ports=("out",))  # the engine reports the dead end
        return Outcome(edges=edges, branch=True)
