"""Every shipped flow validates against its form and is byte-canonical (STYLE §7)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from builder.validate.flows import validate_flow
from runtime.definitions import canonical
from runtime.definitions.flow_model import FlowDef
from runtime.org.sample import ROLE_NAMES

ROOT = Path(__file__).resolve().parents[1]
FLOWS = sorted(
    path for path in (ROOT / "flow_definitions").glob("*/*.json") if path.parent.name != "_meta"
)


def ids(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def load(path: Path) -> dict[str, object]:
    loaded: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def known_flows(app: str) -> set[str]:
    return {str(load(path)["key"]) for path in FLOWS if path.parent.name == app}


def test_the_shipped_flows_are_there() -> None:
    assert {ids(path) for path in FLOWS} >= {
        "crm/quote_approval.json",
        "crm/contract_approval.json",
        "expense/expense_approval.json",
    }


@pytest.mark.parametrize("path", FLOWS, ids=ids)
def test_shipped_flow_validates_with_its_form(path: Path) -> None:
    doc = load(path)
    assert doc["key"] == path.stem
    form_path = ROOT / "form_schemas" / path.parent.name / f"{doc['form']}.json"
    assert form_path.is_file(), f"{ids(path)} routes an unknown form {doc['form']!r}"
    problems = validate_flow(
        doc,
        form_doc=load(form_path),
        known_flows=known_flows(path.parent.name),
        known_roles=set(ROLE_NAMES),
    )
    assert [problem.to_json() for problem in problems] == []
    flow = FlowDef.from_json(doc)
    assert flow.start.type == "start"


@pytest.mark.parametrize("path", FLOWS, ids=ids)
def test_shipped_flow_is_canonical(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert canonical.dumps("flow", json.loads(text)) == text


def test_quote_approval_routes_as_design_says() -> None:
    flow = FlowDef.from_json(load(ROOT / "flow_definitions" / "crm" / "quote_approval.json"))
    (first,) = flow.outgoing("start")
    assert flow.nodes[first.target].config["params"] == {"fields": {"status": "审批中"}}
    branches = flow.branches("route")
    assert [(edge.target, edge.default) for edge in branches] == [
        ("director", False),
        ("manager", True),
    ]
    assert branches[0].condition == {
        "all": [
            {"field": "total", "op": "gt", "value": 500000},
            {"field": "discount", "op": "lt", "value": 0.8},
        ]
    }
    for approval, user in (("director", "zhao"), ("manager", "qian")):
        config = flow.nodes[approval].config
        assert config["approvers"] == [{"type": "users", "users": [user]}]
        (approved,) = flow.outgoing(approval, "approved")
        (rejected,) = flow.outgoing(approval, "rejected")
        assert flow.nodes[approved.target].config["params"] == {"fields": {"status": "已批准"}}
        assert flow.nodes[rejected.target].config["params"] == {"fields": {"status": "已驳回"}}


@pytest.mark.parametrize("path", FLOWS, ids=ids)
def test_status_actions_write_existing_options(path: Path) -> None:
    doc = load(path)
    form = load(ROOT / "form_schemas" / path.parent.name / f"{doc['form']}.json")
    fields = {field["key"]: field for field in form["fields"]}  # type: ignore[attr-defined]
    flow = FlowDef.from_json(doc)
    for node in flow.nodes.values():
        if node.type != "action" or node.config["action"] != "update_fields":
            continue
        written = fields
        target = node.config["params"].get("target")
        if target:  # the values go to the record the relation field links to
            linked = fields[target]["config"]["form"]
            linked_form = load(ROOT / "form_schemas" / path.parent.name / f"{linked}.json")
            written = {field["key"]: field for field in linked_form["fields"]}  # type: ignore[attr-defined]
        for key, value in node.config["params"]["fields"].items():
            options = written[key].get("config", {}).get("options")
            if options is not None:
                assert value in {option["value"] for option in options}, (node.id, key)
