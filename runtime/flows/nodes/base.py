"""Node types: the registry, the interface every node type implements, its context. Pure."""

from __future__ import annotations

import json
import pickle
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from runtime.errors import Conflict, ExpressionError, InvalidDefinition, Problem
from runtime.expr import Compiled, compile_condition, field_refs
from runtime.expr import compile as compile_expression
from runtime.flows.effects import Effect, TraceEntry
from runtime.flows.events import Event
from runtime.flows.state import copy_json
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


class CompiledFlow:
    """A flow definition indexed once: nodes by id, outgoing edges in order, compiled conditions.

    Build it with `compile_flow(doc)`, which indexes a private copy of `doc` and shares one
    `CompiledFlow` between equal definitions; `step` accepts it in place of the plain mapping.
    Read-only once built (conditions are compiled on first use, which changes no result).
    """

    def __init__(self, flow: Mapping[str, Any]) -> None:
        self.flow = flow
        self.nodes: dict[str, Mapping[str, Any]] = {}
        self.positions: dict[str, int] = {}
        for index, node in enumerate(flow.get("nodes") or ()):
            self.nodes[str(node["id"])] = node
            self.positions[str(node["id"])] = index
        self._pointers = {node_id: f"/nodes/{index}" for node_id, index in self.positions.items()}
        self._type_pointers = {node_id: f"{at}/type" for node_id, at in self._pointers.items()}
        outgoing: dict[str, list[tuple[float, int, Mapping[str, Any]]]] = {}
        for index, edge in enumerate(flow.get("edges") or ()):
            order = edge.get("order")
            rank = float(order) if isinstance(order, int | float) else float("inf")
            outgoing.setdefault(str(edge["from"]), []).append((rank, index, edge))
        self.outgoing: dict[str, tuple[Mapping[str, Any], ...]] = {
            source: tuple(edge for _, _, edge in sorted(items, key=lambda item: item[:2]))
            for source, items in outgoing.items()
        }
        self._by_port: dict[tuple[str, str], tuple[Mapping[str, Any], ...]] = {}
        self._scan: set[str] = set()  # sources with a port that is not text: compare one by one
        for source, edges in self.outgoing.items():
            for edge in edges:
                port = edge.get("port", DEFAULT_PORT)
                if not isinstance(port, str):
                    self._scan.add(source)
                    continue
                self._by_port[source, port] = (*self._by_port.get((source, port), ()), edge)
        self._start = next(
            (node_id for node_id, node in self.nodes.items() if node.get("type") == "start"), None
        )
        self._conditions: dict[int, Compiled | _ConditionError] = {}
        self._condition_fields: dict[int, tuple[str, ...]] = {}

    def node(self, node_id: str) -> Mapping[str, Any]:
        node = self.nodes.get(node_id)
        if node is None:
            message = f"no node {node_id!r} in flow {self.flow.get('key')!r}"
            raise InvalidDefinition("unknown_node", message, [Problem("unknown_node", message)])
        return node

    def pointer(self, node_id: str) -> str:
        return self._pointers.get(node_id, "/nodes/0")

    def type_pointer(self, node_id: str) -> str:
        return self._type_pointers.get(node_id, "/nodes/0/type")

    def edges_from(self, node_id: str, port: str | None = None) -> tuple[Mapping[str, Any], ...]:
        """Outgoing edges by `order` then position; only those leaving by `port` if given."""
        if port is None:
            return self.outgoing.get(node_id, ())
        if node_id in self._scan:
            edges = self.outgoing.get(node_id, ())
            return tuple(edge for edge in edges if edge.get("port", DEFAULT_PORT) == port)
        return self._by_port.get((node_id, port), ())

    def has_port(self, node_id: str, port: str) -> bool:
        return bool(self.edges_from(node_id, port))

    def start_node(self) -> str:
        if self._start is None:
            message = "the flow has no start node"
            raise InvalidDefinition(
                "no_start", message, [Problem("no_start", message, pointer="/nodes")]
            )
        return self._start

    def condition(self, edge: Mapping[str, Any]) -> Compiled:
        """The compiled `condition` of one of this flow's edges, compiled on first use.

        Raises `ExpressionError` as `runtime.expr.evaluate_condition` does for a tree that is not
        plain JSON or not a valid condition; the compiled function raises it for evaluation errors
        and returns the raw result (`evaluate_condition` holds only when it `is True`).
        """
        compiled = self._conditions.get(id(edge))
        if compiled is None:
            compiled = self._conditions[id(edge)] = _compile_condition(edge.get("condition"))
        if isinstance(compiled, _ConditionError):
            raise ExpressionError(compiled.code, compiled.message, compiled.problems)
        return compiled

    def condition_fields(self, edge: Mapping[str, Any]) -> tuple[str, ...]:
        """The field keys an edge's condition reads, sorted (none for an invalid condition)."""
        found = self._condition_fields.get(id(edge))
        if found is None:
            try:
                tree = compile_condition(edge.get("condition") or {})
                found = tuple(sorted(field_refs(tree)))
            except (ExpressionError, TypeError, ValueError, RecursionError):
                found = ()
            self._condition_fields[id(edge)] = found
        return found


