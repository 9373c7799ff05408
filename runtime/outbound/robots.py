"""Group robots: DingTalk, WeCom and Feishu webhooks — their message shapes and signing. Pure.

Signing follows each platform's published rule, computed at send time (signatures expire):
- DingTalk ("加签"): sign = base64(HMAC-SHA256(key=secret, msg="{timestamp_ms}\\n{secret}")),
  sent as `&timestamp=…&sign=…` (URL-encoded) on the webhook URL.
- Feishu: sign = base64(HMAC-SHA256(key="{timestamp_s}\\n{secret}", msg="")), sent in the body
  with the timestamp.
- WeCom: the key in the webhook URL is the secret; nothing to sign.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from urllib.parse import quote

KINDS = ("dingtalk", "wecom", "feishu")
PER_MINUTE = 20  # each platform's limit per robot


@dataclass(frozen=True, slots=True)
class RobotCall:
    url: str
    body: bytes


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(secret: str, timestamp_s: int) -> str:
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def call(
    kind: str, webhook: str, title: str, text: str, *, secret: str | None, now_ms: int
) -> RobotCall:
    """The request one robot message is: URL (signed when needed) and JSON body."""
    if kind == "dingtalk":
        url = webhook
        if secret:
            sign = quote(dingtalk_sign(secret, now_ms), safe="")
            url = f"{webhook}{'&' if '?' in webhook else '?'}timestamp={now_ms}&sign={sign}"
        body = {
            "msgtype": "markdown",
            "markdown": {"title": title, "text": f"### {title}\n\n{text}"},
        }
        return RobotCall(url, json.dumps(body, ensure_ascii=False).encode())
    if kind == "wecom":
        body = {"msgtype": "markdown", "markdown": {"content": f"**{title}**\n{text}"}}
        return RobotCall(webhook, json.dumps(body, ensure_ascii=False).encode())
    if kind == "feishu":
        message: dict[str, object] = {"msg_type": "text", "content": {"text": f"{title}\n{text}"}}
        if secret:
            seconds = now_ms // 1000
            message = {"timestamp": str(seconds), "sign": feishu_sign(secret, seconds), **message}
        return RobotCall(webhook, json.dumps(message, ensure_ascii=False).encode())
    raise ValueError(f"robot kind is one of {', '.join(KINDS)}")
