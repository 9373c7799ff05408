"""Login sessions (opaque cookie + CSRF token) and API keys; only hashes are stored. Shell."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from runtime.auth.models import ApiKey, LoginSession
from runtime.auth.passwords import verify_password
from runtime.errors import Unauthorized
from runtime.org.models import User

SESSION_LIFETIME = timedelta(days=7)
API_KEY_PREFIX = "fw_"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def authenticate(db: Session, *, username: str, password: str) -> User:
    """Return the active user with these credentials or raise `Unauthorized`."""
    user = db.scalars(select(User).where(User.username == username)).one_or_none()
    # Verify against a dummy hash when the user is unknown so timing does not reveal usernames.
    hashed = user.password_hash if user is not None else None
    ok = verify_password(password, hashed) if hashed else _burn(password)
    if user is None or not user.is_active or not ok:
        raise Unauthorized("bad_credentials", "Wrong username or password.")
    return user


def _burn(password: str) -> bool:
    hmac.compare_digest(_digest(password), _digest("x" * len(password)))
    return False


def open_session(db: Session, *, user: User, now: datetime) -> tuple[str, str]:
    """Create a login session; return (cookie token, csrf token)."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    db.add(
        LoginSession(
            token_hash=_digest(token),
            csrf_token=csrf,
            user_id=user.id,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    db.flush()
    return token, csrf


def get_session(db: Session, *, token: str, now: datetime) -> LoginSession | None:
    row = db.scalars(
        select(LoginSession).where(LoginSession.token_hash == _digest(token))
    ).one_or_none()
    if row is None or row.expires_at <= now:
        return None
    return row


def close_session(db: Session, *, token: str) -> None:
    db.execute(delete(LoginSession).where(LoginSession.token_hash == _digest(token)))


def create_api_key(db: Session, *, user: User, name: str, now: datetime) -> str:
    """Create an API key for `user` and return it; only its hash is kept."""
    secret = API_KEY_PREFIX + secrets.token_urlsafe(32)
    db.add(
        ApiKey(
            prefix=secret[:10],
            key_hash=_digest(secret),
            user_id=user.id,
            name=name,
            created_at=now,
        )
    )
    db.flush()
    return secret


def user_for_api_key(db: Session, *, secret: str, now: datetime) -> User | None:
    row = db.scalars(select(ApiKey).where(ApiKey.key_hash == _digest(secret))).one_or_none()
    if row is None or row.revoked_at is not None:
        return None
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=5):
        row.last_used_at = now  # coarse, so a busy key does not write on every request
    user = db.get(User, row.user_id)
    return user if user is not None and user.is_active else None
