"""End node: finishes the instance with its outcome, cancelling every other token. Pure."""

from __future__ import annotations

from typing import Any, ClassVar

from runtime.flows.nodes.base import Context, NodeType, Outcome, node_types

END_OUTCOMES = ("approved", "rejected", "completed")


@node_types.register
class EndNode(NodeType):
    key = "end"
    label: ClassVar[dict[str, str]] = {"en": "End", "zh-CN": "结束"}
    icon = "stop"
    group = "basic"
    ports = ()
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {"outcome": {"enum": list(END_OUTCOMES), "default": "completed"}},
    }
    example_config: ClassVar[dict[str, Any]] = {"outcome": "approved"}

    def enter(self, ctx: Context) -> Outcome:
        outcome = ctx.config.get("outcome", "completed")
        return Outcome(finish=outcome if outcome in END_OUTCOMES else "completed")
