"""Rate limits and the client address behind trusted proxies."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from runtime.errors import TooManyRequests
from runtime.http.ratelimit import RateLimiter, client_ip


def request_from(peer: str, forwarded: str | None = None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return Request({"type": "http", "client": (peer, 1234), "headers": headers})


def test_forwarded_for_is_ignored_without_trusted_proxies():
    assert client_ip(request_from("203.0.113.9", "1.2.3.4"), ()) == "203.0.113.9"


def test_forwarded_for_is_ignored_from_an_untrusted_peer():
    assert client_ip(request_from("203.0.113.9", "1.2.3.4"), ("10.0.0.0/8",)) == "203.0.113.9"


def test_the_first_untrusted_hop_from_the_right_is_the_client():
    request = request_from("10.0.0.2", "6.6.6.6, 198.51.100.7, 10.0.0.5")
    # 6.6.6.6 was written by the client itself and is not believed
    assert client_ip(request, ("10.0.0.0/8",)) == "198.51.100.7"


def test_limit_counts_per_client_and_bucket():
    limiter = RateLimiter()
    for _ in range(3):
        limiter.hit("public:crm/lead", "a", limit=3)
    with pytest.raises(TooManyRequests) as raised:
        limiter.hit("public:crm/lead", "a", limit=3)
    assert raised.value.retry_after >= 1
    limiter.hit("public:crm/lead", "b", limit=3)
    limiter.hit("login", "a", limit=3)
