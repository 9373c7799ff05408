"""Public form endpoints (no login): page, submit, embed script, CORS preflight. Shell."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, cast
from urllib.parse import parse_qsl, urlsplit

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from runtime.db.engine import is_lock_busy
from runtime.db.savepoints import savepoint
from runtime.errors import (
    FormworkError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    Problem,
    TooManyRequests,
)
from runtime.forms import public_service, render
from runtime.http.body import read_limited
from runtime.http.deps import SLUG_PATTERN, SlugPath, now_utc, request_locale
from runtime.http.errors import error_body
from runtime.http.payload import require_text
from runtime.http.ratelimit import client_ip
from runtime.records import service as records
from runtime.settings import Settings

router = APIRouter(tags=["public forms"])
log = logging.getLogger(__name__)

HONEYPOT = "website"
IDEMPOTENCY_FIELD = "_idempotency_key"
MULTI_TYPES = frozenset({"multiselect", "checkbox"})
ROW_NAME = re.compile(r"^([a-z][a-z0-9_]*)\[(\d{1,3})\]\[([a-z][a-z0-9_]*)\]$")
DEFAULT_PER_MINUTE = 10
SLUG = re.compile(SLUG_PATTERN)


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _load_public(db: Session, app: str, form: str) -> records.FormVersion:
    version = records.load_form(db, app_key=app, form_key=form)
    if not (version.doc.get("public") or {}).get("enabled"):
        raise NotFound("form_not_public", f"{app}/{form} has no public form.")
    return version


def _own_origin(request: Request, settings: Settings) -> set[str]:
    own = {f"{request.url.scheme}://{request.url.netloc}"}
    base = urlsplit(settings.base_url)
    own.add(f"{base.scheme}://{base.netloc}")
    return own


def _check_origin(request: Request, doc: Mapping[str, Any], settings: Settings) -> str | None:
    """The Origin to echo in CORS headers; a foreign origin not allowed by the form → 403."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return None
    allowed = set((doc.get("public") or {}).get("allowed_origins") or [])
    if origin in _own_origin(request, settings):
        return None
    if origin in allowed or "*" in allowed:
        return origin
    raise PermissionDenied("origin_not_allowed", f"Origin {origin} may not post to this form.")


def _cors_headers(origin: str | None) -> dict[str, str]:
    if origin is None:
        return {}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": "POST, GET, OPTIONS",
        "Access-Control-Allow-Headers": "Content-Type, Idempotency-Key, Accept-Language",
        "Access-Control-Max-Age": "600",
        "Vary": "Origin",
    }


def _bad_body(message: str) -> InvalidInput:
    return InvalidInput("invalid_body", message, [Problem("invalid_body", message)])


def parse_body(content_type: str, body: bytes, doc: Mapping[str, Any]) -> dict[str, Any]:
    """JSON object, or form-encoded pairs folded into lists and line-item rows by field type."""
    if content_type.startswith("application/json"):
        try:
            value = json.loads(body or b"{}")
        except ValueError as error:
            raise _bad_body("The body is not valid JSON.") from error
        if not isinstance(value, dict):
            raise _bad_body("The body must be a JSON object.")
        require_text(value)
        return value
    if content_type.startswith("application/x-www-form-urlencoded") or not content_type:
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=2000)
        except (UnicodeDecodeError, ValueError) as error:
            raise _bad_body("The form body could not be read.") from error
        return fold_pairs(pairs, doc)
    raise FormworkError("unsupported_media_type", "Send JSON or a form-encoded body.")


def fold_pairs(pairs: list[tuple[str, str]], doc: Mapping[str, Any]) -> dict[str, Any]:
    types = {f["key"]: f["type"] for f in doc.get("fields", [])}
    out: dict[str, Any] = {}
    rows: dict[str, dict[int, dict[str, str]]] = {}
    for name, value in pairs:
        match = ROW_NAME.match(name)
        if match and types.get(match[1]) == "line_items":
            rows.setdefault(match[1], {}).setdefault(int(match[2]), {})[match[3]] = value
        elif types.get(name) in MULTI_TYPES:
            out.setdefault(name, []).append(value)
        else:
            out[name] = value
    for key, by_index in rows.items():
        out[key] = [
            row for _, row in sorted(by_index.items()) if any(v.strip() for v in row.values())
        ]
    return out


