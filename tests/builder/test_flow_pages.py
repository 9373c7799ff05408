"""The flow designer page (builder/flow_pages.py) and the flow part of the palette."""

from __future__ import annotations

import json
import re

import pytest


def _boot(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="fd-boot">(.*?)</script>', html, re.S)
    assert match, "the designer page carries its boot data"
    return json.loads(match.group(1))


def test_the_designer_sends_anonymous_callers_to_login(client):
    response = client.get("/builder/crm/flows/quote_approval", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/builder/crm/flows/quote_approval"


def test_the_designer_boots_with_the_flow_its_form_fields_and_the_node_palette(
    client, admin_headers
):
    response = client.get("/builder/crm/flows/quote_approval?lang=en", headers=admin_headers)
    assert response.status_code == 200
    html = response.text
    assert "/static/js/flow-designer/index.js" in html
    assert "/static/css/flow-designer.css" in html
    assert "published v1" in html
    boot = _boot(html)
    assert boot["app"] == "crm"
    assert boot["key"] == "quote_approval"
    assert boot["can_edit"] is True
    assert boot["published_version"] == 1
    assert boot["definition"]["key"] == "quote_approval"
    assert {n["id"] for n in boot["definition"]["nodes"]} >= {"start", "route", "director"}
    fields = {f["key"]: f for f in boot["fields"]}
    assert fields["total"]["type"] == "formula"
    assert [o["value"] for o in fields["status"]["options"]][:2] == ["草稿", "审批中"]
    nodes = {n["key"]: n for n in boot["palette"]["nodes"]}
    assert nodes["approval"]["ports"] == ["approved", "rejected"]
    assert nodes["end"]["ports"] == []
    assert "approvers" in nodes["approval"]["config_schema"]["properties"]
    assert "notify" in {a["key"] for a in boot["palette"]["actions"]}
    assert "record_created" in {t["key"] for t in boot["palette"]["triggers"]}


def test_the_designer_shows_the_draft_when_there_is_one(client, admin_headers):
    doc = client.get("/api/apps/crm/flows/quote_approval", headers=admin_headers).json()
    draft = doc["definition"]
    draft["nodes"][0]["position"] = {"x": 40, "y": 160}
    saved = client.put("/api/apps/crm/flows/quote_approval", json=draft, headers=admin_headers)
    assert saved.status_code == 200, saved.text
    html = client.get("/builder/crm/flows/quote_approval", headers=admin_headers).text
    boot = _boot(html)
    assert boot["status"] == "draft"
    assert boot["definition"]["nodes"][0]["position"] == {"x": 40, "y": 160}
    assert boot["published_version"] == 1


def test_an_unknown_key_opens_a_new_flow_on_the_form_asked_for(client, admin_headers):
    url = "/builder/crm/flows/lead_welcome?form=lead&title=%E6%AC%A2%E8%BF%8E"
    boot = _boot(client.get(url, headers=admin_headers).text)
    assert boot["status"] == "new"
    assert boot["published_version"] is None
    definition = boot["definition"]
    assert definition["form"] == "lead"
    assert definition["title"] == {"zh-CN": "欢迎", "en": "欢迎"}
    assert [n["type"] for n in definition["nodes"]] == ["start", "end"]
    assert definition["edges"] == []
    assert any(f["key"] == "company" for f in boot["fields"])


@pytest.mark.parametrize(
    "url",
    [
        "/builder/crm/flows/lead_welcome?form=nope",
        "/builder/nope/flows/quote_approval",
    ],
)
def test_an_unknown_form_or_app_is_404_with_problems(client, admin_headers, url):
    response = client.get(url, headers=admin_headers)
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"]


def test_bad_path_or_query_is_422_not_500(client, admin_headers):
    response = client.get("/builder/crm/flows/quote_approval?form=Bad-Form", headers=admin_headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"]


def test_a_non_admin_gets_the_builders_403_page_like_the_shell(client, rep_headers):
    # One rule for the whole /builder area (decision 0011): admins only.
    for url in ("/builder", "/builder/crm/flows/quote_approval", "/builder/crm/flows/brand_new"):
        response = client.get(url, headers=rep_headers)
        assert response.status_code == 403, url
        assert 'data-problem-code="admin_only"' in response.text
        assert "fd-boot" not in response.text
    # Test runs stay open to every signed-in user through the API.
    run = client.post(
        "/api/apps/crm/flows/quote_approval/simulate",
        json={"record": {"total": "100", "discount": "1"}},
        headers=rep_headers,
    )
    assert run.status_code == 200, run.text


def test_the_boot_fields_carry_formula_results_and_line_item_columns(client, admin_headers):
    boot = _boot(client.get("/builder/crm/flows/quote_approval", headers=admin_headers).text)
    fields = {f["key"]: f for f in boot["fields"]}
    assert fields["total"]["result"] == "money"
    assert "result" not in fields["discount"]
    columns = {c["key"]: c for c in fields["items"]["columns"]}
    assert {"product", "quantity", "unit_price", "amount"} <= set(columns)
    assert columns["amount"]["type"] == "money"
    assert columns["amount"]["label"]["zh-CN"]
    assert "columns" not in fields["total"]


def test_the_palette_api_lists_node_action_and_trigger_types(client, admin_headers):
    palette = client.get("/api/palette", headers=admin_headers).json()
    assert {n["key"] for n in palette["nodes"]} == {
        "start",
        "end",
        "approval",
        "cc",
        "condition",
        "parallel",
        "join",
        "action",
        "wait",
        "subflow",
    }
    assert all(set(n["label"]) >= {"zh-CN", "en"} for n in palette["nodes"])
    assert {"notify", "update_fields"} <= {a["key"] for a in palette["actions"]}
    assert {"record_created", "schedule"} <= {t["key"] for t in palette["triggers"]}


def test_a_draft_saved_with_problems_boots_with_them(client, admin_headers):
    url = "/api/apps/crm/flows/quote_approval"
    doc = client.get(url, headers=admin_headers).json()["definition"]
    assert (
        _boot(client.get("/builder/crm/flows/quote_approval", headers=admin_headers).text)[
            "problems"
        ]
        == []
    )
    doc["nodes"].append(
        {"id": "cc_9", "type": "cc", "position": {"x": 0, "y": 500}, "config": {"recipients": []}}
    )
    saved = client.put(url, json=doc, headers=admin_headers)
    assert saved.status_code == 200, saved.text
    boot = _boot(client.get("/builder/crm/flows/quote_approval", headers=admin_headers).text)
    assert boot["status"] == "draft"
    index = len(doc["nodes"]) - 1
    assert {p["code"] for p in boot["problems"]} == {p["code"] for p in saved.json()["problems"]}
    assert any(p["pointer"].startswith(f"/nodes/{index}") for p in boot["problems"])
