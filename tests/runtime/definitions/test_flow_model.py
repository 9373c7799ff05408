"""runtime/definitions/flow_model.py: the typed view of a flow definition."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from runtime.definitions import canonical, flow_schema
from runtime.definitions.flow_model import EdgeDef, FlowDef, Position, reachable_from
from runtime.errors import InvalidDefinition, NotFound

DOC: dict[str, Any] = {
    "format": 1,
    "key": "deal_approval",
    "title": {"zh-CN": "交易审批", "en": "Deal approval"},
    "form": "deal",
    "starts_on": ["record_created"],
    "nodes": [
        {"id": "start", "type": "start", "position": {"x": 0, "y": 120}},
        {"id": "route", "type": "condition", "label": {"en": "Route"}, "config": {}},
        {
            "id": "boss",
            "type": "approval",
            "config": {"approvers": [{"type": "users", "users": ["zhao"]}]},
        },
        {"id": "done", "type": "end", "config": {"outcome": "approved"}},
        {"id": "refused", "type": "end", "config": {"outcome": "rejected"}},
    ],
    "edges": [
        {"id": "e1", "from": "start", "to": "route"},
        {"id": "e2", "from": "route", "to": "done", "default": True},
        {
            "id": "e3",
            "from": "route",
            "to": "boss",
            "order": 2,
            "condition": {"field": "amount", "op": "gt", "value": 10},
        },
        {
            "id": "e4",
            "from": "route",
            "to": "refused",
            "order": 1,
            "condition": {"field": "amount", "op": "lt", "value": 0},
        },
        {"id": "e5", "from": "boss", "to": "done", "port": "approved"},
        {"id": "e6", "from": "boss", "to": "refused", "port": "rejected"},
    ],
}


@pytest.fixture
def flow() -> FlowDef:
    return FlowDef.from_json(DOC)


def test_reads_the_definition(flow: FlowDef) -> None:
    assert flow.key == "deal_approval"
    assert flow.form == "deal"
    assert flow.starts_on == ("record_created",)
    assert flow.title["en"] == "Deal approval"
    assert list(flow.nodes) == ["start", "route", "boss", "done", "refused"]
    assert flow.start.id == "start"
    assert flow.start.position == Position(0, 120)
    assert flow.nodes["route"].label == {"en": "Route"}
    assert flow.nodes["start"].config == {}
    assert flow.nodes["boss"].pointer == "/nodes/2"
    assert flow.nodes["boss"].ports == ("approved", "rejected")
    assert flow.nodes["done"].ports == ()
    assert flow.nodes["route"].ports == ("out",)


def test_edges_default_to_the_out_port(flow: FlowDef) -> None:
    first = flow.edges[0]
    assert first == EdgeDef(id="e1", source="start", target="route", index=0)
    assert first.port == "out"
    assert first.pointer == "/edges/0"
    assert not first.default
    assert first.condition is None


def test_outgoing_and_incoming(flow: FlowDef) -> None:
    assert [edge.id for edge in flow.outgoing("route")] == ["e2", "e3", "e4"]
    assert [edge.id for edge in flow.outgoing("boss", "rejected")] == ["e6"]
    assert [edge.id for edge in flow.outgoing("boss", port="approved")] == ["e5"]
    assert flow.outgoing("done") == ()
    assert [edge.id for edge in flow.incoming("done")] == ["e2", "e5"]
    assert flow.incoming("start") == ()
    assert flow.incoming("ghost") == ()


def test_branches_by_order_with_the_default_last(flow: FlowDef) -> None:
    assert [edge.id for edge in flow.branches("route")] == ["e4", "e3", "e2"]


def test_node_lookup(flow: FlowDef) -> None:
    assert flow.node("boss").type == "approval"
    assert flow.get_node("ghost") is None
    with pytest.raises(NotFound):
        flow.node("ghost")
    edge = flow.get_edge("e5")
    assert edge is not None
    assert edge.port == "approved"
    assert flow.get_edge("ghost") is None


def test_reachable(flow: FlowDef) -> None:
    assert flow.reachable("boss") == {"boss", "done", "refused"}
    assert flow.reachable("start") == set(flow.nodes)
    assert reachable_from("a", {"a": ["b"], "b": ["a", "c"]}) == {"a", "b", "c"}


def test_the_view_is_a_copy() -> None:
    doc = copy.deepcopy(DOC)
    flow = FlowDef.from_json(doc)
    doc["nodes"][2]["config"]["approvers"].clear()
    doc["edges"][2]["condition"]["value"] = 99
    assert flow.nodes["boss"].config["approvers"] == [{"type": "users", "users": ["zhao"]}]
    condition = flow.edges[2].condition
    assert condition is not None
    assert condition["value"] == 10


def test_the_view_is_frozen(flow: FlowDef) -> None:
    with pytest.raises(AttributeError):
        flow.key = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda doc: doc["nodes"].pop(0), "missing_start"),
        (lambda doc: doc["nodes"].append({"id": "again", "type": "start"}), "several_starts"),
        (lambda doc: doc["nodes"].append({"id": "done", "type": "end"}), "duplicate_node_id"),
    ],
)
def test_refuses_what_later_lookups_cannot_handle(change: Any, code: str) -> None:
    doc = copy.deepcopy(DOC)
    change(doc)
    with pytest.raises(InvalidDefinition) as raised:
        FlowDef.from_json(doc)
    assert code in {problem.code for problem in raised.value.problems}


def test_importing_the_model_registers_the_flow_kind() -> None:
    assert "flow" in canonical.kinds()
    text = canonical.dumps("flow", {"edges": [], "key": "k", "format": 1, "nodes": []})
    assert text.index('"format"') < text.index('"key"') < text.index('"nodes"')


def test_node_types_match_the_meta_schema() -> None:
    node = flow_schema.composed_flow_meta_schema()["$defs"]["node"]
    assert node["properties"]["type"]["enum"] == list(flow_schema.NODE_TYPES)
    branches = {branch["if"]["properties"]["type"]["const"] for branch in node["allOf"]}
    assert branches == set(flow_schema.NODE_TYPES)
