"""A real `formwork serve` runs automations in-process: a public lead is routed and notified."""

from __future__ import annotations

import time

import httpx

from tests.browser.kit import serve


def test_a_public_lead_is_routed_by_the_server_in_the_background(tmp_path):
    with serve(tmp_path, browser=False) as served:
        admin = {"Authorization": f"Bearer {served.admin_key}"}
        # The shipped lead routing (crm/lead_routing) is live after `formwork init`.
        wang_key = served.run("apikey", "create", "--user", "wang").split()[-1]
        wang = {"Authorization": f"Bearer {wang_key}"}

        lead = {"name": "冯七", "company": "长城咨询", "phone": "13900005555", "city": "北京"}
        created = httpx.post(f"{served.base}/f/crm/lead", json=lead, timeout=10)
        assert created.status_code == 201, created.text
        record_id = created.json()["id"]

        # Nobody calls anything: the server's background loop handles the event.
        deadline = time.monotonic() + 15
        titles: list[str] = []
        while time.monotonic() < deadline and not titles:
            found = httpx.get(f"{served.base}/api/notifications", headers=wang, timeout=5).json()
            titles = [n["title"] for n in found["items"] if n["record_id"] == record_id]
            time.sleep(0.1)
        assert titles == ["新线索：长城咨询"]
        record = httpx.get(
            f"{served.base}/api/apps/crm/forms/lead/records/{record_id}", headers=admin, timeout=5
        ).json()
        assert record["data"]["owner"] == "wang"