def _hidden_from_request(request: Request, doc: Mapping[str, Any]) -> dict[str, str]:
    hidden: dict[str, str] = {}
    for source, target in public_service.capture_targets(doc).items():
        value = (
            request.query_params.get("referrer") or request.headers.get("referer", "")
            if source == "referrer"
            else request.query_params.get(source, "")
        )
        if value:
            hidden[target] = value[:500]
    return hidden


@router.get("/f/{app}/{form}", response_class=HTMLResponse, include_in_schema=False)
def form_page(app: SlugPath, form: SlugPath, request: Request) -> HTMLResponse:
    factory = request.app.state.session_factory
    with factory() as db:
        version = _load_public(db, app, form)
    locale = request_locale(request)
    embed = request.query_params.get("embed") == "1"
    html = render.render_form(
        public_service.public_doc(version.doc),
        locale=locale,
        action_url=str(request.url.path)
        + ("?embed=1" if embed else "")
        + (f"&lang={locale}" if embed and request.query_params.get("lang") else ""),
        hidden=_hidden_from_request(request, version.doc),
        embed=embed,
        idempotency_key=secrets.token_urlsafe(16),
    )
    return HTMLResponse(html)


@router.options("/f/{app}/{form}", include_in_schema=False)
def preflight(app: SlugPath, form: SlugPath, request: Request) -> Response:
    with request.app.state.session_factory() as db:
        version = _load_public(db, app, form)
    origin = _check_origin(request, version.doc, _settings(request))
    return Response(status_code=204, headers=_cors_headers(origin))


@router.get("/f/{app}/{form}/embed.js", include_in_schema=False)
def embed_js(app: SlugPath, form: SlugPath, request: Request) -> Response:
    with request.app.state.session_factory() as db:
        _load_public(db, app, form)
    base = _settings(request).base_url
    script = render.embed_script(form_url=f"{base}/f/{app}/{form}")
    return Response(
        script,
        media_type="application/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300"},
    )


@router.post("/f/{app}/{form}", include_in_schema=False)
async def submit_form(request: Request) -> Response:
    # Path parameters are checked here rather than declared: FastAPI's validation of two
    # declared parameters cost ~7 % of a submission. An unknown or malformed name is a 404.
    app, form = request.path_params["app"], request.path_params["form"]
    settings = _settings(request)
    wants_json = request.headers.get("content-type", "").startswith("application/json") or (
        "application/json" in request.headers.get("accept", "")
    )
    locale = request_locale(request)
    embed = request.query_params.get("embed") == "1"
    try:
        if not (SLUG.match(app) and SLUG.match(form)):
            raise NotFound("definition_not_found", f"No published definition {app}/forms/{form}.")
        body = await read_limited(request, settings.public_body_limit)
        item = _Item(request, app, form, body, wants_json, locale, embed)
        return await _group_commit(request.app.state).submit(item)
    except FormworkError as error:
        headers = {}
        if isinstance(error, TooManyRequests):
            headers["Retry-After"] = str(error.retry_after)
        if not wants_json:
            html = render.render_error(locale=locale, status=error.status, message=error.message)
            return HTMLResponse(html, status_code=error.status, headers=headers)
        headers.update(_cors_headers(await run_in_threadpool(_error_origin, request, app, form)))
        return JSONResponse(
            error_body(error.to_problems()), status_code=error.status, headers=headers
        )


SUBMIT_PATH = re.compile(r"^/f/([^/]+)/([^/]+)$")
_SUBMIT_ROUTE = next(r for r in router.routes if getattr(r, "endpoint", None) is submit_form)


class SubmitLane:
    """Pure ASGI middleware: `POST /f/{app}/{form}` goes straight to `submit_form`.

    The busiest path skips route matching over every route of the app and the framework's
    per-request layers (exception middleware, exit stack) — measured at ~a fifth of a
    submission's Python. What those gave it is kept: the path parameters, the route for
    /metrics (installed inside `MetricsMiddleware`), and the app's exception handlers (an
    `IntegrityError` still answers 409; an unhandled error still reaches the server-error
    middleware, never the client as a traceback). Every other request passes through.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = SUBMIT_PATH.match(scope["path"]) if scope["type"] == "http" else None
        if match is None or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        scope["path_params"] = {"app": match[1], "form": match[2]}
        scope["route"] = _SUBMIT_ROUTE
        request = Request(scope, receive, send)
        try:
            response = await submit_form(request)
        except Exception as error:
            response = await _handled(request, error)
        await response(scope, receive, send)


async def _handled(request: Request, error: Exception) -> Response:
    """The app's own answer to `error` (its exception handlers, as the router would use them)."""
    handlers = request.app.exception_handlers
    handler = next((handlers[c] for c in type(error).__mro__ if c in handlers), None)
    if handler is None:
        raise error
    answer = handler(request, error)
    if inspect.isawaitable(answer):
        answer = await answer
    return cast(Response, answer)


