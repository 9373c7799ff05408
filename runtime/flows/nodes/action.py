"""Action node: asks the shell to run an action once per key and waits for `action_done`. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from runtime.flows.effects import RunAction
from runtime.flows.events import ActionDone, Event
from runtime.flows.nodes.base import Context, NodeType, Outcome, node_types
from runtime.flows.state import copy_json

RESUMABLE = ("id", "attempt", "branches", "trail", "resume", "chosen")


@node_types.register
class ActionNode(NodeType):
    key = "action"
    label: ClassVar[dict[str, str]] = {"en": "Action", "zh-CN": "自动操作"}
    icon = "bolt"
    group = "automation"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["action"],
        "additionalProperties": False,
        "properties": {
            "action": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
            "params": {"type": "object"},
        },
    }
    example_config: ClassVar[dict[str, Any]] = {
        "action": "update_fields",
        "params": {"fields": {"status": "已批准"}},
    }

    def enter(self, ctx: Context) -> Outcome:
        key = ctx.key()
        action = str(ctx.config.get("action", ""))
        # Copies: effects and the record must not share objects with the (shared) definition.
        params = {
            name: copy_json(value) for name, value in (ctx.config.get("params") or {}).items()
        }
        effect = RunAction(key, ctx.node_id, action, params)
        return Outcome(wait=True, data={"action_key": key}, effects=(effect,))

    def retry(self, ctx: Context) -> Outcome:
        """The same action again under the same key (the token keeps its attempt)."""
        return self.enter(ctx)

    def on_event(self, ctx: Context, event: Event) -> Outcome:
        if not isinstance(event, ActionDone):
            return super().on_event(ctx, event)
        result = dict(event.result)
        if result.get("error"):
            # The token and the tokens that end with it: what an operator's retry restores.
            token = {name: copy_json(ctx.token.get(name)) for name in RESUMABLE}
            others = [
                {name: copy_json(other.get(name)) for name in (*RESUMABLE, "node", "data")}
                for other in ctx.state["tokens"]
                if other.get("id") != ctx.token.get("id")
            ]
            entry = ctx.entry(
                "error",
                code="action_failed",
                key=event.key,
                result=result,
                token=token,
                others=others,
            )
            return Outcome(finish="failed", trace=(entry,))
        fields = (ctx.config.get("params") or {}).get("fields")
        if ctx.config.get("action") == "update_fields" and isinstance(fields, Mapping):
            # Conditions further on read the new values even when the event carries no record.
            ctx.record.update({name: copy_json(value) for name, value in fields.items()})
        return Outcome(
            ports=("out",), trace=(ctx.entry("effect", action_done=event.key, result=result),)
        )
