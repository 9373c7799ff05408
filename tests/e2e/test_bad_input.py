"""Every route answers hostile input with 4xx and the error envelope, never 500."""

from __future__ import annotations

import itertools
import re

import pytest

BODIES = [
    None,
    b"",
    b"{",
    b"[]",
    b"null",
    b'"text"',
    b"123",
    b'{"data": 5}',
    b'{"name": {"$gt": ""}}',
    b'{"name": "' + b"x" * 20000 + b'"}',
    b'{"name": "\\u0000\\ud800"}',
    b'{"version": "abc", "name": 1e309}',
    b'{"fields": "nope", "key": 7}',
    b'{"username": "", "password": null}',
    '{"名字": "值", "__proto__": {"x": 1}}'.encode(),
    b"\xff\xfe\x00garbage",
]
PATH_VALUES = {
    "app": ["crm", "nope", "..%2F..", "%00"],
    "form": ["lead", "nope", "a" * 300],
    "kind": ["forms", "flows", "nope"],
    "key": ["lead", "nope"],
    "record_id": ["1", "-1", "abc", "99999999999999999999"],
    "version": ["1", "0", "x"],
    "field": ["phone", "receipts", "nope"],
    "file_id": ["nope", "00000000-0000-0000-0000-000000000000"],
    "hook": ["x"],
}
QUERIES = [
    "",
    "?filter=%7B",
    "?filter=%5B%5D",
    "?sort=-nope",
    "?limit=-5",
    "?limit=99999",
    "?cursor=%%%",
    "?cursor=WzEsMiwzXQ==",
    "?from=x&to=y",
    "?lang=xx",
]


def concrete_paths(template: str) -> list[str]:
    names = re.findall(r"{(\w+)}", template)
    choices = [PATH_VALUES.get(name, ["x"]) for name in names]
    paths = []
    for combo in itertools.product(*choices):
        path = template
        for name, value in zip(names, combo, strict=True):
            path = path.replace("{" + name + "}", value, 1)
        paths.append(path)
    return paths[:8]


def routes(app) -> list[tuple[str, str]]:
    spec = app.openapi()
    found = []
    for template, item in spec["paths"].items():
        for method in item:
            found.append((method.upper(), template))
    # Routes kept out of the OpenAPI document (public forms, pages, login) too.
    found += [
        ("GET", "/f/{app}/{form}"),
        ("POST", "/f/{app}/{form}"),
        ("OPTIONS", "/f/{app}/{form}"),
        ("GET", "/f/{app}/{form}/embed.js"),
        ("POST", "/login"),
        ("GET", "/apps/{app}/{form}"),
        ("GET", "/apps/{app}/{form}/{record_id}"),
    ]
    return found


@pytest.mark.parametrize("auth", ["none", "admin"])
def test_no_route_answers_500(app, client, auth, admin_headers):
    headers = {"none": {}, "admin": admin_headers}[auth]
    app.state.rate_limiter.hit = lambda *_args, **_kwargs: None  # the sweep is no flood test
    failures = []
    for method, template in routes(app):
        for path in concrete_paths(template):
            for query, body in zip(itertools.cycle(QUERIES), BODIES, strict=False):
                response = client.request(
                    method,
                    path + query,
                    content=body,
                    headers={**headers, "Content-Type": "application/json"},
                )
                if response.status_code >= 500:
                    failures.append(
                        (
                            method,
                            path + query,
                            body[:40] if body else body,
                            response.status_code,
                            response.text[:200],
                        )
                    )
                elif response.status_code >= 400 and response.headers.get(
                    "content-type", ""
                ).startswith("application/json"):
                    errors = response.json().get("errors")
                    if not errors or not all(
                        {"field", "code", "message"} <= set(e) for e in errors
                    ):
                        failures.append((method, path, "bad envelope", response.text[:200]))
    assert failures == []
