"""POST /api/apps/{app}/flows/{key}/simulate: the engine over given events, nothing stored."""

from __future__ import annotations

from sqlalchemy import func, select

from runtime.flows.models import FlowInstance
from runtime.scheduler.models import Timer
from runtime.tasks.models import Task

URL = "/api/apps/crm/flows/quote_approval/simulate"
BIG = {"total": "700000.00", "discount": "0.7", "status": "审批中"}


def counts(session_factory) -> tuple[int, int, int]:
    with session_factory() as db:
        return (
            db.scalar(select(func.count()).select_from(FlowInstance)) or 0,
            db.scalar(select(func.count()).select_from(Task)) or 0,
            db.scalar(select(func.count()).select_from(Timer)) or 0,
        )


def test_big_quote_approved_by_zhao(client, admin_headers, session_factory):
    before = counts(session_factory)
    body = {
        "record": BIG,
        "submitter": "north_a",
        "at": "2026-11-23T01:00:00Z",
        "events": [
            {"type": "task_completed", "by": "zhao", "outcome": "approve", "comment": "同意"},
        ],
    }
    response = client.post(URL, json=body, headers=admin_headers)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["status"] == "approved"
    assert result["record"]["status"] == "已批准"
    first, pending, vote, done = result["steps"]
    assert first["event"]["type"] == "start"
    assert first["status"] == "running"
    assert first["at"] == "2026-11-23T01:00:00Z"
    # the quote is marked 审批中 first; its result comes back as an automatic step
    marks = [e for e in first["effects"] if e["effect"] == "run_action"]
    assert marks[0]["params"] == {"fields": {"status": "审批中"}}
    assert pending["auto"] is True
    assert {
        "node": "route",
        "kind": "condition",
        "data": {
            "edge": "route_to_director",
            "result": True,
            "values": {"discount": "0.7", "total": "700000.00"},  # what the condition read
        },
    } in pending["trace"]
    approvers = [e for e in pending["trace"] if e["kind"] == "approver"]
    assert approvers[0]["node"] == "director"
    assert approvers[0]["data"]["users"] == ["zhao"]
    tasks = [e for e in pending["effects"] if e["effect"] == "create_task"]
    assert [(t["assignee"], t["key"]) for t in tasks] == [("zhao", "director:1:zhao")]
    assert tasks[0]["due_at"].startswith("2026-11-25T01:00:00")
    assert vote["event"]["task"] == "director:1:zhao"  # filled in from `by`
    actions = [e for e in vote["effects"] if e["effect"] == "run_action"]
    assert actions == [
        {
            "effect": "run_action",
            "key": "mark_approved:1",
            "node": "mark_approved",
            "action": "update_fields",
            "params": {"fields": {"status": "已批准"}},
        }
    ]
    assert done["auto"] is True
    assert done["event"]["type"] == "action_done"
    assert done["effects"] == [{"effect": "finish", "outcome": "approved"}]
    assert done["status"] == "approved"
    assert counts(session_factory) == before


def test_small_quote_goes_to_qian_and_a_wrong_voter_stops_the_run(client, admin_headers):
    body = {
        "record": {"total": "9000", "discount": "0.9"},
        "events": [
            {
                "type": "task_completed",
                "task": "manager:1:qian",
                "by": "zhao",
                "outcome": "approve",
            },
        ],
    }
    result = client.post(URL, json=body, headers=admin_headers).json()
    assert result["status"] == "running"
    _start, pending, refused = result["steps"]
    assert {
        "node": "route",
        "kind": "condition",
        "data": {
            "edge": "route_to_director",
            "result": False,
            "values": {"discount": "0.9", "total": "9000"},
        },
    } in pending["trace"]
    assert refused["error"]["code"] == "not_assignee"
    assert refused["error"]["status"] == 403


def test_timer_events_travel_in_time(client, admin_headers):
    body = {
        "record": BIG,
        "submitter": "north_a",
        "at": "2026-11-23T00:00:00Z",
        "events": [
            {"type": "timer", "key": "director:1:remind:1", "at": "2026-11-23T08:00:00+00:00"},
            {"type": "task_completed", "by": "zhao", "outcome": "reject"},
        ],
    }
    result = client.post(URL, json=body, headers=admin_headers).json()
    assert [s["at"] for s in result["steps"]][:4] == [
        "2026-11-23T00:00:00Z",
        "2026-11-23T00:00:00Z",
        "2026-11-23T08:00:00Z",
        "2026-11-23T08:00:00Z",
    ]
    assert result["status"] == "rejected"
    assert result["record"]["status"] == "已驳回"


def test_bad_simulation_input_is_422(client, admin_headers):
    cases = [
        {"events": [{"type": "fly"}]},
        {"events": [{"type": "task_completed", "by": "zhao", "outcome": "maybe"}]},
        {"events": ["approve"]},
        {"events": [{"type": "timer", "key": "x", "at": "yesterday"}]},
        {"at": "not a time"},
        {"record": []},
        {"submitter": "no one!"},
        {"surprise": True},
        {"events": [{"type": "urge", "by": "north_a"}] * 201},
    ]
    for body in cases:
        response = client.post(URL, json={"record": BIG, **body}, headers=admin_headers)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["errors"][0]["code"]


