"""Email over SMTP (smtplib): one message per outbox item, its key in the Message-ID. Shell."""

from __future__ import annotations

import smtplib
from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

TIMEOUT = 10.0
FIXED_HEADERS = frozenset({"from", "to", "cc", "bcc", "subject", "message-id"})


class MailRefused(Exception):
    """The server refused the message for good (recipients, policy): retrying cannot help."""


def message(
    *,
    sender: str,
    to: Sequence[str],
    subject: str,
    text: str,
    html: str,
    key: str,
    headers: Mapping[str, str] | None = None,
) -> EmailMessage:
    """A text + HTML message; `headers` adds more (List-Unsubscribe …), never From/To/Subject."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = ", ".join(to)
    mail["Subject"] = subject
    # Receivers that deduplicate by Message-ID see a retried item as the same message.
    mail["Message-ID"] = f"<{key.replace(':', '.')}@formwork>"
    for name, value in (headers or {}).items():
        if name.lower() not in FIXED_HEADERS:
            mail[name] = " ".join(str(value).split())  # one line: no header injection
    mail.set_content(text)
    mail.add_alternative(html, subtype="html")
    return mail


def send(smtp_url: str, mail: EmailMessage) -> None:
    """Hand `mail` to the SMTP server of `smtp_url` (smtp://host:port, smtp+starttls://…)."""
    parts = urlsplit(smtp_url)
    host, port = parts.hostname or "localhost", parts.port or 25
    try:
        with smtplib.SMTP(host, port, timeout=TIMEOUT) as server:
            if parts.scheme == "smtp+starttls":
                server.starttls()
            if parts.username:
                server.login(unquote(parts.username), unquote(parts.password or ""))
            refused: Mapping[str, object] = server.send_message(mail)
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as error:
        raise MailRefused(str(error)) from error
    except smtplib.SMTPResponseException as error:
        if 500 <= error.smtp_code < 600:
            raise MailRefused(f"{error.smtp_code} {error.smtp_error!r}") from error
        raise
    if refused:
        raise MailRefused(f"refused recipients: {', '.join(refused)}")
