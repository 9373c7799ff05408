"""Action types the flow shell runs for `run_action` effects: one registered module each."""

from runtime.actions import (
    add_score,
    assign_owner,
    block,
    create_record,
    create_task,
    exit_sequence,
    http_request,
    notify,
    pool,
    send_email,
    update_fields,
)
from runtime.actions.base import ActionContext, ActionType, action_types

__all__ = [
    "ActionContext",
    "ActionType",
    "action_types",
    "add_score",
    "assign_owner",
    "block",
    "create_record",
    "create_task",
    "exit_sequence",
    "http_request",
    "notify",
    "pool",
    "send_email",
    "update_fields",
]
