"""Subflow node: starts another flow and waits for it to finish. Pure."""

from __future__ import annotations

from typing import Any, ClassVar

from runtime.definitions.flow_schema import SUBFLOW_PORTS
from runtime.flows.effects import StartSubflow
from runtime.flows.events import Event, SubflowFinished
from runtime.flows.nodes.base import Context, NodeType, Outcome, node_types


@node_types.register
class SubflowNode(NodeType):
    key = "subflow"
    label: ClassVar[dict[str, str]] = {"en": "Subflow", "zh-CN": "子流程"}
    icon = "subflow"
    group = "automation"
    ports = SUBFLOW_PORTS
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["flow"],
        "additionalProperties": False,
        "properties": {"flow": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"}},
    }
    example_config: ClassVar[dict[str, Any]] = {"flow": "contract_approval"}

    def enter(self, ctx: Context) -> Outcome:
        key = ctx.key()
        effect = StartSubflow(key, str(ctx.config.get("flow", "")))
        return Outcome(wait=True, data={"subflow_key": key}, effects=(effect,))

    def on_event(self, ctx: Context, event: Event) -> Outcome:
        if not isinstance(event, SubflowFinished):
            return super().on_event(ctx, event)
        # Leave by a port named after the outcome when the definition has one, else by `out`.
        port = event.outcome if ctx.graph.has_port(ctx.node_id, event.outcome) else "out"
        entry = ctx.entry("effect", subflow_finished=event.key, outcome=event.outcome)
        return Outcome(ports=(port,), trace=(entry,))
