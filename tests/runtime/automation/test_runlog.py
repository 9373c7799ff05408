"""The run log: an automation's runs and steps, and what automations did on a record's timeline."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from sqlalchemy import select

from runtime.automation import loop, runsteps
from runtime.automation import service as dispatcher
from runtime.automation import timeline as runlog_timeline
from runtime.automation.models import OutboxItem
from runtime.automation.outbox import Outbound
from runtime.org import service as org
from runtime.records import service as records
from tests.conftest import key_for
from tests.runtime.automation.test_dispatch import automation, publish
from tests.runtime.records.test_records_in_flow import HIDING

RUNS = "/api/apps/crm/flows/{}/runs"
LEADS = "/api/apps/crm/forms/lead/records"


def now() -> datetime:
    # The public form stamps its records with the clock: handle their events after that.
    return datetime.now(UTC)


def public_lead(client, **values: Any) -> int:
    body = {"name": "吴二", "company": "京华贸易", "phone": "13900003333", **values}
    created = client.post("/f/crm/lead", json=body)
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def handle_events(session_factory) -> None:
    loop.run_once(session_factory, now=now(), outbound=Outbound(()))


def run_of(client, headers, flow: str, record_id: int) -> dict[str, Any]:
    listed = client.get(RUNS.format(flow), params={"limit": 200}, headers=headers)
    assert listed.status_code == 200, listed.text
    return next(run for run in listed.json()["items"] if run["record"]["id"] == record_id)


def unique(prefix: str) -> str:
    # Published documents are cached by their row's stamp: one key, one document.
    return f"{prefix}_{uuid4().hex[:10]}"


def test_a_public_lead_routed_shows_as_a_run_with_its_steps(
    client, session_factory, admin_headers
) -> None:
    # given a lead from the public form, in Shanghai, 800 people
    record_id = public_lead(client, city="上海", company_size=800)
    # when the automations handle its creation
    handle_events(session_factory)

    # then lead_routing lists a completed run for it, started by the creation event
    run = run_of(client, admin_headers, "lead_routing", record_id)
    assert run["status"] == "completed"
    assert run["record"] == {
        "app": "crm",
        "form": "lead",
        "id": record_id,
        "title": "吴二",
        "deleted": False,
    }
    assert run["started_by"] == "event"
    assert (run["event"]["kind"], run["event"]["depth"]) == ("record_created", 0)
    assert run["steps"] > 10
    assert run["error"] is None
    assert run["duration_ms"] >= 0

    detail = client.get(f"/api/runs/{run['id']}", headers=admin_headers)
    assert detail.status_code == 200, detail.text
    steps = detail.json()["steps"]
    assert [s["seq"] for s in steps] == list(range(1, len(steps) + 1))
    assert all(isinstance(s["ms"], int) and s["ms"] >= 0 for s in steps)
    conditions = {s["input"]["edge"]: s for s in steps if s["kind"] == "condition"}
    # the condition values it read, with each verdict
    assert conditions["route_beijing"]["input"]["values"] == {"city": "上海"}
    assert conditions["route_beijing"]["output"]["result"] is False
    assert conditions["route_shenzhen_baidu"]["input"]["values"] == {"city": "上海", "source": None}
    shanghai = conditions["route_shanghai"]
    assert shanghai["output"] == {
        "result": True,
        "default": False,
        "branch": "route_shanghai",
        "to": "shanghai_turns",
    }
    assert shanghai["label"] == {"zh-CN": "按城市和来源", "en": "By city and source"}
    assert conditions["size_ka"]["input"]["values"] == {"company_size": 800}
    # the assignment with the policy's reason
    assigned = next(
        s for s in steps if s.get("effect") == "action_done" and "assignee" in s["output"]
    )
    assert assigned["node"] == "shanghai_turns"
    assert assigned["label"]["zh-CN"] == "华东轮流分配"
    assert assigned["output"]["assignee"] in {"east_a", "east_b"}
    assert assigned["output"]["reason"]["policy"] == "round_robin"
    owner = assigned["output"]["assignee"]
    # the action's params as input, the notification as output
    asked = next(s for s in steps if s.get("effect") == "run_action" and s["node"] == "tell_owner")
    assert asked["input"]["action"] == "notify"
    assert asked["input"]["params"]["title"] == "新线索：{company}"
    told = next(s for s in steps if s.get("effect") == "action_done" and s["node"] == "tell_owner")
    assert told["output"]["notified"] == [owner]
    assert told["output"]["channels"] == ["in_app", "email"]
    assert told["output"]["title"] == "新线索：京华贸易"
    summary = [line["text"] for line in detail.json()["summary"]]
    assert "条件成立：上海（城市 = 上海）" in summary
    assert f"通知 {owner}（in_app, email）" in summary


def test_the_lead_timeline_interleaves_the_runs_with_the_audit(
    client, session_factory, admin_headers
) -> None:
    record_id = public_lead(client, city="北京", phone="13900004444")
    handle_events(session_factory)

    response = client.get(f"{LEADS}/{record_id}/timeline", headers=admin_headers)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    audit = [item for item in items if item["type"] == "audit"]
    runs = [item for item in items if item["type"] == "automation"]
    # the audit entries keep their shape
    assert {tuple(sorted(item)) for item in audit} == {
        ("actor", "at", "changes", "kind", "type", "via")
    }
    assert audit[-1]["kind"] == "created"
    routing = next(item for item in runs if item["flow"] == "lead_routing")
    assert routing["kind"] == "run"
    assert routing["flow_title"]["en"] == "Lead routing"
    assert routing["flow_version"] >= 1
    assert routing["status"] == "completed"
    assert next(c["values"] for c in routing["conditions"] if c["result"]) == {"city": "北京"}
    did = [line["text"] for line in routing["did"]]
    assert "条件成立：北京（城市 = 北京）" in did
    assert "更新 负责人 = wang" in did
    # the change that started it: the public form's creation
    assert routing["chain"][0]["kind"] == "record_created"
    assert routing["chain"][0]["via"] == "public_form"
    assert {h["flow"] for h in routing["chain"][0]["handled_by"]} >= {"lead_routing"}
    # newest first: the run comes after the creation and before the owner it set
    position = {id(item): index for index, item in enumerate(items)}
    created = next(item for item in audit if item["kind"] == "created")
    set_owner = next(item for item in audit if any(c["field"] == "owner" for c in item["changes"]))
    assert position[id(set_owner)] < position[id(routing)] < position[id(created)]


def test_a_failing_run_shows_its_error(client, session_factory, admin_headers) -> None:
    key = unique("runlog_bad_size")
    bad = automation(
        key,
        {"type": "record_created", "condition": {"field": "city", "op": "eq", "value": "无锡"}},
        {"action": "update_fields", "params": {"fields": {"company_size": "很多"}}},
    )
    with session_factory() as db:
        publish(db, bad)
        db.commit()
    record_id = public_lead(client, city="无锡", phone="13900005555")
    handle_events(session_factory)

    run = run_of(client, admin_headers, key, record_id)
    assert run["status"] == "failed"
    assert run["error"]["code"] == "action_failed"
    assert run["error"]["node"] == "a1"
    assert run["error"]["message"]
    steps = client.get(f"/api/runs/{run['id']}", headers=admin_headers).json()["steps"]
    failed = [s for s in steps if s["error"]]
    assert [s["node"] for s in failed] == ["a1"]
    assert failed[0]["error"]["message"] == run["error"]["message"]
    timeline = client.get(f"{LEADS}/{record_id}/timeline", headers=admin_headers).json()
    item = next(i for i in timeline["items"] if i.get("flow") == key)
    assert item["status"] == "failed"
    assert item["error"]["code"] == "action_failed"
    assert any(line["error"] for line in item["did"])


def test_a_refused_call_shows_the_outbox_incident_and_no_secret(
    client, session_factory, admin_headers
) -> None:
    key = unique("runlog_hook")
    hook = automation(
        key,
        {"type": "record_created", "condition": {"field": "city", "op": "eq", "value": "常州"}},
        {
            "action": "http_request",
            "params": {
                "url": "http://127.0.0.1:9/hook?token=abc",
                "headers": {"Authorization": "Bearer inside"},
                "body": {"company": "{company}"},
                "secret": "s3cret",
            },
        },
    )
    with session_factory() as db:
        publish(db, hook)
        db.commit()
    record_id = public_lead(client, city="常州", phone="13900006666")
    handle_events(session_factory)  # loopback is not allowed: refused, the node fails

    run = run_of(client, admin_headers, key, record_id)
    assert run["status"] == "failed"
    assert run["error"] is not None
    detail = client.get(f"/api/runs/{run['id']}", headers=admin_headers).json()
    [item] = detail["outbox"]
    assert item["status"] == "failed"
    assert item["error"]
    with session_factory() as db:
        stored = db.scalars(select(OutboxItem).where(OutboxItem.id == item["id"])).one()
        assert stored.instance_id == run["id"]
    asked = next(s for s in detail["steps"] if s.get("effect") == "run_action")
    params = asked["input"]["params"]
    assert params["secret"] == runsteps.REDACTED
    assert params["url"] == f"http://127.0.0.1:9/hook?{runsteps.REDACTED}"  # admin: no query
    assert params["headers"] == {"Authorization": runsteps.REDACTED}
    # someone not an admin sees the run, not where it calls
    rep = {"Authorization": f"Bearer {key_for(session_factory, 'north_a')}"}
    seen = client.get(f"/api/runs/{run['id']}", headers=rep)
    assert seen.status_code == 200
    theirs = next(s for s in seen.json()["steps"] if s.get("effect") == "run_action")
    assert theirs["input"]["params"]["url"] == runsteps.REDACTED
    assert theirs["input"]["params"]["headers"] == runsteps.REDACTED
    assert "s3cret" not in seen.text
    assert "inside" not in seen.text
    assert "s3cret" not in client.get(f"/api/runs/{run['id']}", headers=admin_headers).text


def test_a_loop_guarded_chain_shows_as_an_incident(db) -> None:
    bounce, flip = unique("runlog_bounce"), unique("runlog_flip")
    bouncing = automation(
        bounce,
        {"type": "record_updated", "fields": ["remark"]},
        {"action": "update_fields", "params": {"fields": {"remark": "x"}}},
    )
    bouncing["trigger"]["condition"] = {"field": "remark", "op": "ne", "value": "x"}
    flipping = automation(
        flip,
        {"type": "record_updated", "fields": ["remark"]},
        {"action": "update_fields", "params": {"fields": {"remark": "y"}}},
    )
    flipping["trigger"]["condition"] = {"field": "remark", "op": "eq", "value": "x"}
    publish(db, bouncing, flipping)
    form = records.load_form(db, app_key="crm", form_key="lead")
    at = now()
    record = records.create_record(
        db,
        form=form,
        raw={"name": "周一", "company": "北辰科技", "phone": "13900001111", "city": "苏州"},
        actor=None,
        now=at,
    )
    rep = org.load_user(db, username="north_a")
    records.update_record(
        db, record=record, raw={"remark": "start"}, expected_version=None, actor=rep, now=at
    )
    for _ in range(30):
        if dispatcher.dispatch(db, now=at) == 0:
            break

    admin = org.load_user(db, username="admin")
    items = runlog_timeline.record_timeline(db, record=record, viewer=admin)
    [guard] = [item for item in items if item.get("kind") == "loop_guard"]
    assert guard["type"] == "automation"
    assert guard["incident"] is True
    assert guard["flow"] in {bounce, flip}
    assert guard["depth"] == dispatcher.MAX_DEPTH
    chain = guard["chain"]
    assert [event["depth"] for event in chain] == list(range(dispatcher.MAX_DEPTH, -1, -1))[:10]
    assert chain[-1]["actor"] == "north_a"  # back to the person's change
    assert chain[0]["changes"][0]["field"] == "remark"
    # the runs of the chain are on the timeline too, alternating the two rules
    flows_run = [i["flow"] for i in items if i.get("kind") == "run" and i["flow"] in {bounce, flip}]
    assert len(flows_run) == dispatcher.MAX_DEPTH
    assert set(flows_run) == {bounce, flip}
    # newest first: the guard, then the change whose event it refused to hand on
    assert items.index(guard) == 0
    assert items[1]["type"] == "audit"
    assert items[1]["changes"] == chain[0]["changes"]
    # each run says what its trigger's condition read
    runs = [i for i in items if i.get("kind") == "run" and i["flow"] == bounce]
    assert {tuple(run["trigger"]["values"].items()) for run in runs} <= {
        (("remark", "start"),),
        (("remark", "y"),),
    }


def test_runs_page_through_with_a_cursor_and_filter_by_status(
    client, session_factory, admin_headers
) -> None:
    for index in range(3):
        public_lead(client, city="北京", phone=f"1390000710{index}")
    handle_events(session_factory)

    first = client.get(RUNS.format("lead_routing"), params={"limit": 2}, headers=admin_headers)
    assert first.status_code == 200, first.text
    page = first.json()
    assert len(page["items"]) == 2
    assert page["next_cursor"]
    second = client.get(
        RUNS.format("lead_routing"),
        params={"limit": 2, "cursor": page["next_cursor"]},
        headers=admin_headers,
    ).json()
    ids = [run["id"] for run in page["items"]] + [run["id"] for run in second["items"]]
    assert len(ids) == len(set(ids)) >= 3
    assert ids == sorted(ids, reverse=True)  # newest first across pages
    done = client.get(
        RUNS.format("lead_routing"), params={"status": "completed"}, headers=admin_headers
    ).json()["items"]
    assert done
    assert {run["status"] for run in done} == {"completed"}
    assert (
        client.get(
            RUNS.format("lead_routing"), params={"status": "failed"}, headers=admin_headers
        ).json()["items"]
        == []
    )


def test_bad_input_answers_4xx_with_errors(client, admin_headers) -> None:
    bad_status = client.get(RUNS.format("lead_routing") + "?status=done", headers=admin_headers)
    assert bad_status.status_code == 422
    assert bad_status.json()["errors"][0]["field"] == "status"
    for cursor in ("nope", "WzEsMiwzXQ==", "WyJ4IiwgIjEiXQ=="):  # not base64 JSON; 3 values; "1"
        bad = client.get(
            RUNS.format("lead_routing"), params={"cursor": cursor}, headers=admin_headers
        )
        assert bad.status_code == 422, cursor
        assert bad.json()["errors"][0]["code"] == "invalid_cursor"
    assert client.get(RUNS.format("no_such_flow"), headers=admin_headers).status_code == 404
    assert (
        client.get("/api/apps/nope/flows/lead_routing/runs", headers=admin_headers).status_code
        == 404
    )
    assert client.get("/api/runs/999999999", headers=admin_headers).status_code == 404
    assert client.get("/api/runs/0", headers=admin_headers).status_code == 422
    assert client.get("/api/runs/99999999999", headers=admin_headers).status_code == 422
    assert client.get(RUNS.format("Bad-Key"), headers=admin_headers).status_code == 422


def test_anonymous_callers_get_401_and_signed_in_users_read(
    client, session_factory, rep_headers
) -> None:
    record_id = public_lead(client, city="北京", phone="13900008888")
    handle_events(session_factory)
    run = run_of(client, rep_headers, "lead_routing", record_id)
    for url in (
        RUNS.format("lead_routing"),
        f"/api/runs/{run['id']}",
        f"{LEADS}/{record_id}/timeline",
    ):
        anonymous = client.get(url)
        assert anonymous.status_code == 401, url
        assert anonymous.json()["errors"][0]["code"] == "login_required"
        assert client.get(url, headers=rep_headers).status_code == 200, url


def test_pages_list_runs_show_a_run_and_link_it_from_the_record(
    client, session_factory, admin_headers
) -> None:
    record_id = public_lead(client, city="上海", phone="13900009090", company_size=900)
    handle_events(session_factory)
    run = run_of(client, admin_headers, "lead_routing", record_id)

    listed = client.get("/apps/crm/flows/lead_routing/runs", headers=admin_headers)
    assert listed.status_code == 200
    assert f'href="/runs/{run["id"]}"' in listed.text
    assert f'data-run-id="{run["id"]}"' in listed.text
    shown = client.get(f"/runs/{run['id']}", headers=admin_headers)
    assert shown.status_code == 200
    assert "华东轮流分配" in shown.text
    assert "条件成立：上海（城市 = 上海）" in shown.text
    english = client.get(f"/runs/{run['id']}?lang=en", headers=admin_headers).text
    assert "East team in turn" in english
    assert "took Shanghai (City = 上海)" in english
    record = client.get(f"/apps/crm/lead/{record_id}", headers=admin_headers)
    assert record.status_code == 200
    assert f'href="/runs/{run["id"]}"' in record.text
    assert 'data-type="automation"' in record.text
    assert "/apps/crm/flows/lead_routing/runs" in record.text
    # pages send anonymous visitors to log in
    for url in ("/apps/crm/flows/lead_routing/runs", f"/runs/{run['id']}"):
        anonymous = client.get(url, follow_redirects=False)
        assert anonymous.status_code == 303
        assert anonymous.headers["location"].startswith("/login")


def test_condition_fields_redaction_and_hidden_fields_are_pure() -> None:
    tree = {
        "all": [
            {"field": "city", "op": "eq", "value": "北京"},
            {"not": {"field": "items.amount", "op": "gt", "value": {"field": "budget"}}},
            {"formula": "{score} > 10 AND {city} <> ''"},
        ]
    }
    assert runsteps.condition_fields(tree) == ["city", "items", "budget", "score"]
    params = {"robot": {"kind": "wecom", "webhook": "https://x/?key=1", "secret": "k"}}
    assert runsteps.redact(params, admin=True)["robot"]["secret"] == runsteps.REDACTED
    assert (
        runsteps.redact(params, admin=True)["robot"]["webhook"] == f"https://x/?{runsteps.REDACTED}"
    )
    assert runsteps.redact(params, admin=False)["robot"] == {
        "kind": "wecom",
        "webhook": runsteps.REDACTED,
        "secret": runsteps.REDACTED,
    }
    step = {
        "input": {"values": {"cost": 5, "city": "北京"}},
        "output": {"fields": {"cost": 6}, "changes": [{"field": "cost"}, {"field": "city"}]},
        "assign": {"field": "cost", "assignee": "wang", "reason": "x"},
    }
    assert runsteps.without_fields(step, {"cost"}) == {
        "input": {"values": {"city": "北京"}},
        "output": {"fields": {}, "changes": [{"field": "city"}]},
        "assign": {"field": "cost", "hidden": True},
    }
    assert runsteps.reads_hidden({"title": "新：{cost}"}, {"cost"})
    assert not runsteps.reads_hidden({"title": "新：{city}"}, {"cost"})


def test_a_field_hidden_from_the_approver_stays_hidden_in_the_run_log(
    client, session_factory
) -> None:
    # given the vetting flow hiding annual_revenue from its approver (qian), and an automation
    # whose condition reads it
    key = unique("runlog_big_account")
    big = automation(
        key,
        {
            "type": "record_created",
            "condition": {"field": "annual_revenue", "op": "gt", "value": 1000000},
        },
        {"action": "update_fields", "params": {"fields": {"remark": "大客户"}}},
    )
    big["form"] = "account"
    with session_factory() as db:
        publish(db, HIDING, big)
        db.commit()
    rep = {"Authorization": f"Bearer {key_for(session_factory, 'north_a')}"}
    qian = {"Authorization": f"Bearer {key_for(session_factory, 'qian')}"}
    created = client.post(
        "/api/apps/crm/forms/account/records",
        json={"name": "深蓝资本", "annual_revenue": "98765432"},
        headers=rep,
    )
    assert created.status_code == 201, created.text
    record_id = created.json()["id"]
    handle_events(session_factory)

    # the submitter sees what the trigger read
    run = run_of(client, rep, key, record_id)
    assert run["status"] == "completed"
    mine = client.get(f"/api/runs/{run['id']}", headers=rep).json()
    assert mine["trigger"]["values"] == {"annual_revenue": "98765432.00"}
    # the approver sees the run, not the value, on the API, the timeline and the pages
    theirs = client.get(f"/api/runs/{run['id']}", headers=qian)
    assert theirs.status_code == 200
    assert theirs.json()["trigger"]["values"] == {}
    assert "98765432" not in theirs.text
    timeline = client.get(
        f"/api/apps/crm/forms/account/records/{record_id}/timeline", headers=qian
    ).json()["items"]
    assert any(item.get("flow") == key for item in timeline)
    assert "98765432" not in str(timeline)
    for page in (f"/runs/{run['id']}", f"/apps/crm/account/{record_id}"):
        html = client.get(page, headers=qian).text
        assert "98765432" not in html
        assert "98,765,432" not in html
    assert "98765432" in client.get(f"/runs/{run['id']}", headers=rep).text
