"""Typed read-only view of a flow definition (decision 0005), built from its JSON.

Definitions layer: pure. Like `model.FormDef`, the view copies what it holds; node configs and
edge conditions are plain JSON (`Mapping`/`Any`) and must be treated as read-only. Importing this
module registers the "flow" kind for canonical JSON.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from runtime.definitions import flow_schema
from runtime.errors import InvalidDefinition, NotFound, Problem

Text = Mapping[str, str]
DEFAULT_PORT = flow_schema.DEFAULT_PORT


@dataclass(frozen=True, slots=True)
class Position:
    x: float
    y: float


@dataclass(frozen=True, slots=True)
class NodeDef:
    """One node of a flow: its type's `config` is the JSON the meta-schema checked."""

    id: str
    type: str
    index: int  # position in the definition's `nodes` array
    config: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    label: Text | None = None
    position: Position | None = None

    @property
    def pointer(self) -> str:
        """JSON pointer of this node in its flow definition."""
        return f"/nodes/{self.index}"

    @property
    def ports(self) -> tuple[str, ...]:
        """The exits this node's type has (`approved`/`rejected`, `out`, or none for `end`)."""
        return flow_schema.ports(self.type)

    @classmethod
    def from_json(cls, doc: Mapping[str, Any], index: int) -> NodeDef:
        """Build the view of `doc`, the node at `nodes[index]`."""
        position = doc.get("position")
        return cls(
            id=str(doc["id"]),
            type=str(doc["type"]),
            index=index,
            config=copy.deepcopy(dict(doc.get("config") or {})),
            label=None if doc.get("label") is None else dict(doc["label"]),
            position=None
            if position is None
            else Position(x=float(position["x"]), y=float(position["y"])),
        )


@dataclass(frozen=True, slots=True)
class EdgeDef:
    """One edge: it leaves `source` (JSON `from`) by `port` and enters `target` (JSON `to`)."""

    id: str
    source: str
    target: str
    index: int  # position in the definition's `edges` array
    port: str = DEFAULT_PORT
    condition: Mapping[str, Any] | None = None
    order: int | None = None
    default: bool = False
    label: Text | None = None

    @property
    def pointer(self) -> str:
        """JSON pointer of this edge in its flow definition."""
        return f"/edges/{self.index}"

    @classmethod
    def from_json(cls, doc: Mapping[str, Any], index: int) -> EdgeDef:
        """Build the view of `doc`, the edge at `edges[index]`."""
        order = doc.get("order")
        return cls(
            id=str(doc["id"]),
            source=str(doc["from"]),
            target=str(doc["to"]),
            index=index,
            port=str(doc.get("port", DEFAULT_PORT)),
            condition=None if doc.get("condition") is None else copy.deepcopy(doc["condition"]),
            order=None if order is None else int(order),
            default=bool(doc.get("default", False)),
            label=None if doc.get("label") is None else dict(doc["label"]),
        )


