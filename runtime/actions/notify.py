"""notify: an in-app notification to people chosen like approvers. Shell.

Recipients use the approver specs (users, a role, a user field of the record, the submitter,
department heads). Title and body are templates: `{field}` is the record's value of `field` as
its type displays it (¥1,234.50, 139 0000 1111); nothing else is interpreted. One row per
(action key, recipient): a redelivered action notifies nobody twice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from runtime.actions.base import ActionContext, ActionType, action_types
from runtime.automation.models import Notification
from runtime.flows.approvers import resolve
from runtime.org import service as org
from runtime.org.models import User
from runtime.records import service as records

PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")
MAX_TITLE = 500
MAX_BODY = 4000


def render(template: str, record: Mapping[str, Any]) -> str:
    """`{field}` → the record's value (empty when missing); other text stays as written."""

    def value(match: re.Match[str]) -> str:
        found = record.get(match[1])
        return "" if found is None else str(found)

    return PLACEHOLDER.sub(value, template)


@action_types.register
class Notify(ActionType):
    key = "notify"
    label: ClassVar[dict[str, str]] = {"zh-CN": "发送通知", "en": "Notify"}
    icon = "bell"
    group = "notify"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["to", "title"],
        "properties": {
            "to": {"type": "array", "minItems": 1, "items": {"type": "object"}},
            "channel": {"enum": ["in_app"], "default": "in_app"},
            "title": {"type": "string", "maxLength": MAX_TITLE},
            "body": {"type": "string", "maxLength": MAX_BODY},
        },
    }

    def run(self, ctx: ActionContext) -> dict[str, Any]:
        data = dict(ctx.record.data) if ctx.record is not None else {}
        submitter_id = ctx.instance.submitter_id
        submitter = ctx.db.get(User, submitter_id) if submitter_id else None
        found = resolve(
            list(ctx.params.get("to") or []),
            record=data,
            submitter=submitter.username if submitter else None,
            directory=org.directory(ctx.db),
        )
        ids = org.user_ids(ctx.db)
        users = [name for name in found.users if name in ids]
        if not users:
            return {"error": "nobody to notify"}
        shown = (
            records.display(ctx.db, record=ctx.record, locale="zh-CN")
            if ctx.record is not None
            else {}
        )
        title = render(str(ctx.params.get("title", "")), shown)[:MAX_TITLE]
        body = render(str(ctx.params.get("body", "")), shown)[:MAX_BODY]
        rows = [
            {
                "key": f"{ctx.instance.id}:{ctx.key}:{name}",
                "user_id": ids[name],
                "app_key": ctx.instance.app_key,
                "record_id": ctx.instance.record_id,
                "instance_id": ctx.instance.id,
                "title": title,
                "body": body,
                "created_at": ctx.now,
            }
            for name in users
        ]
        conn = ctx.db.connection()
        upsert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        # A redelivered action finds its rows there: nothing is written, nothing fails.
        conn.execute(upsert(Notification).on_conflict_do_nothing(index_elements=["key"]), rows)
        return {"notified": users, "title": title}
