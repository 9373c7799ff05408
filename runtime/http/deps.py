"""Request dependencies: the DB session, the caller, CSRF, and load-or-404 helpers. Shell."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Annotated, TypeVar

from fastapi import Depends, Path, Request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from runtime.auth import service as auth
from runtime.errors import Conflict, PermissionDenied, Unauthorized
from runtime.i18n import pick_locale
from runtime.org.models import User
from runtime.settings import Settings

SESSION_COOKIE = "fw_session"
CSRF_COOKIE = "fw_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_db(request: Request) -> Iterator[Session]:
    """A session for this request; endpoints commit explicitly (see `commit`)."""
    db: Session = request.app.state.session_factory()
    try:
        yield db
    finally:
        db.close()


def commit(db: Session) -> None:
    """Commit now, so a failure answers this request instead of vanishing after it."""
    try:
        db.commit()
    except IntegrityError as error:
        db.rollback()
        raise Conflict("conflict", "This conflicts with data stored meanwhile.") from error


def now_utc() -> datetime:
    return datetime.now(UTC)


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


DB = Annotated[Session, Depends(get_db)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def optional_user(request: Request, db: DB) -> User | None:
    """The caller from `Authorization: Bearer <api key>` or the session cookie (with CSRF)."""
    header = request.headers.get("authorization", "")
    now = now_utc()
    if header:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise Unauthorized("bad_authorization", "Use 'Authorization: Bearer <api key>'.")
        user = auth.user_for_api_key(db, secret=secret.strip(), now=now)
        if user is None:
            raise Unauthorized("bad_api_key", "The API key is not valid.")
        commit(db)
        return user
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    session = auth.get_session(db, token=token, now=now)
    if session is None:
        return None
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not sent or sent != session.csrf_token:
            raise PermissionDenied("csrf_failed", "Missing or wrong X-CSRF-Token header.")
    return db.get(User, session.user_id)


def current_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    if user is None:
        raise Unauthorized("login_required", "Log in or send an API key.")
    return user


def admin_user(user: Annotated[User, Depends(current_user)]) -> User:
    if not user.is_admin:
        raise PermissionDenied("admin_only", "Only administrators may do this.")
    return user


CurrentUser = Annotated[User, Depends(current_user)]
AdminUser = Annotated[User, Depends(admin_user)]
OptionalUser = Annotated[User | None, Depends(optional_user)]

# Integer ids and versions as the database stores them (32-bit on PostgreSQL): a larger number
# in a URL is bad input (422), not a database overflow.
MAX_DB_INT = 2_147_483_647
RecordIdPath = Annotated[int, Path(ge=1, le=MAX_DB_INT)]
VersionPath = Annotated[int, Path(ge=1, le=MAX_DB_INT)]
# Keys in URLs (app, form, kind, definition key, field) are slugs; anything else is bad input.
SLUG_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
SlugPath = Annotated[str, Path(pattern=SLUG_PATTERN)]

T = TypeVar("T")
RETRIES = 3


def commit_with_retry(db: Session, work: Callable[[], T]) -> T:
    """Run `work` and commit; on a version conflict, roll back and run it again.

    Two people acting on different tasks of one instance at once (会签, parallel branches)
    collide on the instance's version; re-running the whole unit of work lets both decisions
    count. A true duplicate (the same task twice) fails again on the task's own state and
    answers 409.
    """
    for attempt in range(RETRIES):
        try:
            result = work()
            commit(db)
            return result
        except StaleDataError:
            db.rollback()
            if attempt == RETRIES - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def request_locale(request: Request) -> str:
    """The caller's language: `?lang=`, else Accept-Language, else zh-CN."""
    return pick_locale(request.query_params.get("lang") or request.headers.get("accept-language"))