@dataclass(frozen=True, slots=True)
class FlowDef:
    """A flow definition; build it with `FlowDef.from_json` from a valid definition."""

    key: str
    title: Text
    form: str
    nodes: dict[str, NodeDef]  # by id, in definition order; treat as read-only
    edges: tuple[EdgeDef, ...]
    starts_on: tuple[str, ...] = ()
    format: int = 1
    description: Text | None = None
    _outgoing: Mapping[str, tuple[EdgeDef, ...]] = dataclasses.field(
        default_factory=dict, repr=False, compare=False
    )
    _incoming: Mapping[str, tuple[EdgeDef, ...]] = dataclasses.field(
        default_factory=dict, repr=False, compare=False
    )

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> FlowDef:
        """Build the view of a (meta-schema valid) flow definition.

        Raises `InvalidDefinition` when node ids repeat or there is not exactly one start node,
        since every later lookup depends on both.
        """
        nodes: dict[str, NodeDef] = {}
        problems: list[Problem] = []
        for index, item in enumerate(doc["nodes"]):
            node = NodeDef.from_json(item, index)
            if node.id in nodes:
                problems.append(
                    Problem(
                        "duplicate_node_id",
                        f"The node id {node.id!r} is used twice.",
                        pointer=f"{node.pointer}/id",
                    )
                )
                continue
            nodes[node.id] = node
        starts = [node for node in nodes.values() if node.type == "start"]
        if len(starts) != 1:
            code = "missing_start" if not starts else "several_starts"
            problems.append(Problem(code, "A flow needs exactly one start node.", pointer="/nodes"))
        if problems:
            raise InvalidDefinition("invalid_flow", problems[0].message, problems)
        edges = tuple(EdgeDef.from_json(item, index) for index, item in enumerate(doc["edges"]))
        return cls(
            key=str(doc["key"]),
            title=dict(doc["title"]),
            form=str(doc["form"]),
            nodes=nodes,
            edges=edges,
            starts_on=tuple(str(item) for item in doc.get("starts_on") or ()),
            format=int(doc.get("format", 1)),
            description=None if doc.get("description") is None else dict(doc["description"]),
            _outgoing=_group(edges, lambda edge: edge.source),
            _incoming=_group(edges, lambda edge: edge.target),
        )

    @property
    def start(self) -> NodeDef:
        """The start node."""
        return next(node for node in self.nodes.values() if node.type == "start")

    def get_node(self, node_id: str) -> NodeDef | None:
        """The node with `node_id`, or None."""
        return self.nodes.get(node_id)

    def node(self, node_id: str) -> NodeDef:
        """The node with `node_id`; raises `NotFound`."""
        found = self.nodes.get(node_id)
        if found is None:
            raise NotFound("unknown_node", f"flow {self.key!r} has no node {node_id!r}")
        return found

    def get_edge(self, edge_id: str) -> EdgeDef | None:
        """The edge with `edge_id`, or None (the first one when ids repeat)."""
        return next((edge for edge in self.edges if edge.id == edge_id), None)

    def outgoing(self, node_id: str, port: str | None = None) -> tuple[EdgeDef, ...]:
        """Edges leaving `node_id` (by `port` when given), in definition order."""
        edges = self._outgoing.get(node_id, ())
        return edges if port is None else tuple(edge for edge in edges if edge.port == port)

    def incoming(self, node_id: str) -> tuple[EdgeDef, ...]:
        """Edges entering `node_id`, in definition order."""
        return self._incoming.get(node_id, ())

    def branches(self, node_id: str) -> tuple[EdgeDef, ...]:
        """A condition node's edges in the order to try them: by `order`, the default last."""
        return tuple(
            sorted(
                self.outgoing(node_id),
                key=lambda edge: (edge.default, edge.order is None, edge.order or 0, edge.index),
            )
        )

    def reachable(self, node_id: str) -> frozenset[str]:
        """Ids of the nodes reachable from `node_id` along edges (itself included)."""
        return reachable_from(node_id, self._successors())

    def _successors(self) -> Mapping[str, Iterable[str]]:
        return {node: [edge.target for edge in edges] for node, edges in self._outgoing.items()}


def reachable_from(node_id: str, successors: Mapping[str, Iterable[str]]) -> frozenset[str]:
    """Every node reachable from `node_id` in the graph `successors` (itself included)."""
    seen = {node_id}
    stack = [node_id]
    while stack:
        for target in successors.get(stack.pop(), ()):
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return frozenset(seen)


def _group(
    edges: tuple[EdgeDef, ...], key: Callable[[EdgeDef], str]
) -> dict[str, tuple[EdgeDef, ...]]:
    grouped: dict[str, list[EdgeDef]] = {}
    for edge in edges:
        grouped.setdefault(key(edge), []).append(edge)
    return {node: tuple(items) for node, items in grouped.items()}
