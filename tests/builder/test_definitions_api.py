"""Definitions over HTTP: drafts, publish, versions, diff, export/import, palette."""

from __future__ import annotations

import copy

FORM = "/api/apps/crm/forms/lead"


def test_lists_apps_and_palette(client, admin_headers):
    apps = {a["key"]: a for a in client.get("/api/apps", headers=admin_headers).json()["items"]}
    assert {"crm", "expense"} <= set(apps)
    assert "lead" in apps["crm"]["forms"]
    palette = client.get("/api/palette", headers=admin_headers).json()
    keys = {entry["key"] for entry in palette["fields"]}
    assert {"text", "money", "phone", "line_items", "serial", "region"} <= keys


def test_draft_publish_versions_and_diff(client, admin_headers):
    doc = client.get(FORM, headers=admin_headers).json()["definition"]
    changed = copy.deepcopy(doc)
    changed["fields"].append(
        {"key": "wechat", "type": "text", "label": {"zh-CN": "微信", "en": "WeChat"}}
    )
    if changed.get("layout"):
        changed["layout"][0]["items"].append("wechat")
    saved = client.put(FORM, json=changed, headers=admin_headers)
    assert saved.status_code == 200, saved.text
    assert saved.json()["status"] == "draft"
    published = client.post(f"{FORM}/publish", headers=admin_headers)
    assert published.status_code == 200, published.text
    assert published.json()["version"] == 2
    versions = client.get(f"{FORM}/versions", headers=admin_headers).json()["items"]
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[1]["summary"].startswith("fields +1")
    # v1 came with the shipped app (nobody); v2 was published by the admin's API key.
    assert [v["created_by"] for v in versions] == [None, "admin"]
    diff = client.get(f"{FORM}/diff", params={"from": 1, "to": 2}, headers=admin_headers).json()
    assert diff["diff"]["fields"]["added"] == ["wechat"]
    old = client.get(f"{FORM}/versions/1", headers=admin_headers).json()["definition"]
    assert "wechat" not in [f["key"] for f in old["fields"]]


def test_invalid_definition_is_422_with_pointers(client, admin_headers):
    doc = client.get(FORM, headers=admin_headers).json()["definition"]
    bad = copy.deepcopy(doc)
    bad["fields"][0]["type"] = "teleporter"
    bad["fields"].append(copy.deepcopy(bad["fields"][1]))
    response = client.put(FORM, json=bad, headers=admin_headers)
    assert response.status_code == 422
    pointers = {e.get("pointer") for e in response.json()["errors"]}
    assert "/fields/0/type" in pointers
    codes = {e["code"] for e in response.json()["errors"]}
    assert "duplicate_field_key" in codes


def test_records_remember_their_form_version(client, admin_headers):
    first = client.post(
        "/api/apps/crm/forms/lead/records",
        json={"name": "甲", "company": "甲公司", "phone": "13800138003"},
        headers=admin_headers,
    ).json()
    doc = client.get(FORM, headers=admin_headers).json()["definition"]
    doc["description"] = {"zh-CN": "新版", "en": "new"}
    client.put(FORM, json=doc, headers=admin_headers)
    client.post(f"{FORM}/publish", headers=admin_headers)
    second = client.post(
        "/api/apps/crm/forms/lead/records",
        json={"name": "乙", "company": "乙公司", "phone": "13800138004"},
        headers=admin_headers,
    ).json()
    assert (first["form_version"], second["form_version"]) == (1, 2)


def test_export_import_round_trip(client, admin_headers):
    exported = client.get("/api/apps/expense/export", headers=admin_headers).json()
    assert exported["app"]["key"] == "expense"
    response = client.post("/api/apps/import", json=exported, headers=admin_headers)
    assert response.status_code == 201
    assert response.json()["published"] == []
    assert client.get("/api/apps/expense/export", headers=admin_headers).json() == exported


def test_non_admin_cannot_change_definitions(client, rep_headers):
    doc = client.get(FORM, headers=rep_headers).json()["definition"]
    assert client.put(FORM, json=doc, headers=rep_headers).status_code == 403


