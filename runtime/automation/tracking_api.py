"""Public email tracking: open pixel, click redirect, unsubscribe page and one-click. Shell.

No login: the signed token in the URL is the only authority (runtime/automation/tracking.py).
A token that is malformed, forged, for another purpose or for a link the mail does not have
answers 404 (the error shape; the unsubscribe page answers a plain page). Every answer is
`no-store`, and repeating a call changes nothing more: an open and a click count once per send,
an unsubscribe once per address. The page never unsubscribes by itself (link checkers fetch
pages): only its button or the mail client's one-click POST (RFC 8058) does.
"""

from __future__ import annotations

import base64
import re
from html import escape
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from runtime.automation import sequences, tracking
from runtime.automation.sequence_models import EmailSend
from runtime.errors import InvalidInput, NotFound, Problem
from runtime.http.body import read_limited
from runtime.http.deps import DB, commit, now_utc
from runtime.settings import Settings

router = APIRouter(tags=["tracking"])
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
NO_STORE = {
    "Cache-Control": "no-store, no-cache, must-revalidate, private, max-age=0",
    "Pragma": "no-cache",
    "Referrer-Policy": "no-referrer",
}
ONE_CLICK_LIMIT = 8 * 1024
_MULTIPART_ONE_CLICK = re.compile(
    rb'name="?List-Unsubscribe"?\s*\r?\n(?:[^\r\n]+\r?\n)*\r?\n\s*One-Click\s*\r?\n', re.IGNORECASE
)


def _key(request: Request) -> bytes:
    settings: Settings = request.app.state.settings
    return tracking.tracking_key(settings.secret_key)


def _gone() -> NotFound:
    return NotFound("unknown_token", "This link is not valid.")


def _find(
    db: Session, request: Request, token: str, purpose: str
) -> tuple[EmailSend, int | None] | None:
    return sequences.find_send(db, token=token, purpose=purpose, key=_key(request))


@router.get("/t/o/{token}.gif")
def open_pixel(token: str, request: Request, db: DB) -> Response:
    """The 1×1 open pixel: the first fetch marks the send opened (`email_open`)."""
    found = _find(db, request, token, tracking.OPEN)
    if found is None:
        raise _gone()
    sequences.mark_open(db, found[0], now=now_utc())
    commit(db)
    return Response(PIXEL, media_type="image/gif", headers=NO_STORE)


@router.get("/t/c/{token}")
def click(token: str, request: Request, db: DB) -> Response:
    """302 to the mail's link the token names (never another URL); the first is `link_click`."""
    found = _find(db, request, token, tracking.CLICK)
    if found is None:
        raise _gone()
    send, link = found
    links = send.links if isinstance(send.links, list) else []
    if link is None or not 0 <= link < len(links) or not tracking.is_web_url(str(links[link])):
        raise _gone()
    url = str(links[link])
    sequences.mark_click(db, send, link=link, now=now_utc())
    commit(db)
    return RedirectResponse(url, status_code=302, headers=NO_STORE)


@router.get("/u/{token}", response_class=HTMLResponse)
def unsubscribe_page(token: str, request: Request, db: DB) -> HTMLResponse:
    """A page that asks before unsubscribing (zh-CN and en)."""
    found = _find(db, request, token, tracking.UNSUBSCRIBE)
    if found is None:
        return _page(
            "链接无效 · Invalid link", "<p>此退订链接无效。</p><p>This link is not valid.</p>", 404
        )
    send = found[0]
    if sequences.is_unsubscribed(db, app_key=send.app_key, address=send.address):
        return _page("已退订 · Unsubscribed", _done_text(send.address), 200)
    address = escape(send.address)
    body = (
        f"<p>不再向 <b>{address}</b> 发送此类营销邮件？</p>"
        f"<p>Stop sending these emails to <b>{address}</b>?</p>"
        '<form method="post">'
        '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
        '<input type="hidden" name="source" value="page">'
        '<button type="submit">确认退订 · Unsubscribe</button></form>'
    )
    return _page("退订 · Unsubscribe", body, 200)


@router.post("/u/{token}", response_class=HTMLResponse)
async def unsubscribe(token: str, request: Request, db: DB) -> HTMLResponse:
    """RFC 8058 one-click (body `List-Unsubscribe=One-Click`), or the page's button: 200."""
    body = await read_limited(request, ONE_CLICK_LIMIT)
    content_type = request.headers.get("content-type", "")
    return await run_in_threadpool(_unsubscribe, db, request, token, body, content_type)


def _unsubscribe(
    db: Session, request: Request, token: str, body: bytes, content_type: str
) -> HTMLResponse:
    found = _find(db, request, token, tracking.UNSUBSCRIBE)
    if found is None:
        raise _gone()
    fields = _form(body, content_type)
    if fields.get("List-Unsubscribe") != "One-Click":
        message = "The body must be List-Unsubscribe=One-Click (RFC 8058)."
        raise InvalidInput(
            "invalid_unsubscribe",
            message,
            [Problem("invalid_unsubscribe", message, field="List-Unsubscribe")],
        )
    send = found[0]
    source = "page" if fields.get("source") == "page" else "one_click"
    sequences.unsubscribe(db, send, source=source, now=now_utc())
    commit(db)
    return _page("已退订 · Unsubscribed", _done_text(send.address), 200)


def _form(body: bytes, content_type: str) -> dict[str, str]:
    """The fields of a urlencoded body, or just the one-click field of a multipart one."""
    if content_type.lower().startswith("multipart/form-data"):
        found = _MULTIPART_ONE_CLICK.search(body)
        return {"List-Unsubscribe": "One-Click"} if found else {}
    parsed = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {name: values[0].strip() for name, values in parsed.items() if values}


def _done_text(address: str) -> str:
    return (
        f"<p>{escape(address)} 已退订，今后不会再收到此类邮件。</p>"
        f"<p>{escape(address)} is unsubscribed and will get no more of these emails.</p>"
    )


def _page(title: str, body: str, status: int) -> HTMLResponse:
    html = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f"<title>{escape(title)}</title>"
        "<style>body{font-family:sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}"
        "button{font-size:1rem;padding:.5rem 1.5rem}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(html, status_code=status, headers=NO_STORE)
