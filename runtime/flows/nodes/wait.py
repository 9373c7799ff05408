"""Wait node: for a duration, until a record date (+ offset), or for a named signal. Pure.

A signal wait may have a `timeout`: the node leaves by `out` when the signal comes first, and
by `timeout` when the time runs out first (by `out` when no edge leaves by `timeout`: "wait
for the reply at most two days, then go on").
"""

from __future__ import annotations

from typing import Any, ClassVar

from runtime.flows.durations import moment_from
from runtime.flows.effects import ScheduleTimer
from runtime.flows.events import Event, Signal, Timer
from runtime.flows.nodes.base import DURATION_SCHEMA, Context, NodeType, Outcome, node_types


@node_types.register
class WaitNode(NodeType):
    key = "wait"
    label: ClassVar[dict[str, str]] = {"en": "Wait", "zh-CN": "等待"}
    icon = "hourglass"
    group = "automation"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "duration": DURATION_SCHEMA,
            "field": {"type": "string", "minLength": 1},
            "offset": DURATION_SCHEMA,
            "event": {"type": "string", "minLength": 1},
            "timeout": DURATION_SCHEMA,
        },
        "dependentRequired": {"timeout": ["event"]},
        "oneOf": [
            {
                "required": ["duration"],
                "not": {"anyOf": [{"required": ["field"]}, {"required": ["event"]}]},
            },
            {
                "required": ["field"],
                "not": {"anyOf": [{"required": ["duration"]}, {"required": ["event"]}]},
            },
            {
                "required": ["event"],
                "not": {
                    "anyOf": [
                        {"required": ["duration"]},
                        {"required": ["field"]},
                        {"required": ["offset"]},
                    ]
                },
            },
        ],
    }
    example_config: ClassVar[dict[str, Any]] = {"duration": "P1D"}

    def enter(self, ctx: Context) -> Outcome:
        config = ctx.config
        if "event" in config:
            data: dict[str, Any] = {"signal": str(config["event"])}
            if "timeout" not in config:
                return Outcome(wait=True, data=data)
            due_at, error = moment_from({"duration": config["timeout"]}, ctx.record, ctx.now)
            if due_at is None:
                entry = ctx.entry("error", code="no_wait_time", message=error)
                return Outcome(finish="failed", trace=(entry,))
            key = ctx.key("timeout")
            effect = ScheduleTimer(key, due_at, {"node": ctx.node_id, "timer": "timeout"})
            data["timers"] = [key]
            return Outcome(wait=True, data=data, effects=(effect,))
        due_at, error = moment_from(config, ctx.record, ctx.now)
        if due_at is None:
            entry = ctx.entry("error", code="no_wait_time", message=error)
            return Outcome(finish="failed", trace=(entry,))
        if due_at <= ctx.now:
            return Outcome(
                ports=("out",),
                trace=(ctx.entry("left", reason="already_due", due_at=due_at.isoformat()),),
            )
        key = ctx.key("wait")
        effect = ScheduleTimer(key, due_at, {"node": ctx.node_id, "timer": "wait"})
        return Outcome(wait=True, data={"timers": [key]}, effects=(effect,))

    def on_event(self, ctx: Context, event: Event) -> Outcome:
        if isinstance(event, Timer):
            ctx.data["timers"] = [key for key in ctx.data.get("timers", []) if key != event.key]
            if "event" in ctx.config:  # the signal did not come in time
                port = "timeout" if ctx.graph.has_port(ctx.node_id, "timeout") else "out"
                entry = ctx.entry("effect", timeout=str(ctx.config.get("timeout")), port=port)
                return Outcome(ports=(port,), trace=(entry,))
            return Outcome(ports=("out",))
        if isinstance(event, Signal):
            return Outcome(
                ports=("out",),
                trace=(ctx.entry("effect", signal=event.name, data=dict(event.data)),),
            )
        return super().on_event(ctx, event)
