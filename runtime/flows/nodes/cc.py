"""Cc node: a read-only task for each recipient, then leave at once (no waiting). Pure."""

from __future__ import annotations

from typing import Any, ClassVar

from runtime.flows import approvers
from runtime.flows.effects import CreateTask, Effect, TraceEntry
from runtime.flows.nodes.approval import APPROVER_SPEC_SCHEMA
from runtime.flows.nodes.base import Context, NodeType, Outcome, node_types


@node_types.register
class CcNode(NodeType):
    key = "cc"
    label: ClassVar[dict[str, str]] = {"en": "Carbon copy", "zh-CN": "抄送"}
    icon = "cc"
    group = "people"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["recipients"],
        "additionalProperties": False,
        "properties": {"recipients": {"type": "array", "items": APPROVER_SPEC_SCHEMA}},
    }
    example_config: ClassVar[dict[str, Any]] = {"recipients": [{"type": "role", "role": "finance"}]}

    def enter(self, ctx: Context) -> Outcome:
        resolution = approvers.resolve(
            ctx.config.get("recipients") or [],
            record=ctx.record,
            submitter=ctx.submitter,
            directory=ctx.directory,
            chosen=ctx.token.get("chosen") or (),
        )
        trace: list[TraceEntry] = [
            ctx.entry("approver", spec=item["spec"], users=item["users"])
            for item in resolution.per_spec
        ]
        effects: list[Effect] = [
            CreateTask(ctx.key(user), ctx.node_id, user, kind="cc") for user in resolution.users
        ]
        return Outcome(ports=("out",), effects=tuple(effects), trace=tuple(trace))
