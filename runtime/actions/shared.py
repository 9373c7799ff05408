"""What several actions need: recipients, displayed values, templates, outbox items. Shell."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from runtime.actions.base import ActionContext
from runtime.automation import events
from runtime.automation.models import OutboxItem
from runtime.db.prepared import InsertIgnoring
from runtime.flows.approvers import resolve
from runtime.org import service as org
from runtime.org.models import User
from runtime.records import service as records

PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")
WHOLE = re.compile(r"^\{([a-z][a-z0-9_]*)\}$")
_ENQUEUE = InsertIgnoring(
    OutboxItem,
    conflict=("key",),
    columns=(
        "key",
        "kind",
        "instance_id",
        "action_key",
        "payload",
        "status",
        "attempts",
        "next_try_at",
        "created_at",
    ),
)


def recipients(ctx: ActionContext) -> list[str]:
    """The users `params.to` names (approver specs), as the directory has them at work now."""
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
    return [name for name in found.users if name in ids]


def shown(ctx: ActionContext) -> dict[str, str]:
    """The record's values as their types display them (for messages people read)."""
    if ctx.record is None:
        return {}
    return records.display(ctx.db, record=ctx.record, locale="zh-CN")


def fill(template: str, values: Mapping[str, Any], *, url: bool = False) -> str:
    """`{field}` → the value's text ('' when missing; URL-encoded with `url`); nothing else."""

    def value(match: re.Match[str]) -> str:
        found = values.get(match[1])
        text = "" if found is None else str(found)
        return quote(text, safe="") if url else text

    return PLACEHOLDER.sub(value, template)


def fill_typed(template: Any, values: Mapping[str, Any]) -> Any:
    """As `fill`, but a template that is one placeholder keeps the value's type."""
    if not isinstance(template, str):
        return template
    whole = WHOLE.match(template)
    return values.get(whole[1]) if whole else fill(template, values)


def enqueue(
    ctx: ActionContext, *, key: str, kind: str, payload: dict[str, Any], answer: bool
) -> None:
    """An outbox item for the worker (once per key); `answer`: the flow waits for its result."""
    conn = ctx.db.connection()
    _ENQUEUE.of(conn).run(
        conn,
        {
            "key": key,
            "kind": kind,
            "instance_id": ctx.instance.id,
            "action_key": ctx.key if answer else None,
            "payload": payload,
            "status": "pending",
            "attempts": 0,
            "next_try_at": ctx.now,
            "created_at": ctx.now,
        },
    )
    ctx.db.info[events.WRITTEN] = True  # wake the worker when this commits
