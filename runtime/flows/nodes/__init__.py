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
from runtime.flows.nodes.base import (
    CompiledFlow,
    Context,
    FlowGraph,
    NodeType,
    Outcome,
    compile_flow,
    node_types,
)

__all__ = [
    "CompiledFlow",
    "Context",
    "FlowGraph",
    "NodeType",
    "Outcome",
    "action",
    "approval",
    "cc",
    "compile_flow",
    "condition",
    "end",
    "join",
    "node_types",
    "parallel",
    "start",
    "subflow",
    "wait",
]
