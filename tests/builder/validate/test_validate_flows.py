"""builder/validate/flows.py: one test per problem code, each with its pointer."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from builder.validate.flows import MESSAGES, iter_problem_codes, validate_flow
from runtime.actions import action_types
from runtime.errors import Problem


def text(zh: str, en: str) -> dict[str, str]:
    return {"zh-CN": zh, "en": en}


def node(node_id: str, node_type: str, config: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"id": node_id, "type": node_type, "config": config or {}}


def edge(source: str, target: str, port: str = "out", **extra: Any) -> dict[str, Any]:
    return {"id": f"{source}_{target}", "from": source, "to": target, "port": port, **extra}


FORM: dict[str, Any] = {
    "format": 1,
    "key": "deal",
    "title": text("交易", "Deal"),
    "fields": [
        {"key": "name", "type": "text", "label": text("名称", "Name")},
        {"key": "amount", "type": "money", "label": text("金额", "Amount")},
        {"key": "owner", "type": "user", "label": text("负责人", "Owner")},
        {"key": "due_date", "type": "date", "label": text("截止", "Due")},
        {
            "key": "items",
            "type": "line_items",
            "label": text("明细", "Items"),
            "config": {"columns": [{"key": "quantity", "type": "number"}]},
        },
    ],
}

# Node and edge indexes are part of the expected pointers below.
BASE: dict[str, Any] = {
    "format": 1,
    "key": "deal_approval",
    "title": text("交易审批", "Deal approval"),
    "form": "deal",
    "starts_on": ["record_created", "manual"],
    "nodes": [
        node("start", "start"),  # 0
        node("route", "condition"),  # 1
        node(  # 2
            "boss",
            "approval",
            {
                "mode": "single",
                "approvers": [{"type": "users", "users": ["zhao"]}],
                "return_to": "submitter",
                "field_permissions": {"amount": "read_only", "items": "hidden"},
                "deadline": {"field": "due_date", "offset": "-P1D"},
                "remind": {"every": "PT4H", "times": 2},
                "on_timeout": "escalate",
            },
        ),
        node("owner_check", "approval", {"approvers": [{"type": "field", "field": "owner"}]}),  # 3
        node("split", "parallel"),  # 4
        node("notify", "cc", {"recipients": [{"type": "role", "role": "finance"}]}),  # 5
        node("pause", "wait", {"duration": "P1D"}),  # 6
        node("merge", "join", {"split": "split"}),  # 7
        node("child", "subflow", {"flow": "audit"}),  # 8
        node(  # 9
            "update",
            "action",
            {"action": "update_fields", "params": {"fields": {"name": "x"}}},
        ),
        node("done", "end", {"outcome": "approved"}),  # 10
        node("refused", "end", {"outcome": "rejected"}),  # 11
    ],
    "edges": [
        edge("start", "route"),  # 0
        edge(  # 1
            "route",
            "boss",
            condition={"field": "amount", "op": "gt", "value": 1000},
            order=1,
        ),
        edge("route", "owner_check", default=True),  # 2
        edge("boss", "split", "approved"),  # 3
        edge("boss", "refused", "rejected"),  # 4
        edge("owner_check", "split", "approved"),  # 5
        edge("split", "notify"),  # 6
        edge("split", "pause"),  # 7
        edge("notify", "merge"),  # 8
        edge("pause", "merge"),  # 9
        edge("merge", "child"),  # 10
        edge("child", "update"),  # 11
        edge("update", "done"),  # 12
    ],
}


@pytest.fixture
def doc() -> dict[str, Any]:
    return copy.deepcopy(BASE)


def found(problems: list[Problem]) -> set[tuple[str, str | None]]:
    return {(problem.code, problem.pointer) for problem in problems}


def check(doc: dict[str, Any], **options: Any) -> set[tuple[str, str | None]]:
    return found(validate_flow(doc, form_doc=FORM, **options))


def test_base_definition_is_valid(doc: dict[str, Any]) -> None:
    assert validate_flow(doc) == []
    assert (
        validate_flow(
            doc,
            form_doc=FORM,
            known_flows={"audit"},
            known_roles={"finance"},
        )
        == []
    )


def test_reports_every_schema_violation_with_its_pointer(doc: dict[str, Any]) -> None:
    doc["format"] = 2
    doc["nodes"][0]["type"] = "teleport"
    del doc["nodes"][3]["config"]["approvers"]
    doc["edges"][0]["colour"] = "red"
    problems = validate_flow(doc)
    assert {
        ("schema_violation", "/format"),
        ("schema_violation", "/nodes/0/type"),
        ("schema_violation", "/nodes/3/config"),
        ("schema_violation", "/edges/0"),
    } <= found(problems)
    assert all(problem.message for problem in problems)


def test_node_config_is_checked_per_type(doc: dict[str, Any]) -> None:
    doc["nodes"][10]["config"]["outcome"] = "maybe"
    doc["nodes"][2]["config"]["ratio"] = 2
    doc["nodes"][3]["config"]["approvers"][0] = {"type": "department_head", "role": "sales"}
    doc["nodes"][5]["config"]["recipients"][0] = {
        "type": "department_head",
        "levels": 2,
        "to_top": True,
    }
    doc["nodes"][7]["config"] = {}
    problems = found(validate_flow(doc))
    assert {
        ("schema_violation", "/nodes/10/config/outcome"),
        ("schema_violation", "/nodes/2/config/ratio"),
        ("schema_violation", "/nodes/3/config/approvers/0"),
        ("schema_violation", "/nodes/5/config/recipients/0"),
        ("schema_violation", "/nodes/7/config"),
    } <= problems


def test_form_mismatch(doc: dict[str, Any]) -> None:
    doc["form"] = "quote"
    assert ("form_mismatch", "/form") in check(doc)


def test_duplicate_node_id(doc: dict[str, Any]) -> None:
    doc["nodes"].append(node("done", "end", {"outcome": "completed"}))
    assert ("duplicate_node_id", "/nodes/12/id") in check(doc)


def test_duplicate_edge_id(doc: dict[str, Any]) -> None:
    doc["edges"][12]["id"] = doc["edges"][11]["id"]
    assert ("duplicate_edge_id", "/edges/12/id") in check(doc)


def test_dangling_edge(doc: dict[str, Any]) -> None:
    doc["edges"][12]["to"] = "ghost"
    doc["edges"][11]["from"] = "nobody"
    problems = check(doc)
    assert {("dangling_edge", "/edges/12/to"), ("dangling_edge", "/edges/11/from")} <= problems


def test_duplicate_edge(doc: dict[str, Any]) -> None:
    doc["edges"].append({**doc["edges"][6], "id": "again"})
    assert ("duplicate_edge", "/edges/13") in check(doc)


def test_missing_start(doc: dict[str, Any]) -> None:
    doc["nodes"][0]["type"] = "action"
    doc["nodes"][0]["config"] = {"action": "update_fields"}
    assert ("missing_start", "/nodes") in check(doc)


def test_several_starts(doc: dict[str, Any]) -> None:
    doc["nodes"].append(node("second_start", "start"))
    doc["edges"].append(edge("second_start", "route"))
    assert ("several_starts", "/nodes/12") in check(doc)


def test_missing_end(doc: dict[str, Any]) -> None:
    for index in (10, 11):
        doc["nodes"][index] = node(doc["nodes"][index]["id"], "action", {"action": "noop"})
    assert ("missing_end", "/nodes") in check(doc)


def test_unreachable_node(doc: dict[str, Any]) -> None:
    doc["nodes"].append(node("orphan", "end", {"outcome": "completed"}))
    problems = check(doc)
    assert ("unreachable_node", "/nodes/12") in problems
    assert [code for code, _ in problems] == ["unreachable_node"]


def test_dead_end(doc: dict[str, Any]) -> None:
    del doc["edges"][12]
    problems = check(doc)
    assert ("dead_end", "/nodes/9") in problems
    assert ("unreachable_node", "/nodes/10") in problems


def test_approval_without_approved_edge(doc: dict[str, Any]) -> None:
    doc["edges"][5]["port"] = "rejected"
    problems = check(doc)
    assert ("approval_without_approved_edge", "/nodes/3") in problems
    assert ("dead_end", "/nodes/3") not in problems


def test_approval_without_any_edge_is_one_problem(doc: dict[str, Any]) -> None:
    del doc["edges"][5]
    problems = check(doc)
    assert ("approval_without_approved_edge", "/nodes/3") in problems
    assert ("dead_end", "/nodes/3") not in problems


def test_rejected_edge_is_optional(doc: dict[str, Any]) -> None:
    del doc["edges"][4]
    del doc["nodes"][11]
    assert check(doc) == set()


def test_condition_without_default(doc: dict[str, Any]) -> None:
    doc["edges"][2] = edge("route", "owner_check", condition={"formula": "TRUE"}, order=2)
    assert check(doc) == {("condition_without_default", "/nodes/1")}


def test_condition_edge_without_condition(doc: dict[str, Any]) -> None:
    del doc["edges"][1]["condition"]
    assert ("condition_edge_without_condition", "/edges/1") in check(doc)


def test_condition_edge_without_order(doc: dict[str, Any]) -> None:
    del doc["edges"][1]["order"]
    problems = validate_flow(doc, form_doc=FORM)
    assert found(problems) == {("condition_edge_without_condition", "/edges/1")}
    assert problems[0].params["missing"] == "order"


def test_several_defaults(doc: dict[str, Any]) -> None:
    doc["edges"][1] = edge("route", "boss", default=True)
    assert ("several_defaults", "/edges/2/default") in check(doc)


def test_unexpected_condition(doc: dict[str, Any]) -> None:
    doc["edges"][6]["order"] = 1
    doc["edges"][2]["condition"] = {"formula": "TRUE"}
    problems = check(doc)
    assert {
        ("unexpected_condition", "/edges/6/order"),
        ("unexpected_condition", "/edges/2/condition"),
    } <= problems


def test_invalid_condition(doc: dict[str, Any]) -> None:
    doc["edges"][1]["condition"] = {"field": "amount", "op": "resembles", "value": 1}
    problems = check(doc)
    assert any(
        code == "invalid_condition" and (pointer or "").startswith("/edges/1/condition")
        for code, pointer in problems
    )
    assert "schema_violation" not in {code for code, _ in problems}


def test_invalid_formula_in_a_condition(doc: dict[str, Any]) -> None:
    doc["edges"][1]["condition"] = {"formula": "{amount} >"}
    assert ("invalid_condition", "/edges/1/condition/formula") in check(doc)


def test_condition_unknown_field_only_with_the_form(doc: dict[str, Any]) -> None:
    doc["edges"][1]["condition"] = {
        "all": [
            {"field": "budget", "op": "gt", "value": 1},
            {"field": "items.quantity", "op": "gt", "value": 1},
            {"field": "items.colour", "op": "eq", "value": "red"},
        ]
    }
    assert validate_flow(doc) == []
    assert {
        ("condition_unknown_field", "/edges/1/condition/all/0/field"),
        ("condition_unknown_field", "/edges/1/condition/all/2/field"),
    } == check(doc)


def test_join_without_split(doc: dict[str, Any]) -> None:
    doc["nodes"][7]["config"]["split"] = "route"
    assert ("join_without_split", "/nodes/7/config/split") in check(doc)
    doc["nodes"][7]["config"]["split"] = "nowhere"
    assert ("join_without_split", "/nodes/7/config/split") in check(doc)


def test_join_not_closing_split(doc: dict[str, Any]) -> None:
    doc["edges"][9]["to"] = "done"
    problems = check(doc)
    assert ("join_not_closing_split", "/edges/7") in problems
    assert ("join_not_closing_split", "/edges/6") not in problems


def test_unknown_port(doc: dict[str, Any]) -> None:
    doc["edges"][6]["port"] = "approved"
    doc["edges"][3]["port"] = "yes"
    problems = check(doc)
    assert {("unknown_port", "/edges/6/port"), ("unknown_port", "/edges/3/port")} <= problems


def test_an_end_node_has_no_exit(doc: dict[str, Any]) -> None:
    doc["edges"].append({"id": "after_end", "from": "done", "to": "update"})
    assert ("unknown_port", "/edges/13") in check(doc)


def test_approver_unknown_field(doc: dict[str, Any]) -> None:
    doc["nodes"][3]["config"]["approvers"].append({"type": "field", "field": "name"})
    doc["nodes"][3]["config"]["approvers"].append({"type": "field", "field": "ghost"})
    assert validate_flow(doc) == []
    problems = check(doc)
    assert {
        ("approver_unknown_field", "/nodes/3/config/approvers/1/field"),
        ("approver_unknown_field", "/nodes/3/config/approvers/2/field"),
    } == problems


def test_approver_unresolvable(doc: dict[str, Any]) -> None:
    doc["nodes"][2]["config"]["approvers"][0]["users"] = []
    doc["nodes"][3]["config"]["approvers"] = []
    problems = check(doc, known_roles={"legal"})
    assert {
        ("approver_unresolvable", "/nodes/2/config/approvers/0/users"),
        ("approver_unresolvable", "/nodes/3/config/approvers"),
        ("approver_unresolvable", "/nodes/5/config/recipients/0/role"),
    } == problems


def test_field_permission_unknown_field(doc: dict[str, Any]) -> None:
    doc["nodes"][2]["config"]["field_permissions"]["ghost"] = "hidden"
    assert check(doc) == {
        ("field_permission_unknown_field", "/nodes/2/config/field_permissions/ghost")
    }


def test_deadline_unknown_field(doc: dict[str, Any]) -> None:
    doc["nodes"][2]["config"]["deadline"]["field"] = "name"  # not a date
    assert check(doc) == {("deadline_unknown_field", "/nodes/2/config/deadline/field")}


def test_wait_unknown_field(doc: dict[str, Any]) -> None:
    doc["nodes"][6]["config"] = {"field": "closing_date", "offset": "P0D"}
    assert check(doc) == {("wait_unknown_field", "/nodes/6/config/field")}
    doc["nodes"][6]["config"] = {"field": "due_date"}
    assert check(doc) == set()


def test_trigger_unknown_field_and_its_condition(doc: dict[str, Any]) -> None:
    doc["trigger"] = {
        "type": "record_updated",
        "fields": ["amount", "ghost"],
        "condition": {"field": "amount", "op": "gt", "value": 500000},
    }
    assert check(doc) == {("trigger_unknown_field", "/trigger/fields/1")}
    doc["trigger"]["fields"] = ["amount"]
    doc["trigger"]["condition"] = {"field": "nowhere", "op": "eq", "value": 1}
    assert check(doc) == {("condition_unknown_field", "/trigger/condition/field")}
    doc["trigger"]["condition"] = {"op": "nonsense"}
    assert {code for code, _ in check(doc)} == {"invalid_condition"}
    doc["trigger"] = {"type": "record_exploded"}
    assert {code for code, _ in check(doc)} == {"schema_violation"}


def test_before_save_node_only_branches_and_blocks(doc: dict[str, Any]) -> None:
    doc["trigger"] = {"type": "before_save"}
    kinds = {(code, pointer) for code, pointer in check(doc) if code == "before_save_node"}
    assert kinds  # the base flow has approvals, a wait, a subflow: none belongs here
    assert all(pointer and pointer.startswith("/nodes/") for _, pointer in kinds)


def test_invalid_cron_on_a_schedule(doc: dict[str, Any]) -> None:
    doc["trigger"] = {"type": "schedule", "cron": "61 25 * * *"}
    assert check(doc) == {("invalid_cron", "/trigger/cron")}
    doc["trigger"]["cron"] = "0 9 * * 1"
    assert check(doc) == set()


def test_subflow_unknown_only_with_known_flows(doc: dict[str, Any]) -> None:
    assert check(doc) == set()
    assert check(doc, known_flows={"other"}) == {("subflow_unknown", "/nodes/8/config/flow")}


def test_return_to_unknown_node(doc: dict[str, Any]) -> None:
    doc["nodes"][2]["config"]["return_to"] = "route"
    assert check(doc) == set()
    doc["nodes"][2]["config"]["return_to"] = "ghost"
    assert check(doc) == {("return_to_unknown_node", "/nodes/2/config/return_to")}


@pytest.mark.parametrize(
    ("where", "value", "pointer"),
    [
        ("remind", "4 hours", "/nodes/2/config/remind/every"),
        ("remind", "-PT4H", "/nodes/2/config/remind/every"),
        ("deadline", "P1M", "/nodes/2/config/deadline/offset"),
        ("wait", "-P1D", "/nodes/6/config/duration"),
        ("wait", 5, "/nodes/6/config/duration"),
    ],
)
def test_invalid_duration(doc: dict[str, Any], where: str, value: Any, pointer: str) -> None:
    config = doc["nodes"][2]["config"]
    if where == "remind":
        config["remind"]["every"] = value
    elif where == "deadline":
        config["deadline"]["offset"] = value
    else:
        doc["nodes"][6]["config"]["duration"] = value
    problems = check(doc)
    assert ("invalid_duration", pointer) in problems
    assert {code for code, _ in problems} == {"invalid_duration"}


def test_a_negative_deadline_offset_is_fine_but_not_a_negative_deadline(
    doc: dict[str, Any],
) -> None:
    doc["nodes"][2]["config"]["deadline"] = {"after": "-PT1H"}
    assert check(doc) == {("invalid_duration", "/nodes/2/config/deadline/after")}


def test_collects_every_problem_at_once(doc: dict[str, Any]) -> None:
    doc["form"] = "quote"
    doc["nodes"][2]["config"]["remind"]["every"] = "soon"
    doc["edges"][6]["port"] = "approved"
    doc["nodes"].append(node("orphan", "end", {"outcome": "completed"}))
    codes = {code for code, _ in check(doc)}
    assert {"form_mismatch", "invalid_duration", "unknown_port", "unreachable_node"} <= codes


def test_messages_are_localised(doc: dict[str, Any]) -> None:
    doc["nodes"].append(node("orphan", "end", {"outcome": "completed"}))
    (problem,) = validate_flow(doc, locale="zh-CN")
    assert problem.message == "从开始节点无法到达节点 'orphan'。"
    for code, texts in MESSAGES.items():
        assert set(texts) == {"en", "zh-CN"}, code


def test_unknown_action_and_invalid_action_params_are_reported_with_the_action_schemas(
    doc: dict[str, Any],
) -> None:
    schemas = {entry.key: entry.config_schema for entry in action_types}
    assert validate_flow(doc, action_schemas=schemas) == []  # update_fields {fields: …} fits
    doc["nodes"][9]["config"]["params"] = {"fields": "name=x"}
    problems = validate_flow(doc, action_schemas=schemas, locale="zh-CN")
    assert found(problems) == {("invalid_action_params", "/nodes/9/config/params/fields")}
    assert problems[0].message.startswith("update_fields 动作的设置有误")
    doc["nodes"][9]["config"] = {"action": "teleport", "params": {}}
    assert found(validate_flow(doc, action_schemas=schemas)) == {
        ("unknown_action", "/nodes/9/config/action")
    }
    assert validate_flow(doc) == []  # without the schemas, actions are not checked


def test_timeout_without_limit_and_a_valid_signal_wait_with_a_timeout(
    doc: dict[str, Any],
) -> None:
    doc["edges"].append(edge("pause", "done", "timeout"))
    assert check(doc) == {("timeout_without_limit", f"/edges/{len(doc['edges']) - 1}/port")}
    doc["nodes"][6]["config"] = {"event": "signed", "timeout": "P2D"}
    assert check(doc) == set()  # wait for the signal at most two days, else leave by timeout
    doc["nodes"][6]["config"] = {"event": "signed", "timeout": "PT0S"}
    assert check(doc) == {("invalid_duration", "/nodes/6/config/timeout")}
    doc["nodes"][6]["config"] = {"duration": "P1D", "timeout": "P2D"}  # timeout needs an event
    assert ("schema_violation", "/nodes/6/config") in check(doc)


def test_every_problem_code_has_a_test() -> None:
    tested = {
        name.removeprefix("test_")
        for name in globals()
        if name.startswith("test_") and callable(globals()[name])
    }
    untested = [
        code
        for code in iter_problem_codes()
        if not any(name.startswith(code) or code in name for name in tested)
    ]
    assert untested == []


def test_garbage_does_not_crash() -> None:
    garbage: dict[str, Any] = {
        "nodes": [1, {"id": 3}, {"id": "a", "type": "join", "config": []}, {"id": "b"}],
        "edges": "x",
        "form": 7,
    }
    problems = validate_flow(garbage, form_doc={"fields": "none"}, known_flows=set())
    assert problems
    assert all(problem.pointer is not None for problem in problems)
    assert validate_flow([], form_doc=FORM)  # type: ignore[arg-type]
