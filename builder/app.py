"""The full app: runtime routers plus the builder's (definitions, palette). Shell."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from builder import flow_pages
from builder import pages as builder_pages
from builder.api import definitions
from builder.api import flows as flow_api
from builder.api import formula as formula_api
from builder.palette import palette
from runtime.app import configure
from runtime.automation.loop import BackgroundLoop
from runtime.automation.outbox import Outbound
from runtime.automation.queue import Kicker
from runtime.files.service import Collector
from runtime.http.deps import CurrentUser
from runtime.settings import Settings


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """With `settings.background`, the dispatcher and timer loop run in a thread of the server;
    with a broker instead, a thread hands what commits made ready to the Celery workers."""
    settings: Settings = app.state.settings
    loop: BackgroundLoop | Kicker | None = None
    if settings.broker_url:  # never both: with a broker the workers do the work
        from runtime.automation import worker

        loop = worker.start_kicker(settings, app.state.session_factory)
        app.state.background = loop
    elif settings.background:
        loop = BackgroundLoop(
            app.state.session_factory,
            outbound=Outbound.of(settings),
            files=Collector(app.state.session_factory, settings.files_dir),
        )
        loop.start()
        app.state.background = loop
    try:
        yield
    finally:
        if loop is not None:
            loop.stop()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    app = FastAPI(
        title="Formwork", version="0.1.0", docs_url=None, redoc_url=None, lifespan=_lifespan
    )
    configure(app, settings)
    app.include_router(definitions.router)
    app.include_router(flow_api.router)
    app.include_router(formula_api.router)
    app.include_router(builder_pages.api_router)
    app.include_router(builder_pages.router)
    app.include_router(flow_pages.router)

    @app.get("/api/palette", tags=["definitions"])
    def get_palette(_user: CurrentUser) -> dict[str, Any]:
        return palette()

    _settle_heap()
    return app


def _settle_heap() -> None:
    """Move start-up objects out of the cyclic GC's way.

    Everything built so far (routes, registries, compiled schemas, SQLAlchemy's caches) lives for
    the whole process; freezing it keeps full collections from walking it on every request burst.
    """
    gc.collect()
    gc.freeze()
