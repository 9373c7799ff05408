"""Login sessions with CSRF, API keys, and admin-only endpoints."""

from __future__ import annotations

from tests.conftest import PASSWORD


def login(client, username="admin", password=PASSWORD):
    return client.post(
        "/login", data={"username": username, "password": password}, follow_redirects=False
    )


def test_login_sets_session_and_csrf_cookies(client):
    response = login(client)
    assert response.status_code == 303
    assert "fw_session" in response.cookies
    assert "fw_csrf" in response.cookies
    assert client.get("/api/me").json()["username"] == "admin"


def test_wrong_password_is_refused(client):
    response = login(client, password="wrong-password")
    assert response.status_code == 401
    assert client.get("/api/me").status_code == 401


def test_cookie_writes_need_the_csrf_header(client):
    login(client)
    body = {"name": "赵六", "company": "六合贸易", "phone": "13800138002"}
    refused = client.post("/api/apps/crm/forms/lead/records", json=body)
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["code"] == "csrf_failed"
    csrf = client.cookies.get("fw_csrf")
    accepted = client.post(
        "/api/apps/crm/forms/lead/records", json=body, headers={"X-CSRF-Token": csrf}
    )
    assert accepted.status_code == 201, accepted.text


def test_non_admin_cannot_create_users(client, rep_headers, admin_headers):
    body = {"username": "newbie", "password": "long-enough-1"}
    assert client.post("/api/users", json=body, headers=rep_headers).status_code == 403
    created = client.post("/api/users", json=body, headers=admin_headers)
    assert created.status_code == 201
    again = client.post("/api/users", json=body, headers=admin_headers)
    assert again.status_code == 409


def test_sample_organisation_is_loaded(client, admin_headers):
    departments = {
        d["code"]: d for d in client.get("/api/departments", headers=admin_headers).json()["items"]
    }
    assert departments["north"]["head"] == "wang"
    assert departments["north"]["parent"] == "sales"
    assert departments["sales"]["head"] == "zhao"
    roles = {
        r["key"]: r["members"]
        for r in client.get("/api/roles", headers=admin_headers).json()["items"]
    }
    assert roles["sales_director"] == ["zhao"]
    assert roles["presales"] == ["presales1", "presales2"]
    users = {
        u["username"]: u for u in client.get("/api/users", headers=admin_headers).json()["items"]
    }
    assert users["south_a"]["email"] == "south_a@example.com"


def test_manager_chain(db):
    from runtime.org import service as org

    directory = org.directory(db)
    assert directory.manager("north_a") == "wang"
    assert directory.manager("wang") == "zhao"
    assert directory.manager("qian") == "zhao"


def test_head_chain_walks_up_to_the_top(db):
    from runtime.org import service as org

    directory = org.directory(db)
    assert directory.head_chain("north_a") == ["wang", "zhao", "admin"]
    assert directory.head_chain("admin") == []


def test_the_top_bar_links_the_builder_for_admins_only(client):
    login(client)
    assert 'href="/builder"' in client.get("/").text
    client.post("/logout", headers={"X-CSRF-Token": client.cookies.get("fw_csrf", "")})
    client.cookies.clear()
    login(client, username="north_a")
    page = client.get("/")
    assert page.status_code == 200
    assert "north_a" in page.text  # logged in as the rep …
    assert 'href="/builder"' not in page.text  # … who gets no builder link
