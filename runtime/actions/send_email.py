"""send_email: one tracked email of a sequence step to the record's own address. Shell.

Subject, HTML and text are sandboxed Jinja2 templates over the record's displayed values
(`{{ name }}`, `{{ company }}`; HTML autoescaped). The mail goes through the outbox (one item
per step and instance) with an open pixel, its http(s) links pointing at the click redirect,
a visible unsubscribe link and the RFC 8058 headers (`List-Unsubscribe` with the one-click URL
and a mailto, `List-Unsubscribe-Post: List-Unsubscribe=One-Click`).

The step sends nothing — and says why in its result, which the trace keeps — when the record
already got this step of this sequence, when its `when` clause does not hold (opened / not
opened / clicked / not clicked earlier steps), when the record has no address, or when the
address unsubscribed. Links, tokens and the unsubscribe mailbox come from the settings the
action's context carries (`ActionContext.settings`: bound to the sessions of the server, the
loop and the workers; otherwise the environment, read once per process).
"""

from __future__ import annotations

from email.utils import parseaddr
from typing import Any, ClassVar
from urllib.parse import quote

from jinja2 import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from runtime.actions.base import ActionContext, ActionType, action_types
from runtime.actions.shared import enqueue, shown
from runtime.automation import sequences, tracking
from runtime.settings import Settings

MAX_SUBJECT = 200
STEP_PATTERN = "^[a-z][a-z0-9_]{0,63}$"
_STEPS = {"type": "array", "items": {"type": "string", "pattern": STEP_PATTERN}}
_HTML = ImmutableSandboxedEnvironment(autoescape=True)
_TEXT = ImmutableSandboxedEnvironment(autoescape=False)


@action_types.register
class SendEmail(ActionType):
    key = "send_email"
    label: ClassVar[dict[str, str]] = {"zh-CN": "发送营销邮件", "en": "Send email (sequence)"}
    icon = "mail"
    group = "notify"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["subject", "html"],
        "additionalProperties": False,
        "properties": {
            "step": {
                "description": "The step's name in tracking, conditions and the run log "
                "(default: the node id).",
                "type": "string",
                "pattern": STEP_PATTERN,
            },
            "to_field": {
                "description": "The record's email field.",
                "type": "string",
                "default": "email",
            },
            "subject": {"type": "string", "minLength": 1, "maxLength": MAX_SUBJECT},
            "html": {"type": "string", "minLength": 1, "maxLength": 50_000},
            "text": {"type": "string", "maxLength": 50_000},
            "when": {
                "description": "Send only if these hold for the record's earlier steps of this "
                "sequence (empty list: any step).",
                "type": "object",
                "additionalProperties": False,
                "properties": dict.fromkeys(tracking.GUARDS, _STEPS),
            },
        },
    }

    def run(self, ctx: ActionContext) -> dict[str, Any]:
        step = str(ctx.params.get("step") or ctx.key.split(":", 1)[0])
        record = ctx.record
        if record is None or record.deleted_at is not None:
            return {"step": step, "skipped": "record_deleted"}
        key = f"{ctx.instance.id}:{ctx.key}"
        earlier = sequences.earlier_sends(ctx.db, instance=ctx.instance)
        if any(send.step == step and send.key != key for send in earlier):
            return {"step": step, "skipped": "already_sent"}
        when = dict(ctx.params.get("when") or {})
        unmet = tracking.unmet_guard(
            when,
            opened={send.step for send in earlier if send.opened_at is not None},
            clicked={send.step for send in earlier if send.clicked_at is not None},
        )
        if unmet is not None:
            return {"step": step, "skipped": "condition", "unmet": {unmet: when[unmet]}}
        field = str(ctx.params.get("to_field") or "email")
        address = sequences.normal_address(record.data.get(field))
        if address is None:
            return {"step": step, "skipped": "no_address", "field": field}
        if sequences.is_unsubscribed(ctx.db, app_key=record.app_key, address=address):
            return {"step": step, "skipped": "unsubscribed", "address": address}
        try:
            values = shown(ctx)
            subject = _one_line(_TEXT.from_string(str(ctx.params["subject"])).render(values))
            html = _HTML.from_string(str(ctx.params["html"])).render(values)
            text = ctx.params.get("text")
            text = _TEXT.from_string(str(text)).render(values) if text else None
        except TemplateError as error:
            return {"step": step, "error": f"template: {error}"}
        links = tracking.trackable_links(html)
        send = sequences.record_send(
            ctx.db,
            key=key,
            instance=ctx.instance,
            step=step,
            address=address,
            subject=subject,
            links=links,
            now=ctx.now,
        )
        enqueue(
            ctx,
            key=f"sequence:{key}",
            kind="email",
            payload=_message(
                ctx.settings, send.id, send.nonce, address, subject, html, text, links
            ),
            answer=False,  # the sequence goes on; the outbox retries the delivery
        )
        return {"step": step, "sent_to": address, "send": send.id, "subject": subject}


def _one_line(text: str) -> str:
    """A header value: no line breaks (no header injection), at most MAX_SUBJECT characters."""
    return " ".join(text.split())[:MAX_SUBJECT]


def _message(
    settings: Settings,
    send_id: int,
    nonce: str,
    address: str,
    subject: str,
    html: str,
    text: str | None,
    links: list[str],
) -> dict[str, Any]:
    key = tracking.tracking_key(settings.secret_key)
    base = settings.base_url

    def token(purpose: str, link: int | None = None) -> str:
        return tracking.make_token(key, purpose, send_id, nonce, link)

    clicks = {index: f"{base}/t/c/{token(tracking.CLICK, index)}" for index in range(len(links))}
    unsubscribe_url = f"{base}/u/{token(tracking.UNSUBSCRIBE)}"
    body = tracking.finish_html(
        tracking.rewrite_links(html, links, clicks),
        pixel_url=f"{base}/t/o/{token(tracking.OPEN)}.gif",
        unsubscribe_url=unsubscribe_url,
    )
    plain = text if text is not None else tracking.html_to_text(body)
    if text is not None:
        plain += f"\n\n退订 / Unsubscribe: {unsubscribe_url}"
    mailbox = (
        settings.unsubscribe_mailto or parseaddr(settings.smtp_from)[1] or "noreply@formwork.local"
    )
    mailto = f"mailto:{mailbox}?subject={quote('unsubscribe ' + token(tracking.UNSUBSCRIBE))}"
    return {
        "to": [address],
        "subject": subject,
        "text": plain,
        "html": body,
        "headers": {
            "List-Unsubscribe": f"<{unsubscribe_url}>, <{mailto}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    }
