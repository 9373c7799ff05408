"""Every /api route refuses anonymous callers."""

from __future__ import annotations

import re


def test_every_api_route_requires_authentication(app, client):
    spec = app.openapi()
    checked = 0
    for template, item in spec["paths"].items():
        if not template.startswith("/api/"):
            continue
        path = re.sub(r"{[a-z_]+}", lambda m: "1" if m[0].endswith("id}") else "crm", template)
        for method in item:
            response = client.request(method.upper(), path, json={})
            assert response.status_code == 401, (method, path, response.status_code)
            assert response.json()["errors"][0]["code"] == "login_required"
            checked += 1
    assert checked >= 20