def test_unknown_flow_is_404_and_login_is_required(client, admin_headers):
    missing = client.post("/api/apps/crm/flows/nope/simulate", json={}, headers=admin_headers)
    assert missing.status_code == 404
    assert client.post(URL, json={}).status_code == 401


# --- drafts saved with problems (decision 0011) ----------------------------------------------

FLOW = "/api/apps/crm/flows/quote_approval"


def _draft(client, admin_headers, change) -> dict:
    doc = client.get(FLOW, headers=admin_headers).json()["definition"]
    change(doc)
    saved = client.put(FLOW, json=doc, headers=admin_headers)
    assert saved.status_code == 200, saved.text
    assert saved.json()["problems"], "the draft is meant to have problems"
    return doc


def test_a_draft_with_an_unreachable_node_runs_and_shows_its_problems(
    client, admin_headers, session_factory
):
    def add_lonely(doc: dict) -> None:
        notify = {"action": "notify", "params": {"to": [{"type": "submitter"}], "title": "hi"}}
        doc["nodes"].append({"id": "lonely", "type": "action", "config": notify})

    doc = _draft(client, admin_headers, add_lonely)
    before = counts(session_factory)
    body = {
        "record": BIG,
        "submitter": "north_a",
        "events": [{"type": "task_completed", "by": "zhao", "outcome": "approve"}],
    }
    response = client.post(URL, json=body, headers=admin_headers)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["status"] == "approved"  # the run went through the draft as it stands
    assert "stopped" not in result
    lonely = f"/nodes/{len(doc['nodes']) - 1}"
    assert ("unreachable_node", lonely) in {(p["code"], p["pointer"]) for p in result["problems"]}
    entered = {e["node"] for s in result["steps"] for e in s["trace"] if e["kind"] == "entered"}
    assert "director" in entered
    assert "lonely" not in entered
    assert counts(session_factory) == before


def test_a_dangling_edge_on_the_path_stops_the_run_naming_the_node(client, admin_headers):
    def dangle(doc: dict) -> None:
        edge = next(e for e in doc["edges"] if e["id"] == "route_to_manager")
        edge["to"] = "ghost"

    _draft(client, admin_headers, dangle)
    small = {"record": {"total": "9000", "discount": "0.9"}, "submitter": "north_a"}
    response = client.post(URL, json=small, headers=admin_headers)
    assert response.status_code == 200, response.text
    result = response.json()
    stopped = result["stopped"]
    assert stopped["code"] == "cannot_run"
    assert stopped["cause"] == "dangling_edge"
    assert (stopped["node"], stopped["edge"], stopped["target"]) == (
        "route",
        "route_to_manager",
        "ghost",
    )
    assert "'route'" in stopped["message"]
    assert "'ghost'" in stopped["message"]
    last = result["steps"][-1]
    assert last["error"]["code"] == "cannot_run"
    assert last["error"]["node"] == "route"
    # the steps before the stop are kept: the start marked the quote pending
    first = result["steps"][0]
    assert first["event"]["type"] == "start"
    assert any(e["effect"] == "run_action" for e in first["effects"])
    assert "dangling_edge" in {p["code"] for p in result["problems"]}
    # a record taking the other branch never meets the dangling edge and runs on
    big = client.post(URL, json={"record": BIG, "submitter": "north_a"}, headers=admin_headers)
    assert big.status_code == 200, big.text
    assert "stopped" not in big.json()
    tasks = [e for s in big.json()["steps"] for e in s["effects"] if e["effect"] == "create_task"]
    assert [t["assignee"] for t in tasks] == ["zhao"]


def test_a_draft_without_a_start_node_stops_at_once(client, admin_headers):
    def no_start(doc: dict) -> None:
        doc["nodes"] = [n for n in doc["nodes"] if n["type"] != "start"]
        doc["edges"] = [e for e in doc["edges"] if e["from"] != "start"]

    _draft(client, admin_headers, no_start)
    response = client.post(URL, json={"record": BIG}, headers=admin_headers)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["status"] == "stopped"
    assert result["stopped"]["cause"] == "no_start"
    assert [s["error"]["code"] for s in result["steps"]] == ["cannot_run"]
    assert "missing_start" in {p["code"] for p in result["problems"]}


def test_a_draft_with_duplicate_node_ids_is_refused_with_the_problem(client, admin_headers):
    def twice(doc: dict) -> None:
        doc["nodes"].append(dict(next(n for n in doc["nodes"] if n["id"] == "manager")))

    _draft(client, admin_headers, twice)
    response = client.post(URL, json={"record": BIG}, headers=admin_headers)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert response.json()["errors"][0]["code"] == "duplicate_node_id"
    assert all(e["code"] == "duplicate_node_id" for e in errors)


def test_the_published_flow_runs_with_no_problems_listed(client, admin_headers):
    result = client.post(URL, json={"record": BIG}, headers=admin_headers).json()
    assert result["problems"] == []
    assert "stopped" not in result
