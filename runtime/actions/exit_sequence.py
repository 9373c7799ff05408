"""exit_sequence: end the record's running sequences early (a reply, a booked demo …). Shell.

The sequences get the `sequence_exit` signal with the reason — the behaviour or change that
started this automation, or `reason` — and end through the branch that waits for it, so their
trace says why they stopped (decision 0008, "Sequences").
"""

from __future__ import annotations

from typing import Any, ClassVar

from runtime.actions.base import ActionContext, ActionType, action_types
from runtime.automation import sequences
from runtime.automation.events import CAUSE
from runtime.automation.models import Event


@action_types.register
class ExitSequence(ActionType):
    key = "exit_sequence"
    label: ClassVar[dict[str, str]] = {"zh-CN": "退出培育序列", "en": "Exit sequence"}
    icon = "log-out"
    group = "notify"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "flows": {
                "description": "The sequences (flow keys) to end; empty: every running one.",
                "type": "array",
                "items": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
            },
            "reason": {"description": "Why, for the trace (default: the cause).", "type": "string"},
        },
    }

    def run(self, ctx: ActionContext) -> dict[str, Any]:
        record = ctx.record
        if record is None:
            return {"ended": [], "reason": "record_deleted"}
        why = _cause(ctx)
        if ctx.params.get("reason"):
            why["reason"] = str(ctx.params["reason"])
        why["by"] = ctx.instance.flow_key
        ended = sequences.exit_sequences(
            ctx.db,
            record_id=record.id,
            data=why,
            now=ctx.now,
            flow_keys=[str(key) for key in ctx.params.get("flows") or ()],
            besides=ctx.instance.id,
        )
        return {"ended": ended, "reason": why["reason"]}


def _cause(ctx: ActionContext) -> dict[str, Any]:
    """The event that started this automation, as a reason: a behaviour's type, or a change."""
    cause = ctx.db.info.get(CAUSE)
    event = ctx.db.get(Event, cause[0]) if cause else None
    if event is None:
        return {"reason": "manual"}
    if event.kind == "behaviour":
        return {"reason": str(event.payload.get("type")), "event": event.id}
    changes = {
        str(change.get("field")): change.get("to")
        for change in event.payload.get("changes") or ()
        if isinstance(change, dict)
    }
    return {"reason": event.kind, "event": event.id, "changes": changes}
