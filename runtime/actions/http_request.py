"""http_request: call an outside URL through the outbox; the flow waits for the answer. Shell.

The action only writes an outbox item (in the step's transaction): the background worker
(runtime/automation/outbox.py) makes the call through the SSRF guard, with the item's key as
`Idempotency-Key` and, when a secret is set, an HMAC-SHA256 signature of the body, retries with
backoff, and answers the flow with `action_done`. `{field}` in the URL is the record's value,
URL-encoded; in header and body strings it is the value as stored.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar

from runtime.actions.base import ActionContext, ActionType, action_types
from runtime.actions.shared import enqueue, fill

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
DEFERRED = "deferred"


def fill_json(value: Any, record: Mapping[str, Any]) -> Any:
    if isinstance(value, str):
        return fill(value, record)
    if isinstance(value, Mapping):
        return {str(key): fill_json(item, record) for key, item in value.items()}
    if isinstance(value, list):
        return [fill_json(item, record) for item in value]
    return value


@action_types.register
class HttpRequest(ActionType):
    key = "http_request"
    label: ClassVar[dict[str, str]] = {"zh-CN": "调用 HTTP 接口", "en": "HTTP request"}
    icon = "globe"
    group = "integration"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["url"],
        "properties": {
            "method": {"enum": list(METHODS), "default": "POST"},
            "url": {"type": "string", "maxLength": 2000},
            "headers": {"type": "object", "additionalProperties": {"type": "string"}},
            "body": {"description": "A JSON value; strings may hold {field} placeholders."},
            "secret": {"description": "Signs the body: X-Formwork-Signature: sha256=<hex>."},
        },
    }

    def run(self, ctx: ActionContext) -> dict[str, Any]:
        data = dict(ctx.record.data) if ctx.record is not None else {}
        method = str(ctx.params.get("method") or "POST").upper()
        if method not in METHODS:
            return {"error": f"method is one of {', '.join(METHODS)}"}
        headers = {
            str(name): fill(str(value), data)
            for name, value in (ctx.params.get("headers") or {}).items()
        }
        body = ctx.params.get("body")
        payload = {
            "method": method,
            "url": fill(str(ctx.params.get("url", "")), data, url=True),
            "headers": headers,
            "body": None if body is None else json.dumps(fill_json(body, data), ensure_ascii=False),
            "secret": ctx.params.get("secret"),
        }
        key = f"http:{ctx.instance.id}:{ctx.key}"
        enqueue(ctx, key=key, kind="http", payload=payload, answer=True)
        return {DEFERRED: True, "outbox": key}
