"""Node types: every registered type, imported explicitly. Pure."""

from runtime.flows.nodes import (
    action,
    approval,
    cc,
    condition,
    end,
    join,
    parallel,
    start,
    subflow,
    wait,
)
from runtime.flows.nodes.base import Context, FlowGraph, NodeType, Outcome, node_types

__all__ = [
    "Context",
    "FlowGraph",
    "NodeType",
    "Outcome",
    "action",
    "approval",
    "cc",
    "condition",
    "end",
    "join",
    "node_types",
    "parallel",
    "start",
    "subflow",
    "wait",
]
