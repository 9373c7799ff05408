"""The flow designer's boot data for the approver pickers: the org's users and roles."""

from __future__ import annotations

import json
import re


def _boot(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="fd-boot">(.*?)</script>', html, re.S)
    assert match, "the designer page carries its boot data"
    return json.loads(match.group(1))


def test_admins_get_the_users_and_roles_to_pick_approvers_from(client, admin_headers):
    boot = _boot(client.get("/builder/crm/flows/quote_approval", headers=admin_headers).text)
    users = {u["username"]: u for u in boot["directory"]["users"]}
    roles = {r["key"]: r["name"] for r in boot["directory"]["roles"]}
    assert roles["sales_manager"] == "销售经理"
    assert roles["sales_director"] == "销售总监"
    assert users["qian"]["name"] == "钱经理"
    assert "sales_manager" in users["qian"]["roles"]
    assert "password_hash" not in users["qian"]
    assert set(users["qian"]) == {"username", "name", "roles"}
    usernames = [u["username"] for u in boot["directory"]["users"]]
    assert usernames == sorted(usernames)
    owner = next(f for f in boot["fields"] if f["key"] == "owner")
    assert owner["type"] == "user"


def test_a_non_admin_gets_no_directory(client, rep_headers):
    # The designer is admin-only (decision 0011): a non-admin gets the 403 page, no boot data.
    response = client.get("/builder/crm/flows/quote_approval", headers=rep_headers)
    assert response.status_code == 403
    assert "fd-boot" not in response.text
    assert "directory" not in response.text
