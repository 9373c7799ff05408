"""In-process sliding-window rate limits keyed by (bucket, client). Shell.

Per process: with N servers behind a proxy the effective limit is N × the configured one;
docs/deploy.md says so. A shared limiter (Redis) comes with the scale-out work.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from functools import cache
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network

from starlette.requests import Request

from runtime.errors import TooManyRequests


class RateLimiter:
    def __init__(self, max_keys: int = 100_000) -> None:
        self._hits: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()
        self._max_keys = max_keys

    def hit(self, bucket: str, client: str, *, limit: int, window: float = 60.0) -> None:
        """Count one hit; raise `TooManyRequests` when `limit` hits fall inside `window`."""
        now = time.monotonic()
        with self._lock:
            if len(self._hits) > self._max_keys:
                self._hits.clear()  # bounded memory under a flood of distinct clients
            hits = self._hits.setdefault((bucket, client), deque())
            while hits and hits[0] <= now - window:
                hits.popleft()
            if len(hits) >= limit:
                retry = max(1, int(hits[0] + window - now) + 1)
                raise TooManyRequests("rate_limited", "Too many requests; try again later.", retry)
            hits.append(now)

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()


def client_ip(request: Request, trusted_proxies: tuple[str, ...]) -> str:
    """The caller's address; X-Forwarded-For is believed only from a trusted proxy."""
    peer = request.client.host if request.client else "unknown"
    if not trusted_proxies or not _is_trusted(peer, trusted_proxies):
        return peer
    forwarded = request.headers.get("x-forwarded-for", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    # Walk from the nearest hop back; the first untrusted address is the client.
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted_proxies):
            return hop
    return hops[0] if hops else peer


def _is_trusted(address: str, trusted: tuple[str, ...]) -> bool:
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in _networks(trusted))


@cache
def _networks(trusted: tuple[str, ...]) -> tuple[IPv4Network | IPv6Network, ...]:
    """Parsed once per setting: parsing them per request cost ~4 % of a public submit."""
    return tuple(ip_network(net, strict=False) for net in trusted)
