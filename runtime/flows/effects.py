"""Effects: what the engine asks the shell to do, as frozen data (decision 0005). Pure."""

# Every effect carries a `key` (except Finish) that is deterministic from (node, attempt,
# assignee) within one instance; the shell scopes it by instance id and uses it as the
# idempotency key of the row or outbox item it creates.

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar


def _moment(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


@dataclass(frozen=True, slots=True)
class CreateTask:
    """Open a human task: `kind` approve (a vote is expected) or cc (read only, no waiting)."""

    effect: ClassVar[str] = "create_task"
    key: str
    node: str
    assignee: str
    kind: str = "approve"
    due_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "effect": self.effect,
            "key": self.key,
            "node": self.node,
            "assignee": self.assignee,
            "kind": self.kind,
            "due_at": _moment(self.due_at),
        }


@dataclass(frozen=True, slots=True)
class CancelTask:
    """Close an open task without a vote (someone else decided, the instance ended…)."""

    effect: ClassVar[str] = "cancel_task"
    key: str

    def to_json(self) -> dict[str, Any]:
        return {"effect": self.effect, "key": self.key}


@dataclass(frozen=True, slots=True)
class ScheduleTimer:
    """Deliver `{"type": "timer", "key": key}` back to the engine at `due_at`."""

    effect: ClassVar[str] = "schedule_timer"
    key: str
    due_at: datetime
    payload: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "effect": self.effect,
            "key": self.key,
            "due_at": _moment(self.due_at),
            "payload": dict(self.payload),
        }


@dataclass(frozen=True, slots=True)
class CancelTimer:
    effect: ClassVar[str] = "cancel_timer"
    key: str

    def to_json(self) -> dict[str, Any]:
        return {"effect": self.effect, "key": self.key}


@dataclass(frozen=True, slots=True)
class RunAction:
    """Run a registered action once per key; the shell answers with `action_done` {key, result}."""

    effect: ClassVar[str] = "run_action"
    key: str
    node: str
    action: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "effect": self.effect,
            "key": self.key,
            "node": self.node,
            "action": self.action,
            "params": dict(self.params),
        }


@dataclass(frozen=True, slots=True)
class Notify:
    """Send a notification (`template` names the message) to users `to`."""

    effect: ClassVar[str] = "notify"
    key: str
    to: tuple[str, ...]
    template: str
    data: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "effect": self.effect,
            "key": self.key,
            "to": list(self.to),
            "template": self.template,
            "data": dict(self.data),
        }


@dataclass(frozen=True, slots=True)
class StartSubflow:
    """Start flow `flow`; the shell answers with `subflow_finished` {key, outcome}."""

    effect: ClassVar[str] = "start_subflow"
    key: str
    flow: str

    def to_json(self) -> dict[str, Any]:
        return {"effect": self.effect, "key": self.key, "flow": self.flow}


@dataclass(frozen=True, slots=True)
class Finish:
    """The instance reached a final status (emitted exactly once per instance)."""

    effect: ClassVar[str] = "finish"
    outcome: str

    def to_json(self) -> dict[str, Any]:
        return {"effect": self.effect, "outcome": self.outcome}


Effect = (
    CreateTask
    | CancelTask
    | ScheduleTimer
    | CancelTimer
    | RunAction
    | Notify
    | StartSubflow
    | Finish
)

EFFECT_TYPES: tuple[type[Effect], ...] = (
    CreateTask,
    CancelTask,
    ScheduleTimer,
    CancelTimer,
    RunAction,
    Notify,
    StartSubflow,
    Finish,
)


@dataclass(frozen=True, slots=True)
class TraceEntry:
    """One line of an instance's trace: {node, kind, data} (decision 0005)."""

    node: str | None
    kind: str  # entered | left | condition | approver | vote | effect | error
    data: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"node": self.node, "kind": self.kind, "data": dict(self.data)}
