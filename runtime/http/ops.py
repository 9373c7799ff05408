"""Operations endpoints: health and Prometheus metrics. Shell."""

from __future__ import annotations

import threading
import time
from collections import defaultdict

from fastapi import APIRouter, Request, Response
from sqlalchemy import text
from starlette.types import ASGIApp, Message, Receive, Scope, Send

router = APIRouter(tags=["operations"])

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, float("inf"))


class Metrics:
    """Request counts and latency histograms per route template, kept in process."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: dict[tuple[str, str, int], int] = defaultdict(int)
        self.buckets: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * len(BUCKETS))
        self.sums: dict[tuple[str, str], float] = defaultdict(float)
        self.totals: dict[str, tuple[str, int]] = {}  # other counters: name → (help, value)

    def add(self, name: str, amount: int, *, help_text: str) -> None:
        """Add to a plain counter (`formwork_…_total`)."""
        with self.lock:
            self.totals[name] = (help_text, self.totals.get(name, ("", 0))[1] + amount)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        with self.lock:
            self.counts[(method, route, status)] += 1
            self.sums[(method, route)] += seconds
            hist = self.buckets[(method, route)]
            for i, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    hist[i] += 1

    def render(self) -> str:
        lines = [
            "# HELP formwork_http_requests_total HTTP requests by route and status.",
            "# TYPE formwork_http_requests_total counter",
        ]
        with self.lock:
            for (method, route, status), n in sorted(self.counts.items()):
                lines.append(
                    f'formwork_http_requests_total{{method="{method}",route="{route}",'
                    f'status="{status}"}} {n}'
                )
            lines += [
                "# HELP formwork_http_request_seconds Request latency.",
                "# TYPE formwork_http_request_seconds histogram",
            ]
            for (method, route), hist in sorted(self.buckets.items()):
                labels = f'method="{method}",route="{route}"'
                for bound, n in zip(BUCKETS, hist, strict=True):
                    le = "+Inf" if bound == float("inf") else str(bound)
                    lines.append(f'formwork_http_request_seconds_bucket{{{labels},le="{le}"}} {n}')
                lines.append(
                    f"formwork_http_request_seconds_sum{{{labels}}} "
                    f"{self.sums[(method, route)]:.6f}"
                )
                lines.append(f"formwork_http_request_seconds_count{{{labels}}} {hist[-1]}")
            for name, (help_text, value) in sorted(self.totals.items()):
                lines += [f"# HELP {name} {help_text}", f"# TYPE {name} counter", f"{name} {value}"]
        return "\n".join(lines) + "\n"


class MetricsMiddleware:
    """Pure ASGI middleware timing each HTTP request by route template.

    Not a BaseHTTPMiddleware: that wraps every response in extra tasks and streams, which costs
    measurable time on the hot public-submit path.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            route = str(getattr(scope.get("route"), "path", "unmatched"))
            scope["app"].state.metrics.observe(
                scope["method"], route, status, time.perf_counter() - start
            )


@router.get("/healthz", include_in_schema=False)
def healthz(request: Request) -> dict[str, str]:
    with request.app.state.session_factory() as db:
        db.execute(text("SELECT 1"))
    return {"status": "ok"}


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    return Response(
        request.app.state.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8"
    )
