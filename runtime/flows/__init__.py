"""Flows: the pure engine core (definition + state + event → state + effects + trace)."""

from runtime.flows import effects, events, nodes, state
from runtime.flows.engine import MAX_ENTRIES, Step, field_permissions, start, step
from runtime.flows.state import dumps_state, loads_state, new_state, open_tasks, open_timers

__all__ = [
    "MAX_ENTRIES",
    "Step",
    "dumps_state",
    "effects",
    "events",
    "field_permissions",
    "loads_state",
    "new_state",
    "nodes",
    "open_tasks",
    "open_timers",
    "start",
    "state",
    "step",
]
