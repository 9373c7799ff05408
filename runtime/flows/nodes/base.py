"""Node types: the registry, the interface every node type implements, its context. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from runtime.errors import Conflict, InvalidDefinition, Problem
from runtime.flows.effects import Effect, TraceEntry
from runtime.flows.events import Event
from runtime.org.directory import Directory
from runtime.registry import Registry

DEFAULT_PORT = "out"
DURATION_PATTERN = r"^[-+]?P(\d+W|(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?)$"
DURATION_SCHEMA: dict[str, Any] = {"type": "string", "pattern": DURATION_PATTERN, "minLength": 3}
EMPTY_CONFIG_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {},
}


class FlowGraph:
    """Index over a flow definition (a plain mapping): nodes by id, outgoing edges in order."""

    def __init__(self, flow: Mapping[str, Any]) -> None:
        self.flow = flow
        self.nodes: dict[str, Mapping[str, Any]] = {}
        self.positions: dict[str, int] = {}
        for index, node in enumerate(flow.get("nodes") or ()):
            self.nodes[str(node["id"])] = node
            self.positions[str(node["id"])] = index
        outgoing: dict[str, list[tuple[float, int, Mapping[str, Any]]]] = {}
        for index, edge in enumerate(flow.get("edges") or ()):
            order = edge.get("order")
            rank = float(order) if isinstance(order, int | float) else float("inf")
            outgoing.setdefault(str(edge["from"]), []).append((rank, index, edge))
        self.outgoing = {
            source: [edge for _, _, edge in sorted(items, key=lambda item: item[:2])]
            for source, items in outgoing.items()
        }

    def node(self, node_id: str) -> Mapping[str, Any]:
        node = self.nodes.get(node_id)
        if node is None:
            message = f"no node {node_id!r} in flow {self.flow.get('key')!r}"
            raise InvalidDefinition("unknown_node", message, [Problem("unknown_node", message)])
        return node

    def pointer(self, node_id: str) -> str:
        return f"/nodes/{self.positions.get(node_id, 0)}"

    def edges_from(self, node_id: str, port: str | None = None) -> list[Mapping[str, Any]]:
        """Outgoing edges by `order` then position; only those leaving by `port` if given."""
        edges = self.outgoing.get(node_id, [])
        if port is None:
            return list(edges)
        return [edge for edge in edges if edge.get("port", DEFAULT_PORT) == port]

    def has_port(self, node_id: str, port: str) -> bool:
        return any(
            edge.get("port", DEFAULT_PORT) == port for edge in self.outgoing.get(node_id, [])
        )

    def start_node(self) -> str:
        for node_id, node in self.nodes.items():
            if node.get("type") == "start":
                return node_id
        message = "the flow has no start node"
        raise InvalidDefinition(
            "no_start", message, [Problem("no_start", message, pointer="/nodes")]
        )


@dataclass(slots=True)
class Context:
    """What a node type sees: the graph, its node, the token, the instance, the clock.

    `token` and `shared` (this node's entry in `state["nodes"]`, shared by every token) are
    the engine's working copies for this step: node types may update them; nothing else.
    """

    graph: FlowGraph
    node: Mapping[str, Any]
    token: dict[str, Any]
    shared: dict[str, Any]
    state: dict[str, Any]
    now: datetime
    directory: Directory

    @property
    def node_id(self) -> str:
        return str(self.node["id"])

    @property
    def config(self) -> Mapping[str, Any]:
        config = self.node.get("config")
        return config if isinstance(config, Mapping) else {}

    @property
    def attempt(self) -> int:
        return int(self.token.get("attempt", 1))

    @property
    def record(self) -> dict[str, Any]:
        record: dict[str, Any] = self.state["record"]
        return record

    @property
    def submitter(self) -> str | None:
        submitter = self.state.get("submitter")
        return submitter if isinstance(submitter, str) else None

    @property
    def data(self) -> dict[str, Any]:
        """The token's node-local state (built by `enter`, kept while the token waits)."""
        data: dict[str, Any] = self.token.setdefault("data", {})
        return data

    def key(self, *parts: object) -> str:
        """A deterministic key `<node>:<attempt>[:<part>…]`, unique within the instance."""
        return ":".join([self.node_id, str(self.attempt), *(str(part) for part in parts)])

    def entry(self, kind: str, **data: Any) -> TraceEntry:
        return TraceEntry(self.node_id, kind, data)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a node decided: wait, leave by ports/edges, jump, suspend or finish the instance.

    Exactly one of: `wait` (the token stays, with `data`); `ports` / `edges` (leave; `branch`
    makes each edge a parallel branch); `jump` (re-enter that node: returns); `suspend` (return
    to the submitter); `finish` (end the instance with that status). None of them: the token is
    absorbed (a join still waiting). When the token does not wait, the engine cancels the
    tasks still open and the timers still listed in `data`.
    """

    wait: bool = False
    data: Mapping[str, Any] | None = None
    ports: tuple[str, ...] = ()
    edges: tuple[str, ...] = ()
    branch: bool = False
    jump: str | None = None
    suspend: bool = False
    finish: str | None = None
    effects: tuple[Effect, ...] = ()
    trace: tuple[TraceEntry, ...] = field(default=())


class NodeType:
    """Base class of a node type; subclasses set the class attributes and override methods."""

    key: ClassVar[str]
    version: ClassVar[int] = 1
    label: ClassVar[dict[str, str]]
    icon: ClassVar[str] = "node"
    group: ClassVar[str] = "logic"  # palette group: basic | people | logic | automation
    ports: ClassVar[tuple[str, ...]] = (DEFAULT_PORT,)
    config_schema: ClassVar[dict[str, Any]] = EMPTY_CONFIG_SCHEMA
    example_config: ClassVar[dict[str, Any]] = {}

    def enter(self, ctx: Context) -> Outcome:
        """A token arrived at the node."""
        raise NotImplementedError

    def on_event(self, ctx: Context, event: Event) -> Outcome:
        """An event routed to the token waiting here (a task, timer, action or signal of it)."""
        raise Conflict(
            "unexpected_event", f"node {ctx.node_id!r} ({self.key}) does not take {event.type!r}"
        )


node_types: Registry[NodeType] = Registry("node type")


def open_task_keys(data: Mapping[str, Any]) -> list[str]:
    """Keys of the tasks in node-local `data` that are still open."""
    tasks = data.get("tasks") or {}
    return [key for key, task in tasks.items() if task.get("status") == "open"]


def timer_keys(data: Mapping[str, Any]) -> list[str]:
    return list(data.get("timers") or ())
