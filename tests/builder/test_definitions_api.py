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


def test_a_save_based_on_a_stale_copy_is_refused_and_loses_nothing(client, admin_headers):
    # Two designers (or two tabs) open the same form; the first saves; the second's save names
    # the revision it loaded and is refused with 409 instead of replacing the first one's work.
    loaded = client.get(FORM, headers=admin_headers).json()
    first, second = copy.deepcopy(loaded["definition"]), copy.deepcopy(loaded["definition"])
    first["title"] = {"zh-CN": "线索（甲改）", "en": "Lead (A)"}
    second["title"] = {"zh-CN": "线索（乙改）", "en": "Lead (B)"}
    base = {**admin_headers, "If-Match": loaded["revision"]}
    saved = client.put(FORM, json=first, headers=base)
    assert saved.status_code == 200, saved.text
    assert saved.json()["revision"] != loaded["revision"]

    stale = client.put(FORM, json=second, headers=base)
    assert stale.status_code == 409
    assert stale.json()["errors"][0]["code"] == "draft_changed"
    assert client.get(FORM, headers=admin_headers).json()["definition"]["title"]["en"] == "Lead (A)"

    # based on what the first one saved, the next save goes through (quoted like an ETag too)
    again = client.put(
        FORM, json=second, headers={**admin_headers, "If-Match": f'"{saved.json()["revision"]}"'}
    )
    assert again.status_code == 200, again.text
    # saving the very same document again is no conflict; without If-Match the last save wins
    same = client.put(FORM, json=second, headers=base | {"If-Match": again.json()["revision"]})
    assert same.status_code == 200
    assert client.put(FORM, json=first, headers=admin_headers).status_code == 200


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
    url = "/api/apps/crm/flows/quote_approval"
    # A half-built draft is kept with its problems; publishing it is refused with the same ones.
    response = client.put(url, json=doc, headers=admin_headers)
    assert response.status_code == 200, response.text
    found = {(e["code"], e["pointer"]) for e in response.json()["problems"]}
    assert ("unknown_form", "/form") in found
    assert any(code == "dangling_edge" for code, _ in found)
    published = client.post(f"{url}/publish", headers=admin_headers)
    assert published.status_code == 422
    assert {(e["code"], e["pointer"]) for e in published.json()["errors"]} == found


FLOW = "/api/apps/crm/flows/quote_approval"


def test_a_flow_draft_with_semantic_problems_is_saved_and_reported(client, admin_headers):
    doc = client.get(FLOW, headers=admin_headers).json()["definition"]
    notify = {"action": "notify", "params": {"to": [{"type": "submitter"}], "title": "hi"}}
    doc["nodes"].append(
        {"id": "lonely", "type": "action", "position": {"x": 0, "y": 400}, "config": notify}
    )
    branch = next(i for i, e in enumerate(doc["edges"]) if "condition" in e)
    doc["edges"][branch]["condition"] = {"all": [{"field": "no_such_field", "op": "is_empty"}]}
    saved = client.put(FLOW, json=doc, headers=admin_headers)
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert body["status"] == "draft"
    lonely = f"/nodes/{len(doc['nodes']) - 1}"
    pointers = {p["pointer"] for p in body["problems"]}
    assert lonely in pointers or any(p.startswith(f"{lonely}/") for p in pointers)
    codes = {p["code"] for p in body["problems"]}
    assert {"unreachable_node", "condition_unknown_field"} <= codes
    # The draft is what GET answers now, byte for byte what was sent.
    assert client.get(FLOW, headers=admin_headers).json()["definition"] == doc
    # Publishing refuses it; a test run runs it and lists the same problems beside the trace.
    published = client.post(f"{FLOW}/publish", headers=admin_headers)
    assert published.status_code == 422
    assert {e["code"] for e in published.json()["errors"]} == codes
    run = client.post(f"{FLOW}/simulate", json={"record": {}}, headers=admin_headers)
    assert run.status_code == 200, run.text
    assert {e["code"] for e in run.json()["problems"]} == codes
    assert "stopped" not in run.json()
    # Fixed, it saves with no problems.
    original = client.get(f"{FLOW}/versions/1", headers=admin_headers).json()["definition"]
    fixed = client.put(FLOW, json=original, headers=admin_headers)
    assert fixed.status_code == 200
    assert fixed.json()["problems"] == []


def test_a_flow_draft_whose_shape_is_wrong_is_still_refused(client, admin_headers):
    before = client.get(FLOW, headers=admin_headers).json()
    for broken in (
        {**before["definition"], "nodes": [{"id": "x", "type": "teleporter"}]},
        {**before["definition"], "edges": [{"id": "e"}]},
        {**before["definition"], "key": "someone_else"},
        ["not", "an", "object"],
    ):
        response = client.put(FLOW, json=broken, headers=admin_headers)
        assert response.status_code == 422, broken
        assert response.json()["errors"][0]["code"]
    after = client.get(FLOW, headers=admin_headers).json()
    assert after["status"] == before["status"]
    assert after["definition"] == before["definition"]


def test_a_form_draft_with_problems_is_still_refused(client, admin_headers):
    doc = client.get(FORM, headers=admin_headers).json()["definition"]
    doc["fields"].append(
        {"key": "x", "type": "text", "visible_when": {"field": "nope", "op": "is_empty"}}
    )
    response = client.put(FORM, json=doc, headers=admin_headers)
    assert response.status_code == 422


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


def test_a_flow_draft_with_problems_is_duplicated_with_them(client, admin_headers):
    doc = client.get(FLOW, headers=admin_headers).json()["definition"]
    doc["edges"].append({"id": "dangling", "from": "route", "to": "nowhere"})
    doc["nodes"].append({"id": "lonely", "type": "end", "config": {"outcome": "approved"}})
    saved = client.put(FLOW, json=doc, headers=admin_headers)
    assert saved.status_code == 200, saved.text
    codes = {p["code"] for p in saved.json()["problems"]}
    assert {"dangling_edge", "unreachable_node"} <= codes
    copied = client.post(f"{FLOW}/duplicate", json={"key": "quote_copy"}, headers=admin_headers)
    assert copied.status_code == 201, copied.text
    body = copied.json()
    assert body["status"] == "draft"
    assert {p["code"] for p in body["problems"]} == codes
    # the copy is the draft as it was, under its own key, and nothing of it is published
    stored = client.get("/api/apps/crm/flows/quote_copy", headers=admin_headers).json()
    assert stored["status"] == "draft"
    assert stored["definition"] == {**doc, "key": "quote_copy"}
    publishing = client.post("/api/apps/crm/flows/quote_copy/publish", headers=admin_headers)
    assert publishing.status_code == 422
    # a flow that validates is copied with no problems; a form still has to validate
    clean = client.post(
        "/api/apps/crm/flows/lead_routing/duplicate",
        json={"key": "routing_copy"},
        headers=admin_headers,
    )
    assert clean.status_code == 201, clean.text
    assert clean.json()["problems"] == []
    form = client.post(
        "/api/apps/crm/forms/followup/duplicate", json={"key": "note_copy"}, headers=admin_headers
    )
    assert form.status_code == 201
    assert form.json()["problems"] == []
