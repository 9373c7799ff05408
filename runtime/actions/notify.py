"""notify: in-app notifications and/or an email to people chosen like approvers. Shell.

Recipients use the approver specs (users, a role, a user field of the record, the submitter,
department heads). Email goes through the outbox: the worker hands it to SMTP. Title and body
are templates: `{field}` is the record's value of `field` as its type displays it (¥1,234.50,
139 0000 1111); nothing else is interpreted. One row per (action key, recipient) and one mail
per action key: a redelivered action notifies nobody twice.
"""

from __future__ import annotations

from html import escape
from typing import Any, ClassVar

from runtime.actions.base import ActionContext, ActionType, action_types
from runtime.actions.shared import enqueue, fill, recipients, shown
from runtime.automation.models import Notification
from runtime.db.prepared import InsertIgnoring
from runtime.errors import InvalidInput, Problem
from runtime.org import service as org
from runtime.outbound import robots

MAX_TITLE = 500
MAX_BODY = 4000
_INSERT_NOTIFICATIONS = InsertIgnoring(
    Notification,
    conflict=("key",),
    columns=(
        "key",
        "user_id",
        "app_key",
        "record_id",
        "instance_id",
        "title",
        "body",
        "created_at",
    ),
)


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
            "to": {"type": "array", "items": {"type": "object"}},
            "channels": {
                "description": "in_app (a row), email and robot (both through the outbox).",
                "type": "array",
                "items": {"enum": ["in_app", "email", "robot"]},
                "default": ["in_app"],
            },
            "robot": {
                "description": "robot channel: {kind: dingtalk|wecom|feishu, webhook, secret?}.",
                "type": "object",
                "required": ["kind", "webhook"],
                "properties": {
                    "kind": {"enum": ["dingtalk", "wecom", "feishu"]},
                    "webhook": {"type": "string", "minLength": 1},
                    "secret": {"type": "string"},
                },
            },
            "title": {"type": "string", "maxLength": MAX_TITLE},
            "body": {"type": "string", "maxLength": MAX_BODY},
        },
        # Someone to notify, unless the group robot is the only channel.
        "if": {"properties": {"channels": {"const": ["robot"]}}, "required": ["channels"]},
        "then": {"required": ["robot"]},
        "else": {"properties": {"to": {"minItems": 1}}},
    }

    def run(self, ctx: ActionContext) -> dict[str, Any]:
        users = recipients(ctx)
        if not users and ctx.params.get("channels") != ["robot"]:
            return {"error": "nobody to notify"}
        ids = org.user_ids(ctx.db)
        values = shown(ctx)
        title = fill(str(ctx.params.get("title", "")), values)[:MAX_TITLE]
        body = fill(str(ctx.params.get("body", "")), values)[:MAX_BODY]
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
        channels = list(ctx.params.get("channels") or ["in_app"])
        conn = ctx.db.connection()
        result: dict[str, Any] = {"notified": users, "title": title, "channels": channels}
        if "in_app" in channels:
            # A redelivered action finds its rows there: nothing is written, nothing fails.
            _INSERT_NOTIFICATIONS.of(conn).run_many(conn, rows)
        if "email" in channels:
            result["emailed"] = _email(ctx, users, title, body)
        if "robot" in channels:
            result["robot"] = _robot(ctx, title, body)
        return result


def _email(ctx: ActionContext, users: list[str], title: str, body: str) -> list[str]:
    """One outbox item for the message (sent by the worker; a redelivery adds nothing)."""
    addresses = org.user_emails(ctx.db)  # the organisation's cached snapshot: no query
    to = [addresses[name] for name in users if addresses.get(name)]
    if not to:
        return []
    link = ""
    if ctx.record is not None:
        link = f"/apps/{ctx.record.app_key}/{ctx.record.form_key}/{ctx.record.id}"
    html = (
        '<!doctype html><html><body style="font-family:sans-serif">'
        f"<h2>{escape(title)}</h2><p>{escape(body)}</p>"
        + (f'<p><a href="{escape(link)}">{escape(link)}</a></p>' if link else "")
        + "</body></html>"
    )
    enqueue(
        ctx,
        key=f"email:{ctx.instance.id}:{ctx.key}",
        kind="email",
        payload={"to": to, "subject": title, "text": f"{body}\n{link}".strip(), "html": html},
        answer=False,  # the flow does not wait for mail
    )
    return to


def _robot(ctx: ActionContext, title: str, body: str) -> str:
    """One outbox item for the group robot; signed and throttled when the worker sends it."""
    robot = dict(ctx.params.get("robot") or {})
    kind = str(robot.get("kind", ""))
    if kind not in robots.KINDS or not isinstance(robot.get("webhook"), str):
        raise InvalidInput(
            "invalid_robot",
            "robot needs kind (dingtalk, wecom, feishu) and webhook.",
            [Problem("invalid_robot", "robot needs kind and webhook.", field="robot")],
        )
    enqueue(
        ctx,
        key=f"robot:{ctx.instance.id}:{ctx.key}",
        kind="robot",
        payload={
            "kind": kind,
            "webhook": robot["webhook"],
            "secret": robot.get("secret"),
            "title": title,
            "text": body,
        },
        answer=False,
    )
    return kind