FlowGraph = CompiledFlow  # the name the node types knew it by


@dataclass(frozen=True, slots=True)
class _ConditionError:
    code: str
    message: str
    problems: tuple[Problem, ...]


def _compile_condition(tree: Any) -> Compiled | _ConditionError:
    """What `evaluate_condition` compiles for `tree` (via its canonical JSON text), or its error."""
    try:
        text = json.dumps(tree, sort_keys=True, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        message = "A condition tree must be plain JSON."
        return _ConditionError(
            "invalid_condition", message, (Problem("invalid_condition", message),)
        )
    try:
        return compile_expression(compile_condition(json.loads(text)))
    except ExpressionError as error:
        return _ConditionError(error.code, error.message, error.problems)


COMPILED_FLOWS = 256  # definitions kept by `compile_flow` (then forgotten at once)
_compiled_flows: dict[bytes, CompiledFlow] = {}


def flow_key(doc: Mapping[str, Any]) -> bytes | None:
    """The exact content of a definition as bytes (its pickle); None when it cannot be pickled.

    Equal bytes mean the same keys, values and value types in the same order, so two such
    definitions behave identically; the same definition with its keys in another order only
    gets its own entry. Several times cheaper than canonical JSON text.
    """
    try:
        return pickle.dumps(doc, protocol=5)
    except (pickle.PicklingError, TypeError, AttributeError, ValueError, RecursionError):
        return None


def compile_flow(doc: Mapping[str, Any] | CompiledFlow) -> CompiledFlow:
    """The `CompiledFlow` of a definition; definitions with the same content share one.

    The content key is computed here, once per call: a shell that keeps the result (per
    published flow version) pays for it once, not per event.
    """
    if isinstance(doc, CompiledFlow):
        return doc
    key = flow_key(doc)
    if key is not None:
        cached = _compiled_flows.get(key)
        if cached is not None:
            return cached
    compiled = CompiledFlow(copy_json(dict(doc)))
    if key is not None:
        if len(_compiled_flows) >= COMPILED_FLOWS:
            _compiled_flows.clear()  # bounded; clear() is atomic, so threads never trip
        _compiled_flows[key] = compiled
    return compiled


@dataclass(slots=True)
class Context:
    """What a node type sees: the graph, its node, the token, the instance, the clock.

    `token` and `shared` (this node's entry in `state["nodes"]`, shared by every token) are
    the engine's working copies for this step: node types may update them; nothing else.
    """

    graph: CompiledFlow
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
        return config if type(config) is dict or isinstance(config, Mapping) else {}

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

    def retry(self, ctx: Context) -> Outcome:
        """An operator runs the node's failed work again (its token restored, same attempt)."""
        raise Conflict("not_retryable", f"node {ctx.node_id!r} ({self.key}) cannot be retried")


node_types: Registry[NodeType] = Registry("node type")


def open_task_keys(data: Mapping[str, Any]) -> list[str]:
    """Keys of the tasks in node-local `data` that are still open."""
    tasks = data.get("tasks") or {}
    return [key for key, task in tasks.items() if task.get("status") == "open"]


def timer_keys(data: Mapping[str, Any]) -> list[str]:
    return list(data.get("timers") or ())