def _db_gate(state: Any) -> asyncio.Semaphore:
    """Queue submissions fairly (FIFO) for the database in the event loop.

    On SQLite the process has one connection; threads waiting on the pool's lock are woken in
    no particular order, which stretched p99 at concurrency 16 to ~150 ms. An asyncio semaphore
    hands the database out in arrival order instead (p99 ~70 ms).
    """
    gate: asyncio.Semaphore | None = getattr(state, "db_gate", None)
    if gate is None:
        engine = state.engine
        if engine.dialect.name == "sqlite":
            size = 1
        else:
            # Past ~one thread per core threads only queue for the GIL, and each drain takes
            # all that waits: fewer drains, larger batches. Measured at concurrency 16 on 2 cores
            # (batched writes, bench/public_submit_bench.py): 1 → 446, 2 → 557, 3 → 519 req/s.
            configured = state.settings.db_concurrency
            size = configured or min(engine.pool.size(), os.cpu_count() or 2)
        gate = state.db_gate = asyncio.Semaphore(max(1, size))
    return gate


def _error_origin(request: Request, app: str, form: str) -> str | None:
    """Echo an allowed Origin on errors too, so the embedding page can read them."""
    try:
        with request.app.state.session_factory() as db:
            return _check_origin(request, _load_public(db, app, form).doc, _settings(request))
    except FormworkError:
        return None


class _LockBusy(Exception):
    """The loop's SQLite connection found the write lock taken; nothing was done."""


@dataclass(frozen=True, slots=True)
class _Item:
    """One submission waiting for the database."""

    request: Request
    app: str
    form: str
    body: bytes
    wants_json: bool
    locale: str
    embed: bool


# What one submission came to: its answer, or the error that answers it.
_Outcome = Response | BaseException


def _answer(outcome: _Outcome) -> Response:
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


class _Answered(Exception):
    """A submission refused with a page rather than an error (an HTML form with problems)."""

    def __init__(self, response: Response) -> None:
        super().__init__("answered")
        self.response = response


TX_HELP = "Transactions that wrote public submissions (group commit)."
BATCH_HELP = "Public submissions written by those transactions."


class GroupCommit:
    """Submissions that arrive together are written in one transaction.

    Each submission waits in a queue; a drain takes everything queued (up to `limit`) and
    writes it with one BEGIN and one COMMIT. Each submission answers for itself: one that fails
    is left out and answers its error, the others are unaffected. Under load the commit, the
    session and the pages every insert touches (the indexes' last leaves) are shared by the
    batch; alone, a submission is a batch of one.

    SQLite: one drain at a time, on the event loop with the loop's own connection, a savepoint
    per submission; when another connection holds the write lock the batch runs on a thread
    with the ordinary engine instead (see `make_loop_engine`), so the loop never waits for a
    lock. PostgreSQL: drains run on threads, as many at once as the database gate lets through;
    a batch checks every submission first, then writes its new records with one statement per
    table (`_run_set_batch`), since there each statement costs a round trip and the driver's
    Python, which one submission at a time paid five times over.
    """

    MAX_BATCH = 64

    def __init__(self, state: Any) -> None:
        self.state = state
        self.queue: list[tuple[_Item, asyncio.Future[_Outcome]]] = []
        self.limit = self.MAX_BATCH
        self.together = state.engine.dialect.name == "postgresql"

    async def submit(self, item: _Item) -> Response:
        future: asyncio.Future[_Outcome] = asyncio.get_running_loop().create_future()
        self.queue.append((item, future))
        if len(self.queue) == 1:
            asyncio.get_running_loop().create_task(self._drain())
        return _answer(await future)

    async def _drain(self) -> None:
        gate = _db_gate(self.state)
        async with gate:
            taken, self.queue = self.queue[: self.limit], self.queue[self.limit :]
            if self.queue:
                asyncio.get_running_loop().create_task(self._drain())
            if not taken:
                return
            items = [item for item, _future in taken]
            try:
                outcomes = await self._write(items, gate)
            except BaseException as error:  # the batch could not commit: every one hears why
                outcomes = [error] * len(items)
            metrics = self.state.metrics
            metrics.add("formwork_public_submit_transactions_total", 1, help_text=TX_HELP)
            metrics.add("formwork_public_submit_batched_total", len(items), help_text=BATCH_HELP)
            for (_item, future), outcome in zip(taken, outcomes, strict=True):
                if not future.done():  # a client that went away cancelled its wait
                    future.set_result(outcome)

    async def _write(self, items: list[_Item], gate: asyncio.Semaphore) -> list[_Outcome]:
        loop_factory = self.state.loop_session_factory
        if loop_factory is not None:
            try:
                outcomes = _run_batch(loop_factory, items, on_loop=True)
            except _LockBusy:
                pass
            else:
                self.state.wal_checkpointer.committed(gate)
                return outcomes
        factory = self.state.session_factory
        if self.together and len(items) > 1:
            return await run_in_threadpool(_run_set_batch, factory, items)
        return await run_in_threadpool(_run_batch, factory, items)


