"""Email tracking: signed tokens, tracked links, the open pixel, the unsubscribe footer. Pure.

A token names one send and what it is for: `<send id>.<sig>` (open pixel, unsubscribe) or
`<send id>.<link>.<sig>` (click on the send's link number `link`). The signature is an
HMAC-SHA256 — keyed by a key derived from the server's secret for tracking only — over the
purpose, the send id, the link number and the send's random nonce (stored with the send, never
in the token), cut to 128 bits. Without the secret and the nonce nobody makes a valid token, and
a token for one send or purpose is worth nothing for another.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from html import escape, unescape
from html.parser import HTMLParser

OPEN = "open"
CLICK = "click"
UNSUBSCRIBE = "unsubscribe"
MAX_ID = 2**63 - 1
MAX_LINKS = 50
ANCHOR_HREF = re.compile(r"""(<a\b[^>]*?\bhref\s*=\s*)(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)
_TOKEN = re.compile(r"^(\d{1,19})(?:\.(\d{1,3}))?\.([A-Za-z0-9_-]{22})$")


def tracking_key(secret_key: str) -> bytes:
    """The key tracking tokens are signed with (derived: hooks and sessions use other keys)."""
    return hmac.new(secret_key.encode(), b"email-tracking", hashlib.sha256).digest()


def _signature(key: bytes, purpose: str, send_id: int, link: int | None, nonce: str) -> str:
    message = f"{purpose}:{send_id}:{'' if link is None else link}:{nonce}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def make_token(key: bytes, purpose: str, send_id: int, nonce: str, link: int | None = None) -> str:
    signature = _signature(key, purpose, send_id, link, nonce)
    return f"{send_id}.{signature}" if link is None else f"{send_id}.{link}.{signature}"


@dataclass(frozen=True, slots=True)
class Claim:
    """What a token says before its signature is checked against the send's nonce."""

    send_id: int
    link: int | None
    signature: str


def read_token(token: str) -> Claim | None:
    """The send (and link) a token names, or None when it is not shaped like a token."""
    found = _TOKEN.match(token)
    if found is None:
        return None
    send_id = int(found[1])
    if not 1 <= send_id <= MAX_ID:
        return None
    link = int(found[2]) if found[2] is not None else None
    return Claim(send_id, link, found[3])


def is_genuine(key: bytes, purpose: str, claim: Claim, nonce: str) -> bool:
    """Whether the claim's signature is the one this send's nonce gives for `purpose`."""
    expected = _signature(key, purpose, claim.send_id, claim.link, nonce)
    return hmac.compare_digest(expected, claim.signature)


def trackable_links(html: str) -> list[str]:
    """The distinct http(s) URLs the HTML's anchors link to, in order (at most MAX_LINKS)."""
    found: list[str] = []
    for match in ANCHOR_HREF.finditer(html):
        url = unescape(match[3]).strip()
        if is_web_url(url) and url not in found and len(found) < MAX_LINKS:
            found.append(url)
    return found


def rewrite_links(html: str, links: list[str], click_url: dict[int, str]) -> str:
    """Point every anchor to one of `links` at its click redirect; other anchors stay."""
    positions = {url: index for index, url in enumerate(links)}

    def replace(match: re.Match[str]) -> str:
        index = positions.get(unescape(match[3]).strip())
        if index is None:
            return match[0]
        return f"{match[1]}{match[2]}{escape(click_url[index])}{match[2]}"

    return ANCHOR_HREF.sub(replace, html)


def is_web_url(url: str) -> bool:
    """An absolute http(s) URL of sane length (the only kind a click may redirect to)."""
    lowered = url.lower()
    return lowered.startswith(("https://", "http://")) and len(url) <= 2000


def finish_html(html: str, *, pixel_url: str, unsubscribe_url: str) -> str:
    """Add the visible unsubscribe line and the 1×1 open pixel before `</body>` (or at the end)."""
    footer = (
        '<p style="margin-top:24px;font-size:12px;color:#888">'
        "如不想再收到此类邮件，可"
        f'<a href="{escape(unsubscribe_url)}">退订</a>。'
        f'Don\'t want these emails? <a href="{escape(unsubscribe_url)}">Unsubscribe</a>.</p>'
        f'<img src="{escape(pixel_url)}" width="1" height="1" alt="" '
        'style="display:block;width:1px;height:1px;border:0">'
    )
    closing = re.search(r"</body\s*>", html, re.IGNORECASE)
    if closing is None:
        return html + footer
    return html[: closing.start()] + footer + html[closing.start() :]


class _Text(HTMLParser):
    BREAKS = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "table"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hrefs: list[str | None] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script", "head"):
            self.skip += 1
        if tag in self.BREAKS:
            self.parts.append("\n")
        if tag == "a":
            self.hrefs.append(dict(attrs).get("href"))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "head"):
            self.skip = max(0, self.skip - 1)
        if tag == "a" and self.hrefs:
            href = self.hrefs.pop()
            if href:
                self.parts.append(f" <{href}>")
        if tag in self.BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """A plain-text alternative of the HTML: its text, link targets in angle brackets."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


GUARDS = ("opened", "not_opened", "clicked", "not_clicked")


def unmet_guard(when: dict[str, list[str]], *, opened: set[str], clicked: set[str]) -> str | None:
    """The first clause of a step's `when` that does not hold, or None when all hold.

    `opened: [steps]` holds when one of those steps' mails (to this record, in this sequence)
    was opened, `not_opened` when none was; `clicked` / `not_clicked` likewise for clicks. An
    empty list means any step of the sequence.
    """
    for clause in GUARDS:
        if clause not in when:
            continue
        steps = set(when[clause])
        seen = opened if clause.endswith("opened") else clicked
        happened = bool(seen & steps) if steps else bool(seen)
        if happened == clause.startswith("not_"):
            return clause
    return None
