"""On leave: new work goes to the backup, open work moves to them, and back again."""

from __future__ import annotations

from tests.conftest import key_for
from tests.runtime.records.test_records_in_flow import headers_for, small_quote


def big_quote(client, rep) -> dict:
    """Over 500,000 at a deep discount: it goes to zhao."""
    return small_quote(client, rep, discount="0.7", unit_price="900000", product="旗舰版")


def open_tasks(client, session_factory, username: str) -> list[dict]:
    headers = {"Authorization": f"Bearer {key_for(session_factory, username)}"}
    return client.get("/api/tasks", headers=headers).json()["items"]


def test_zhaos_approvals_go_to_qian_while_he_is_away(client, session_factory, admin_headers):
    rep = headers_for(session_factory, "north_a")
    waiting = big_quote(client, rep)  # goes to zhao
    assert any(
        t["record"]["id"] == waiting["id"] for t in open_tasks(client, session_factory, "zhao")
    )

    away = client.patch(
        "/api/users/zhao", json={"on_leave": True, "backup": "qian"}, headers=admin_headers
    )
    assert away.status_code == 200, away.text
    assert (away.json()["user"]["on_leave"], away.json()["user"]["backup"]) == (True, "qian")
    assert len(away.json()["moved_tasks"]) == 1
    qian = open_tasks(client, session_factory, "qian")
    assert any(t["record"]["id"] == waiting["id"] for t in qian)  # open work moved
    assert open_tasks(client, session_factory, "zhao") == []

    new = big_quote(client, rep)  # new work: straight to the backup
    assert any(t["record"]["id"] == new["id"] for t in open_tasks(client, session_factory, "qian"))

    back = client.patch("/api/users/zhao", json={"on_leave": False}, headers=admin_headers)
    assert back.status_code == 200
    after = big_quote(client, rep)
    assert any(
        t["record"]["id"] == after["id"] for t in open_tasks(client, session_factory, "zhao")
    )


def test_availability_is_checked(client, session_factory, admin_headers, rep_headers):
    url = "/api/users/zhao"
    assert (
        client.patch(
            url, json={"on_leave": True, "backup": "zhao"}, headers=admin_headers
        ).status_code
        == 422
    )
    assert (
        client.patch(
            url, json={"on_leave": True, "backup": "nobody"}, headers=admin_headers
        ).status_code
        == 404
    )
    assert (
        client.patch(url, json={"on_leave": True, "extra": 1}, headers=admin_headers).status_code
        == 422
    )
    assert client.patch(url, json={"on_leave": True}, headers=rep_headers).status_code == 403
