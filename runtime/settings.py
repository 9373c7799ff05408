"""Settings read from the environment (DESIGN §5). Shell."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "sqlite:///./var/formwork.db"
DEFAULT_SECRET_KEY = "dev-secret-change-me"  # noqa: S105 - replaced in production
DEFAULT_BASE_URL = "http://127.0.0.1:8000"


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    broker_url: str | None = None
    smtp_url: str | None = None  # smtp://host:port (starttls: smtp+starttls://user:pass@host:587)
    smtp_from: str = "Formwork <noreply@formwork.local>"
    # The mailbox of sequence mails' `List-Unsubscribe: <mailto:…>` (RFC 8058); default: the
    # sender's address.
    unsubscribe_mailto: str | None = None
    secret_key: str = DEFAULT_SECRET_KEY
    base_url: str = DEFAULT_BASE_URL
    http_allow: tuple[str, ...] = ()
    trusted_proxies: tuple[str, ...] = ()
    files_dir: Path = field(default_factory=lambda: Path("./var/files"))
    fast_password_hash: bool = False
    public_body_limit: int = 256 * 1024
    db_concurrency: int = 0  # requests in database work at once; 0 = automatic
    # Run the event dispatcher and the timer loop inside the server (no broker configured);
    # `formwork serve` turns it on, tests and CLI commands leave it off.
    background: bool = False
    # Celery workers (with a broker): a job is stopped after `job_time_limit` seconds; a message
    # a worker took and never acknowledged (it died) goes back to the queue after
    # `broker_visibility_timeout` seconds, which must be longer; a job delivered more than
    # `job_max_deliveries` times without finishing becomes an incident.
    job_time_limit: int = 120
    broker_visibility_timeout: int = 3600
    job_max_deliveries: int = 5

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(
            database_url=env.get("FORMWORK_DATABASE_URL", DEFAULT_DATABASE_URL),
            broker_url=env.get("FORMWORK_BROKER_URL") or None,
            smtp_url=env.get("FORMWORK_SMTP_URL") or None,
            smtp_from=env.get("FORMWORK_SMTP_FROM", "Formwork <noreply@formwork.local>"),
            unsubscribe_mailto=env.get("FORMWORK_UNSUBSCRIBE_MAILTO") or None,
            secret_key=env.get("FORMWORK_SECRET_KEY", DEFAULT_SECRET_KEY),
            base_url=env.get("FORMWORK_BASE_URL", DEFAULT_BASE_URL).rstrip("/"),
            http_allow=_split(env.get("FORMWORK_HTTP_ALLOW", "")),
            trusted_proxies=_split(env.get("FORMWORK_TRUSTED_PROXIES", "")),
            files_dir=Path(env.get("FORMWORK_FILES_DIR", "./var/files")),
            fast_password_hash=env.get("FORMWORK_FAST_PASSWORD_HASH", "") == "1",
            public_body_limit=int(env.get("FORMWORK_PUBLIC_BODY_LIMIT", str(256 * 1024))),
            db_concurrency=int(env.get("FORMWORK_DB_CONCURRENCY", "0")),
            background=env.get("FORMWORK_BACKGROUND", "") == "1",
            job_time_limit=int(env.get("FORMWORK_JOB_TIME_LIMIT", "120")),
            broker_visibility_timeout=int(env.get("FORMWORK_BROKER_VISIBILITY_TIMEOUT", "3600")),
            job_max_deliveries=int(env.get("FORMWORK_JOB_MAX_DELIVERIES", "5")),
        )
