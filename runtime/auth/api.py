"""Login and logout: an opaque session cookie plus a CSRF token cookie for the UI. Shell."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from runtime.auth import service as auth
from runtime.errors import Unauthorized
from runtime.http.deps import CSRF_COOKIE, DB, SESSION_COOKIE, commit, now_utc, request_locale
from runtime.http.ratelimit import client_ip
from runtime.i18n import pick_locale
from runtime.pages import render

router = APIRouter(tags=["auth"])
LOGIN_PER_MINUTE = 20


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_page(request: Request) -> HTMLResponse:
    locale = request_locale(request)
    return HTMLResponse(
        render.page(
            "login.html", locale=locale, error=None, next=request.query_params.get("next", "/")
        )
    )


@router.post("/login", include_in_schema=False)
def login(
    request: Request,
    db: DB,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    locale = pick_locale(request.headers.get("accept-language"))
    settings = request.app.state.settings
    request.app.state.rate_limiter.hit(
        "login", client_ip(request, settings.trusted_proxies), limit=LOGIN_PER_MINUTE
    )
    try:
        user = auth.authenticate(db, username=username, password=password)
    except Unauthorized:
        html = render.page("login.html", locale=locale, error="bad_credentials", next=next)
        return HTMLResponse(html, status_code=401)
    token, csrf = auth.open_session(db, user=user, now=now_utc())
    commit(db)
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    secure = settings.base_url.startswith("https://")
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=secure,
        max_age=int(auth.SESSION_LIFETIME.total_seconds()),
    )
    response.set_cookie(
        CSRF_COOKIE,
        csrf,
        httponly=False,
        samesite="lax",
        secure=secure,
        max_age=int(auth.SESSION_LIFETIME.total_seconds()),
    )
    return response


@router.post("/logout", include_in_schema=False)
def logout(request: Request, db: DB) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        auth.close_session(db, token=token)
        commit(db)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(CSRF_COOKIE)
    return response