def test_unsupported_kind_is_a_clear_422(client, admin_headers):
    response = client.put("/api/apps/crm/reports/x", json={"key": "x"}, headers=admin_headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "unsupported_kind"


def test_shipped_flows_are_published_and_validated(client, admin_headers):
    apps = {a["key"]: a for a in client.get("/api/apps", headers=admin_headers).json()["items"]}
    assert apps["crm"]["flows"] == [
        "contract_approval",
        "contract_renewal",
        "customer_birthday",
        "followup_activity",
        "lead_behaviour_scoring",
        "lead_conversion",
        "lead_mql",
        "lead_nurture",
        "lead_nurture_exit",
        "lead_nurture_mql_exit",
        "lead_routing",
        "lead_score_decay",
        "lead_scoring",
        "lead_sla_escalate",
        "lead_sla_idle",
        "lead_sla_remind",
        "lead_sla_untouched",
        "opportunity_idle",
        "opportunity_stage_rules",
        "opportunity_won_guard",
        "quote_approval",
        "quote_draft_approval",
    ]
    assert apps["expense"]["flows"] == ["expense_approval"]
    flow = client.get("/api/apps/crm/flows/quote_approval", headers=admin_headers).json()
    doc = flow["definition"]
    doc["edges"].append({"id": "dangling", "from": "start", "to": "nowhere"})
    doc["form"] = "nope"
    response = client.put("/api/apps/crm/flows/quote_approval", json=doc, headers=admin_headers)
    assert response.status_code == 422
    found = {(e["code"], e["pointer"]) for e in response.json()["errors"]}
    assert ("unknown_form", "/form") in found
    assert any(code == "dangling_edge" for code, _ in found)


def test_duplicate_makes_a_draft_and_delete_is_refused_while_in_use(
    client, admin_headers, rep_headers
):
    base = "/api/apps/crm"
    copied = client.post(
        f"{base}/forms/followup/duplicate", json={"key": "visit_note"}, headers=admin_headers
    )
    assert copied.status_code == 201, copied.text
    assert copied.json()["status"] == "draft"
    assert copied.json()["definition"]["key"] == "visit_note"
    again = client.post(
        f"{base}/forms/followup/duplicate", json={"key": "visit_note"}, headers=admin_headers
    )
    assert (again.status_code, again.json()["errors"][0]["code"]) == (409, "key_taken")
    bad = client.post(
        f"{base}/forms/followup/duplicate", json={"key": "Bad Key"}, headers=admin_headers
    )
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "key")
    # A form that flows route and records fill cannot go; the unused copy can.
    refused = client.delete(f"{base}/forms/lead", headers=admin_headers)
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["code"] == "in_use"
    assert "flow lead_routing" in refused.json()["errors"][0]["message"]
    assert client.delete(f"{base}/forms/visit_note", headers=rep_headers).status_code == 403
    assert client.delete(f"{base}/forms/visit_note", headers=admin_headers).status_code == 204
    assert client.get(f"{base}/forms/visit_note", headers=admin_headers).status_code == 404
    assert client.delete(f"{base}/forms/visit_note", headers=admin_headers).status_code == 404


def test_a_flow_that_ran_is_kept_and_a_flow_never_run_can_go(
    client, admin_headers, session_factory
):
    from tests.runtime.records.test_records_in_flow import headers_for, small_quote

    base = "/api/apps/crm/flows"
    copied = client.post(
        f"{base}/lead_routing/duplicate", json={"key": "lead_routing_copy"}, headers=admin_headers
    )
    assert copied.status_code == 201, copied.text
    published = client.post(f"{base}/lead_routing_copy/publish", headers=admin_headers)
    assert published.status_code == 200, published.text
    lead = client.post(
        "/api/apps/crm/forms/lead/records",
        json={"name": "删测", "company": "删除测试公司", "phone": "13955550000"},
        headers=admin_headers,
    )
    assert lead.status_code == 201
    # The copy has not run (automations run in the background pass): it can be deleted.
    assert client.delete(f"{base}/lead_routing_copy", headers=admin_headers).status_code == 204
    # A quote a rep saves starts the quote approval: that flow has a history now and stays.
    small_quote(client, headers_for(session_factory, "north_a"))
    kept = client.delete(f"{base}/quote_approval", headers=admin_headers)
    assert kept.status_code == 409
    assert "1 run(s)" in kept.json()["errors"][0]["message"]
    assert client.get(f"{base}/quote_approval", headers=admin_headers).status_code == 200
