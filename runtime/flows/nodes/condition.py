"""Condition node: exclusive choice; edges tried by `order`, first true wins, else default. Pure."""

from __future__ import annotations

from typing import ClassVar

from runtime.errors import ExpressionError
from runtime.flows.effects import TraceEntry
from runtime.flows.nodes.base import Context, NodeType, Outcome, node_types


@node_types.register
class ConditionNode(NodeType):
    key = "condition"
    label: ClassVar[dict[str, str]] = {"en": "Condition", "zh-CN": "条件分支"}
    icon = "branch"
    group = "logic"

    def enter(self, ctx: Context) -> Outcome:
        trace: list[TraceEntry] = []
        default: str | None = None
        for edge in ctx.graph.edges_from(ctx.node_id):
            edge_id = str(edge["id"])
            if edge.get("default"):
                default = default or edge_id
                continue
            condition = edge.get("condition")
            seen: dict[str, object] = {}
            if condition is None:  # an unconditional branch always holds
                result = True
            else:
                # The values it read, as they were: the run log shows them with the verdict.
                seen = {key: ctx.record.get(key) for key in ctx.graph.condition_fields(edge)}
                try:
                    result = ctx.graph.condition(edge)(ctx.record, ctx.now) is True
                except ExpressionError as error:
                    trace.append(
                        ctx.entry("error", edge=edge_id, code=error.code, message=error.message)
                    )
                    result = False
            if seen:
                trace.append(ctx.entry("condition", edge=edge_id, result=result, values=seen))
            else:
                trace.append(ctx.entry("condition", edge=edge_id, result=result))
            if result:
                return Outcome(edges=(edge_id,), trace=tuple(trace))
        if default is not None:
            trace.append(ctx.entry("condition", edge=default, result=True, default=True))
            return Outcome(edges=(default,), trace=tuple(trace))
        trace.append(
            ctx.entry("error", code="no_branch", message="no condition held and no default edge")
        )
        return Outcome(finish="failed", trace=tuple(trace))
