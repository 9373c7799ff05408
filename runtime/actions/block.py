"""block: refuse the change being saved with the rule's message (before-save rules only). Shell.

A before-save rule (a flow whose trigger is `before_save`) runs in memory on the values about to
be saved (runtime/automation/rules.py); reaching a `block` action refuses the save with 422.
Reached anywhere else, it fails its node: there is nothing left to refuse.
"""

from __future__ import annotations

from typing import Any, ClassVar

from runtime.actions.base import ActionContext, ActionType, action_types


@action_types.register
class Block(ActionType):
    key = "block"
    label: ClassVar[dict[str, str]] = {"zh-CN": "阻止保存", "en": "Block the save"}
    icon = "stop"
    group = "rule"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["message"],
        "properties": {
            "message": {
                "description": "Shown to the user: one text per locale.",
                "type": "object",
                "additionalProperties": {"type": "string"},
            },
            "field": {"description": "The field the message is about.", "type": "string"},
        },
    }

    def run(self, ctx: ActionContext) -> dict[str, Any]:  # noqa: ARG002
        return {"error": "block only refuses a change before it is saved (before_save rules)"}
