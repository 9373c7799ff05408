"""Runtime-only app: public forms, records API, people, login, pages (no builder). Shell."""

from __future__ import annotations

import logging

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from runtime.actions.base import bind_settings
from runtime.auth import api as auth_api
from runtime.automation import api as automation_api
from runtime.automation import hooks as automation_hooks
from runtime.automation import incidents_api, runlog_api
from runtime.automation import tracking_api as email_tracking
from runtime.db.engine import (
    WalCheckpointer,
    make_engine,
    make_loop_engine,
    make_session_factory,
)
from runtime.files import api as files_api
from runtime.flows import api as instances_api
from runtime.forms import public_api
from runtime.http import errors, ops
from runtime.http.ratelimit import RateLimiter
from runtime.org import api as org_api
from runtime.pages import api as pages_api
from runtime.pages import runs as run_pages
from runtime.pages import todo as todo_page
from runtime.records import api as records_api
from runtime.settings import ROOT, Settings
from runtime.tasks import api as tasks_api

log = logging.getLogger(__name__)


def configure(app: FastAPI, settings: Settings) -> None:
    """Attach state, error handlers, middleware and the runtime routers to `app`."""
    engine = make_engine(settings.database_url)
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    # Actions run by a request (an operator's retry, a manual start) read the server's settings.
    bind_settings(app.state.session_factory, settings)
    loop_engine = make_loop_engine(settings.database_url)
    app.state.loop_session_factory = loop_engine and make_session_factory(loop_engine)
    if app.state.loop_session_factory is not None:
        bind_settings(app.state.loop_session_factory, settings)
    app.state.wal_checkpointer = loop_engine and WalCheckpointer(settings.database_url)
    app.state.rate_limiter = RateLimiter()
    app.state.metrics = ops.Metrics()
    errors.install(app)
    app.add_middleware(public_api.SubmitLane)  # inside the metrics: its requests are timed
    app.add_middleware(ops.MetricsMiddleware)
    app.mount("/static", StaticFiles(directory=ROOT / "static"), name="static")
    # The public form routes come first: routes are matched in order, and the public submit is
    # the busiest path.
    for router in (
        public_api.router,
        ops.router,
        auth_api.router,
        org_api.router,
        records_api.router,
        files_api.router,
        tasks_api.router,
        instances_api.router,
        automation_api.router,
        automation_api.assignment_router,
        automation_api.events_router,
        automation_hooks.router,
        incidents_api.router,
        runlog_api.router,
        email_tracking.router,
        pages_api.router,
        run_pages.router,
        todo_page.router,
    ):
        app.include_router(router)

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Formwork API",
            swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    app = FastAPI(title="Formwork runtime", version="0.1.0", docs_url=None, redoc_url=None)
    configure(app, settings)
    return app
