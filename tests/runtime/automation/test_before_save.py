"""Before-save rules: the shipped 赢单 guard refuses a won deal without contract amount and date."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from runtime.flows.models import FlowInstance
from tests.conftest import key_for

ROOT = Path(__file__).resolve().parents[3]
OPPORTUNITIES = "/api/apps/crm/forms/opportunity/records"


def headers(session_factory, username="north_a"):
    return {"Authorization": f"Bearer {key_for(session_factory, username)}"}


def account(client, rep) -> int:
    return client.post(
        "/api/apps/crm/forms/account/records", json={"name": "金桥集团"}, headers=rep
    ).json()["id"]


def test_a_won_deal_needs_contract_amount_and_sign_date(client, session_factory) -> None:
    rep = headers(session_factory)
    deal = {"name": "金桥项目", "account": account(client, rep), "stage": "商务谈判"}
    created = client.post(OPPORTUNITIES, json=deal, headers=rep)
    assert created.status_code == 201, created.text
    url = f"{OPPORTUNITIES}/{created.json()['id']}"

    refused = client.patch(url, json={"stage": "赢单"}, headers=rep)
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"field": "stage", "code": "blocked", "message": "赢单前请填写合同金额和签约日期。"}
    ]
    english = client.patch(url + "?lang=en", json={"stage": "赢单"}, headers=rep)
    assert english.json()["errors"][0]["message"].startswith("Fill in the contract amount")
    half = client.patch(url, json={"stage": "赢单", "contract_amount": "880000"}, headers=rep)
    assert half.status_code == 422  # the sign date is still missing
    assert client.get(url, headers=rep).json()["data"]["stage"] == "商务谈判"  # nothing saved

    won = client.patch(
        url,
        json={"stage": "赢单", "contract_amount": "880000", "sign_date": "2026-11-20"},
        headers=rep,
    )
    assert won.status_code == 200, won.text
    assert won.json()["data"]["stage"] == "赢单"


def test_creating_a_won_deal_is_checked_too_and_rules_leave_no_instances(
    client, session_factory
) -> None:
    rep = headers(session_factory)
    deal = {"name": "直接赢单", "account": account(client, rep), "stage": "赢单"}
    refused = client.post(OPPORTUNITIES, json=deal, headers=rep)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["code"] == "blocked"
    ok = client.post(
        OPPORTUNITIES,
        json={**deal, "contract_amount": "100000", "sign_date": "2026-11-21"},
        headers=rep,
    )
    assert ok.status_code == 201, ok.text
    with session_factory() as db:
        guard_runs = db.scalar(
            select(func.count(FlowInstance.id)).where(
                FlowInstance.flow_key == "opportunity_won_guard"
            )
        )
    assert guard_runs == 0  # evaluated in memory: no instance, no trace


def test_a_rule_published_later_guards_the_next_save(client, session_factory) -> None:
    # given accounts are being saved (the form's rules have been looked up and kept)
    rep = headers(session_factory)
    admin = headers(session_factory, "admin")
    first = client.post(
        "/api/apps/crm/forms/account/records", json={"name": "测试客户甲"}, headers=rep
    )
    assert first.status_code == 201, first.text
    # when an admin publishes a before-save rule on accounts
    rule = json.loads((ROOT / "flow_definitions/crm/opportunity_won_guard.json").read_text())
    rule["key"] = "account_name_guard"
    rule["form"] = "account"
    rule["trigger"] = {
        "type": "before_save",
        "condition": {"field": "name", "op": "contains", "value": "测试"},
        "on": ["create"],
    }
    rule["nodes"][1]["config"]["params"] = {
        "field": "name",
        "message": {"zh-CN": "不要用测试名称。", "en": "No test names."},
    }
    url = "/api/apps/crm/flows/account_name_guard"
    assert client.put(url, json=rule, headers=admin).status_code in (200, 201)
    published = client.post(url + "/publish", headers=admin)
    assert published.status_code in (200, 201), published.text
    # then the very next save meets it, and other names still pass
    refused = client.post(
        "/api/apps/crm/forms/account/records", json={"name": "测试客户乙"}, headers=rep
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["message"] == "不要用测试名称。"
    ok = client.post("/api/apps/crm/forms/account/records", json={"name": "金桥"}, headers=rep)
    assert ok.status_code == 201, ok.text