def _group_commit(state: Any) -> GroupCommit:
    batcher: GroupCommit | None = getattr(state, "group_commit", None)
    if batcher is None:
        batcher = state.group_commit = GroupCommit(state)
    return batcher


def _run_batch(
    factory: sessionmaker[Session],
    items: list[_Item],
    *,
    on_loop: bool = False,
    counted: bool = False,
) -> list[_Outcome]:
    """Run `items` in one transaction and commit; one outcome per item, in order.

    With several items each runs inside its own savepoint. A single item needs none: its
    failure rolls the whole transaction back. `counted`: the rate limiter already counted them.
    """
    outcomes: list[_Outcome] = []
    with factory() as db:
        try:
            db.connection()  # begins the transaction (SQLite: takes the write lock)
        except OperationalError as error:
            if on_loop and is_lock_busy(error):
                raise _LockBusy from error
            raise
        if len(items) == 1:
            try:
                outcomes.append(_submit_one(db, items[0], counted=counted))
            except _Answered as answered:
                db.rollback()
                return [answered.response]
            except FormworkError as error:
                db.rollback()
                return [error]
        else:
            for item in items:
                outcomes.append(_in_savepoint(db, partial(_submit_one, db, item, counted=counted)))
        db.commit()
    return outcomes


def _run_set_batch(factory: sessionmaker[Session], items: list[_Item]) -> list[_Outcome]:
    """PostgreSQL: check every submission, then store the batch's new records together.

    The checks write nothing, so a refused submission needs no savepoint. What
    `public_service.store_many` leaves (from the first duplicate to skip or update, or the first
    key seen twice, on) is submitted again one by one after the rest, each in its savepoint.
    Should the batch's writes meet a constraint (another process stored the same idempotency
    key meanwhile), the transaction is rolled back and the batch runs again one submission at
    a time, each answering for itself.
    """
    try:
        return _store_together(factory, items)
    except IntegrityError as error:
        log.info("a batch of %d submissions runs again one by one: %s", len(items), error.orig)
        return _run_batch(factory, items, counted=True)


def _store_together(factory: sessionmaker[Session], items: list[_Item]) -> list[_Outcome]:
    checked: list[_Outcome | _Checked] = []
    with factory() as db:
        db.connection()
        for item in items:
            try:
                checked.append(_check_one(db, item))
            except _Answered as answered:
                checked.append(answered.response)
            except FormworkError as error:
                checked.append(error)
        pending = [c for c in checked if isinstance(c, _Checked)]
        stored = public_service.store_many(db, [c.draft for c in pending]) if pending else []
        answers: dict[int, _Outcome] = {
            id(one): one.answer(outcome) for one, outcome in zip(pending, stored, strict=False)
        }
        for one in pending[len(stored) :]:  # from the start, after what is stored
            submit = partial(_submit_one, db, one.item, counted=True)
            answers[id(one)] = _in_savepoint(db, submit)
        db.commit()
    return [answers[id(c)] if isinstance(c, _Checked) else c for c in checked]


