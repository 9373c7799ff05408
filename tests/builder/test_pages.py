"""Builder pages: the shell, the form designer page and the draft preview (builder/pages.py)."""

from __future__ import annotations

import json
import re

VISIT = {
    "format": 1,
    "key": "visit_log",
    "title": {"zh-CN": "拜访记录", "en": "Visit log"},
    "fields": [
        {"key": "company", "type": "text", "label": {"zh-CN": "公司", "en": "Company"}},
        {
            "key": "channel",
            "type": "select",
            "label": {"zh-CN": "渠道", "en": "Channel"},
            "config": {"options": [{"value": "电话"}, {"value": "上门"}]},
        },
    ],
}


def _boot(html: str) -> dict:
    match = re.search(
        r'<script type="application/json" id="fw-form-designer-boot">(.*?)</script>', html, re.S
    )
    assert match, "the designer page carries its boot data"
    return json.loads(match.group(1))


def test_builder_sends_anonymous_callers_to_login(client):
    response = client.get("/builder", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/builder"
    designer = client.get("/builder/crm/forms/lead", follow_redirects=False)
    assert designer.headers["location"] == "/login?next=/builder/crm/forms/lead"


def test_builder_is_for_admins_only(client, rep_headers):
    response = client.get("/builder", headers=rep_headers)
    assert response.status_code == 403
    assert 'data-problem-code="admin_only"' in response.text
    assert client.get("/builder/crm/forms/lead", headers=rep_headers).status_code == 403


def test_builder_lists_forms_and_flows_with_their_status(client, admin_headers):
    # given a draft of a new form next to the shipped, published ones
    saved = client.put("/api/apps/crm/forms/visit_log", json=VISIT, headers=admin_headers)
    assert saved.status_code == 200, saved.text
    # when
    response = client.get("/builder?lang=en", headers=admin_headers)
    # then
    assert response.status_code == 200
    html = response.text
    lead = re.search(r'<li data-definition="forms/lead">(.*?)</li>', html, re.S)
    assert lead
    assert "published v1" in lead.group(1)
    assert "draft" not in lead.group(1)
    visit = re.search(r'<li data-definition="forms/visit_log">(.*?)</li>', html, re.S)
    assert visit
    assert "draft" in visit.group(1)
    assert "published" not in visit.group(1)
    assert 'href="/builder/crm/forms/visit_log"' in html
    assert 'data-definition="flows/quote_approval"' in html
    assert 'href="/builder/crm/flows/quote_approval"' in html
    assert 'href="/api/apps/crm/export"' in html


def test_designer_page_opens_the_draft_or_the_published_form(client, admin_headers):
    boot = _boot(client.get("/builder/crm/forms/lead", headers=admin_headers).text)
    assert boot["app"] == "crm"
    assert boot["key"] == "lead"
    assert boot["is_new"] is False
    assert boot["version"] == 1
    assert boot["has_draft"] is False
    assert "phone" in [f["key"] for f in boot["definition"]["fields"]]
    assert "lead" in [f["key"] for f in boot["forms"]]


def test_designer_page_opens_an_empty_form_for_a_new_key(client, admin_headers):
    page = client.get("/builder/crm/forms/visit_log?title=拜访记录", headers=admin_headers)
    boot = _boot(page.text)
    assert boot["is_new"] is True
    assert boot["version"] is None
    assert boot["definition"] == {
        "format": 1,
        "key": "visit_log",
        "title": {"zh-CN": "拜访记录", "en": "拜访记录"},
        "fields": [],
    }
    # nothing is stored by opening it
    missing = client.get("/api/apps/crm/forms/visit_log", headers=admin_headers)
    assert missing.status_code == 404


def test_designer_page_escapes_user_text_in_its_boot_data(client, admin_headers):
    page = client.get("/builder/crm/forms/x_form?title=</script><b>", headers=admin_headers)
    assert "</script><b>" not in page.text
    assert _boot(page.text)["definition"]["title"]["en"] == "</script><b>"


def test_designer_page_answers_bad_input_with_4xx(client, admin_headers):
    assert client.get("/builder/nope/forms/lead", headers=admin_headers).status_code == 404
    bad = client.get("/builder/crm/forms/Bad-Key", headers=admin_headers)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["code"]


def test_preview_renders_a_draft_without_storing_it(client, admin_headers):
    response = client.post(
        "/api/apps/crm/forms/visit_log/preview?lang=en", json=VISIT, headers=admin_headers
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert "Company" in response.text
    assert "Channel" in response.text
    assert 'name="company"' in response.text
    assert client.get("/api/apps/crm/forms/visit_log", headers=admin_headers).status_code == 404


def test_preview_answers_problems_with_pointers(client, admin_headers):
    bad = json.loads(json.dumps(VISIT))
    bad["fields"][1]["config"] = {}
    bad["fields"].append(dict(bad["fields"][0]))
    response = client.post("/api/apps/crm/forms/visit_log/preview", json=bad, headers=admin_headers)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert "duplicate_field_key" in {e["code"] for e in errors}
    assert any(e.get("pointer", "").startswith("/fields/1/config") for e in errors)


def test_preview_refuses_non_objects_and_non_admins(client, admin_headers, rep_headers):
    for body in ([], "text", 3):
        response = client.post(
            "/api/apps/crm/forms/visit_log/preview", json=body, headers=admin_headers
        )
        assert response.status_code == 422, body
        assert response.json()["errors"]
    denied = client.post("/api/apps/crm/forms/visit_log/preview", json=VISIT, headers=rep_headers)
    assert denied.status_code == 403
    unknown = client.post(
        "/api/apps/nope/forms/visit_log/preview", json=VISIT, headers=admin_headers
    )
    assert unknown.status_code == 404
