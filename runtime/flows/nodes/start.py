"""Start node: where a new instance's token begins. Pure."""

from __future__ import annotations

from typing import ClassVar

from runtime.flows.nodes.base import Context, NodeType, Outcome, node_types


@node_types.register
class StartNode(NodeType):
    key = "start"
    label: ClassVar[dict[str, str]] = {"en": "Start", "zh-CN": "开始"}
    icon = "play"
    group = "basic"

    def enter(self, ctx: Context) -> Outcome:  # noqa: ARG002
        return Outcome(ports=("out",))
