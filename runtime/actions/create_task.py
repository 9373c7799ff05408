"""create_task: a todo in the same todo list, with a due date and a priority. Shell.

Assignees use the approver specs (a user field such as `owner`, users, a role …); the title is a
template like notify's (`{field}` → the value as displayed). One task per (instance, action key,
assignee): a redelivered action creates nothing twice. Completing a todo closes it; it does not
move any flow (its automation has long finished).
"""

from __future__ import annotations

from typing import Any, ClassVar

from runtime.actions.base import ActionContext, ActionType, action_types
from runtime.actions.notify import MAX_TITLE
from runtime.actions.shared import fill, recipients, shown
from runtime.db.prepared import InsertIgnoring
from runtime.definitions.durations import DurationError, parse_duration
from runtime.org import service as org
from runtime.tasks.models import NEW_TASK_COLUMNS, Task

PRIORITIES = ("high", "normal", "low")
_INSERT_TASKS = InsertIgnoring(
    Task,
    conflict=("instance_id", "key"),
    columns=(*NEW_TASK_COLUMNS, "title", "priority"),
)


@action_types.register
class CreateTask(ActionType):
    key = "create_task"
    label: ClassVar[dict[str, str]] = {"zh-CN": "创建任务", "en": "Create a task"}
    icon = "check"
    group = "task"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["to", "title"],
        "properties": {
            "to": {"type": "array", "minItems": 1, "items": {"type": "object"}},
            "title": {"type": "string", "maxLength": MAX_TITLE},
            "due_in": {"description": "An ISO-8601 duration from now (PT15M).", "type": "string"},
            "priority": {"enum": list(PRIORITIES), "default": "normal"},
        },
    }

    def run(self, ctx: ActionContext) -> dict[str, Any]:
        users = recipients(ctx)
        ids = org.user_ids(ctx.db)
        if not users:
            return {"error": "nobody to give the task to"}
        due_at = None
        if ctx.params.get("due_in"):
            try:
                due_at = ctx.now + parse_duration(str(ctx.params["due_in"]))
            except DurationError as error:
                return {"error": f"bad due_in: {error}"}
        priority = str(ctx.params.get("priority") or "normal")
        if priority not in PRIORITIES:
            return {"error": f"priority is one of {', '.join(PRIORITIES)}"}
        title = fill(str(ctx.params.get("title", "")), shown(ctx))[:MAX_TITLE]
        rows = [
            {
                "instance_id": ctx.instance.id,
                "key": f"{ctx.key}:{name}",
                "node": ctx.key.split(":", 1)[0],
                "kind": "todo",
                "assignee_id": ids[name],
                "status": "open",
                "due_at": due_at,
                "created_at": ctx.now,
                "version": 1,
                "title": title,
                "priority": priority,
            }
            for name in users
        ]
        conn = ctx.db.connection()
        _INSERT_TASKS.of(conn).run_many(conn, rows)  # a redelivered action adds nothing
        return {
            "tasks_for": users,
            "title": title,
            "due_at": due_at.isoformat() if due_at else None,
        }