def _in_savepoint(db: Session, run: Callable[[], Response]) -> _Outcome:
    """`run()` inside a savepoint: its answer, or its error with its writes rolled back."""
    try:
        with savepoint(db):
            return run()
    except _Answered as answered:
        return answered.response
    except Exception as error:
        return error


@dataclass(frozen=True, slots=True)
class _Checked:
    """A submission that passed every check and waits to be stored."""

    item: _Item
    doc: Mapping[str, Any]
    origin: str | None
    draft: public_service.Draft

    def answer(self, outcome: public_service.Outcome) -> Response:
        return _stored(self.doc, outcome, self.item, self.origin)


def _submit_one(db: Session, item: _Item, *, counted: bool = False) -> Response:
    """One submission inside the caller's transaction; raises its error, `_Answered` for a page."""
    checked = _check_one(db, item, counted=counted)
    if isinstance(checked, Response):
        return checked
    return checked.answer(public_service.store(db, checked.draft))


def _check_one(db: Session, item: _Item, *, counted: bool = False) -> Response | _Checked:
    """Everything but storing: the form, origin, rate limit, body, honeypot and validation.

    Writes nothing. An answer that needs no write (a bot's honeypot, a replayed idempotency
    key) comes back as the response. `counted`: the rate limiter already counted this one.
    """
    request = item.request
    settings = _settings(request)
    version = _load_public(db, item.app, item.form)
    origin = _check_origin(request, version.doc, settings)
    per_minute = int(
        ((version.doc.get("public") or {}).get("rate_limit") or {}).get(
            "per_minute", DEFAULT_PER_MINUTE
        )
    )
    if not counted:
        request.app.state.rate_limiter.hit(
            f"public:{item.app}/{item.form}",
            client_ip(request, settings.trusted_proxies),
            limit=per_minute,
        )
    raw = parse_body(request.headers.get("content-type", ""), item.body, version.doc)
    field_key = str(raw.pop(IDEMPOTENCY_FIELD, "") or "")  # never a record value
    key = (request.headers.get("idempotency-key") or field_key)[:128] or None
    if str(raw.pop(HONEYPOT, "") or "").strip():
        # A bot filled the invisible field: answer like a success, store nothing.
        return _success(version.doc, None, "accepted", item, origin)
    _fill_referrer(request, version.doc, raw)
    try:
        checked = public_service.check(
            db, form=version, raw=raw, idempotency_key=key, locale=item.locale, now=now_utc()
        )
    except InvalidInput as error:
        if item.wants_json:
            raise
        html = render.render_form(
            public_service.public_doc(version.doc),
            locale=item.locale,
            action_url=str(request.url.path) + ("?embed=1" if item.embed else ""),
            values=raw,
            problems=error.to_problems(),
            hidden={
                k: str(v)
                for k, v in raw.items()
                if k in public_service.capture_targets(version.doc).values()
            },
            embed=item.embed,
            idempotency_key=key or secrets.token_urlsafe(16),
        )
        raise _Answered(
            HTMLResponse(html, status_code=422, headers=_cors_headers(origin))
        ) from error
    if isinstance(checked, public_service.Outcome):  # a replayed idempotency key
        return _stored(version.doc, checked, item, origin)
    return _Checked(item, version.doc, origin, checked)


def _stored(
    doc: Mapping[str, Any], outcome: public_service.Outcome, item: _Item, origin: str | None
) -> Response:
    status = "duplicate" if outcome.replayed else outcome.outcome
    return _success(doc, outcome.record_id, status, item, origin)


def _fill_referrer(request: Request, doc: Mapping[str, Any], raw: dict[str, Any]) -> None:
    target = public_service.capture_targets(doc).get("referrer")
    if target and not raw.get(target):
        referer = request.headers.get("referer", "")
        if referer:
            raw[target] = referer[:500]


def _success(
    doc: Mapping[str, Any], record_id: int | None, outcome: str, item: _Item, origin: str | None
) -> Response:
    if item.wants_json:
        return JSONResponse(
            {"id": record_id, "outcome": outcome}, status_code=201, headers=_cors_headers(origin)
        )
    return HTMLResponse(
        render.render_thanks(doc, locale=item.locale, embed=item.embed),
        headers=_cors_headers(origin),
    )
