"""The flow engine: a pure, token-based state machine (DESIGN §2, §6; decision 0005).

`step(flow, state, event, now, directory=…)` returns the new state, the effects for the shell
to apply and the trace; it never changes its arguments, so an event that raises changes
nothing (the engine never half-applies an event). The new state is built copy-on-write: the
tokens and node entries the event did not touch, and values nested inside the record, are the
same objects as in the given state. States are values: copy one before changing it in place.

`flow` is the definition as a plain mapping or a `CompiledFlow` from `compile_flow(doc)`: the
index of nodes and edges and the compiled edge conditions are built once per definition, not
per event. A shell that keeps the `CompiledFlow` of each published version skips even the
lookup of a plain mapping (an identity memo checked by equality, see `_compiled`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from runtime.errors import Conflict, InvalidInput, PermissionDenied
from runtime.flows.effects import (
    CancelTask,
    CancelTimer,
    Effect,
    Finish,
    Notify,
    TraceEntry,
)
from runtime.flows.events import (
    ActionDone,
    AddSigner,
    Event,
    RecordChanged,
    Resubmit,
    Retry,
    Signal,
    Start,
    SubflowFinished,
    TaskCompleted,
    Timer,
    Transfer,
    Urge,
    Withdraw,
    parse_event,
)
from runtime.flows.nodes import node_types
from runtime.flows.nodes.approval import permissions_of
from runtime.flows.nodes.base import (
    CompiledFlow,
    Context,
    Outcome,
    compile_flow,
    open_task_keys,
    timer_keys,
)
from runtime.flows.state import (
    TERMINAL_STATUSES,
    State,
    check_state,
    copy_json,
    new_state,
)
from runtime.org.directory import Directory

MAX_ENTRIES = 1_000  # node entries per event: a loop without a wait state fails, never hangs
PERMISSION_RANK = {"hidden": 0, "read_only": 1, "editable": 2}
RECENT_FLOWS = 64  # plain-mapping definitions remembered by identity (then forgotten at once)

__all__ = [
    "MAX_ENTRIES",
    "RECENT_FLOWS",
    "CompiledFlow",
    "FlowDef",
    "Step",
    "compile_flow",
    "field_permissions",
    "start",
    "step",
]


@dataclass(frozen=True, slots=True)
class Step:
    state: State
    effects: tuple[Effect, ...]
    trace: tuple[TraceEntry, ...]


class _BudgetExceeded(Exception):
    pass


FlowDef = Mapping[str, Any] | CompiledFlow

_recent: dict[int, tuple[Mapping[str, Any], CompiledFlow]] = {}


def _compiled(flow: FlowDef) -> CompiledFlow:
    """The compiled flow for `flow`, remembered by identity for plain mappings.

    An entry keeps its mapping alive (so its `id` cannot be reused) and is used only while the
    mapping still equals the compiled copy (so changing a definition in place is noticed; an
    equal value of another type, 1 for 1.0, counts as equal). Otherwise `compile_flow`, which
    shares one compiled flow between definitions with the same content (`flow_key`).
    """
    if isinstance(flow, CompiledFlow):
        return flow
    remembered = _recent.get(id(flow))
    if remembered is not None and remembered[0] is flow and remembered[1].flow == flow:
        return remembered[1]
    compiled = compile_flow(flow)
    if len(_recent) >= RECENT_FLOWS:
        _recent.clear()  # bounded; clear() is atomic, so threads sharing it never trip
    _recent[id(flow)] = (flow, compiled)
    return compiled


def step(
    flow: FlowDef,
    state: Mapping[str, Any],
    event: Mapping[str, Any] | Event,
    now: datetime,
    *,
    directory: Directory,
) -> Step:
    """Advance one flow instance by one event. Pure."""
    if now.tzinfo is None:
        raise InvalidInput("naive_datetime", "`now` must be timezone-aware (UTC).")
    parsed = parse_event(event)
    check_state(state)
    run = _Run(_compiled(flow), state, now, directory)
    run.handle(parsed)
    return Step(run.state, tuple(run.effects), tuple(run.trace))


def start(
    flow: FlowDef,
    *,
    record: Mapping[str, Any],
    submitter: str | None,
    now: datetime,
    directory: Directory,
) -> Step:
    """Start a new instance of `flow` for `record` submitted by `submitter`."""
    event = {"type": "start", "record": dict(record), "submitter": submitter}
    return step(flow, new_state(), event, now, directory=directory)


def field_permissions(flow: FlowDef, state: Mapping[str, Any], username: str) -> dict[str, str]:
    """Field permissions for `username` from the approval nodes where they hold an open task.

    Several open tasks: the most permissive wins (editable > read_only > hidden). An empty
    result means no node sets anything for this user; the shell applies its defaults.
    """
    graph = _compiled(flow)
    result: dict[str, str] = {}
    for token in state.get("tokens", ()):
        node = graph.nodes.get(str(token.get("node")))
        data = token.get("data") or {}
        if node is None or node.get("type") != "approval":
            continue
        if not any(data["tasks"][key]["assignee"] == username for key in open_task_keys(data)):
            continue
        for field, permission in permissions_of(node.get("config") or {}).items():
            if PERMISSION_RANK[permission] >= PERMISSION_RANK.get(result.get(field, ""), -1):
                result[field] = permission
    return result


class _Run:
    """One event's worth of work on a private, copy-on-write copy of the state.

    The given state is never changed. The working state starts as copies of its top level,
    `tokens` list, `nodes` object and record (one level: the engine only ever replaces a
    record's values, so values nested in it stay shared); the rest is copied deeply. A token
    or a node's entry is copied when the run first touches it (`own`, `context`), so an event
    pays for the tokens and nodes it moves, not for the whole instance.
    """

    def __init__(
        self, graph: CompiledFlow, state: Mapping[str, Any], now: datetime, directory: Directory
    ) -> None:
        self.graph = graph
        self.state: State = {}
        for key, value in state.items():
            if key == "record":
                self.state[key] = dict(value) if type(value) is dict else copy_json(value)
            elif key == "tokens":
                self.state[key] = list(value)
            elif key == "nodes" and type(value) is dict:
                self.state[key] = dict(value)
            else:
                self.state[key] = copy_json(value)
        # Objects still shared with `state` (alive while it is, so their ids are stable).
        self.borrowed_tokens = {id(token) for token in self.state["tokens"]}
        self.borrowed_nodes = set(state["nodes"]) if type(state["nodes"]) is dict else set()
        self.copies: dict[int, dict[str, Any]] = {}
        self.now = now
        self.directory = directory
        self.effects: list[Effect] = []
        self.trace: list[TraceEntry] = []
        self.queue: deque[tuple[dict[str, Any], str, str | None]] = deque()
        self.entries = 0

    # -- events -----------------------------------------------------------------------------

    def handle(self, event: Event) -> None:
        state = self.state
        status = state["status"]
        if isinstance(event, Start):
            if status != "new":
                raise Conflict("already_started", "the instance has already started")
            state.update(record=dict(event.record or {}), submitter=event.submitter)
            state["status"] = "running"
            state["seq"] += 1
            self.queue.append((self.new_token(), self.graph.start_node(), None))
            self.run()
            return
        if isinstance(event, Retry):
            self.retry(event)
            self.run()
            return
        if status == "new":
            raise Conflict("not_started", "the instance has not started")
        if status in TERMINAL_STATUSES:
            raise Conflict("instance_finished", f"the instance is already {status}")
        if status == "returned" and not isinstance(
            event, Resubmit | Withdraw | RecordChanged | Urge
        ):
            raise Conflict("instance_returned", "the instance waits for the submitter")
        if event.record is not None:
            state["record"] = dict(event.record)
        state["seq"] += 1
        self.dispatch(event)
        self.run()

    def dispatch(self, event: Event) -> None:
        if isinstance(event, TaskCompleted | Transfer | AddSigner):
            token = self.find(lambda data: event.task in (data.get("tasks") or {}))
            if token is None:
                raise Conflict("unknown_task", f"no open task {event.task!r}")
            self.deliver(self.own(token), event)
        elif isinstance(event, Timer):
            token = self.find(lambda data: event.key in timer_keys(data))
            if token is None:
                raise Conflict("unknown_timer", f"no timer {event.key!r}")
            self.deliver(self.own(token), event)
        elif isinstance(event, ActionDone | SubflowFinished):
            field = "action_key" if isinstance(event, ActionDone) else "subflow_key"
            token = self.find(lambda data: data.get(field) == event.key)
            if token is None:
                raise Conflict("unknown_key", f"nothing waits for {event.key!r}")
            self.deliver(self.own(token), event)
        elif isinstance(event, Signal):
            waiting = [t for t in self.state["tokens"] if t["data"].get("signal") == event.name]
            if not waiting:
                raise Conflict("unknown_signal", f"nothing waits for signal {event.name!r}")
            for token in waiting:
                self.deliver(self.own(token), event)
        elif isinstance(event, Withdraw):
            self.check_submitter(event.by, "withdraw")
            self.trace.append(TraceEntry(None, "vote", {"by": event.by, "outcome": "withdraw"}))
            self.finish("withdrawn", None)
        elif isinstance(event, Urge):
            self.check_submitter(event.by, "urge")
            self.urge(event.by)
        elif isinstance(event, Resubmit):
            self.check_submitter(event.by, "resubmit")
            if self.state["status"] != "returned":
                raise Conflict("not_returned", "only a returned instance can be resubmitted")
            self.resubmit(event.by)
        # RecordChanged: the new record is all there is to it.

    def own(self, token: dict[str, Any]) -> dict[str, Any]:
        """The run's own copy of `token` (made on first use), in its place in `tokens`."""
        if id(token) not in self.borrowed_tokens:
            return token
        copied = self.copies.get(id(token))
        if copied is None:
            copied = self.copies[id(token)] = copy_json(token)
            tokens = self.state["tokens"]
            for index, other in enumerate(tokens):
                if other is token:
                    tokens[index] = copied
                    break
        return copied

    def find(self, matches: Callable[[Mapping[str, Any]], bool]) -> dict[str, Any] | None:
        for token in self.state["tokens"]:
            if matches(token.get("data") or {}):
                token_found: dict[str, Any] = token
                return token_found
        return None

    def check_submitter(self, by: str, what: str) -> None:
        if by != self.state.get("submitter"):
            raise PermissionDenied("not_submitter", f"only the submitter may {what}")

    def deliver(self, token: dict[str, Any], event: Event) -> None:
        node = self.graph.node(token["node"])
        node_type = node_types.load(
            str(node.get("type")), pointer=self.graph.pointer(token["node"])
        )
        outcome = node_type.on_event(self.context(token, node), event)
        self.apply(token, outcome)

    def urge(self, by: str) -> None:
        open_keys = [
            (token["node"], key)
            for token in self.state["tokens"]
            for key in open_task_keys(token["data"])
        ]
        assignees = [self.task_of(node, key)["assignee"] for node, key in open_keys]
        if not assignees:
            return
        data = {"by": by, "tasks": [key for _, key in open_keys]}
        notify = Notify(
            f"urge:{self.state['seq']}", tuple(dict.fromkeys(assignees)), "flow.urge", data
        )
        self.emit(None, [notify])

    def task_of(self, node: str, key: str) -> dict[str, Any]:
        for token in self.state["tokens"]:
            if token["node"] == node and key in token["data"].get("tasks", {}):
                task: dict[str, Any] = token["data"]["tasks"][key]
                return task
        raise Conflict("unknown_task", f"no task {key!r}")

    def retry(self, event: Retry) -> None:
        """Run a failed action again at its node with its key, then go on (decision 0008).

        A token still waiting for the action (its call failed and the instance waits) is found
        by the key; an instance that failed there is resumed with the token its error entry
        recorded, so the key — the action's idempotency key — is the same as before.
        """
        state = self.state
        if event.record is not None:
            state["record"] = dict(event.record)
        found = self.find(lambda data: data.get("action_key") == event.key)
        if found is not None and state["status"] in ("running", "returned"):
            token = self.own(found)
        elif state["status"] == "failed" and event.token:
            token = self.restored(event.token, event.node)
            for other in event.others:  # waits that hold no task or timer: nothing to re-create
                if open_task_keys(other.get("data") or {}) or timer_keys(other.get("data") or {}):
                    raise Conflict("not_resumable", "a branch that ended held tasks or timers")
                again = self.restored(other, str(other.get("node")))
                again["data"] = copy_json(dict(other.get("data") or {}))
                state["tokens"].append(again)
            state["status"] = "running"
        else:
            raise Conflict("nothing_to_retry", f"nothing waits for or failed at {event.key!r}")
        state["seq"] += 1
        if token["node"] != event.node:
            raise Conflict("nothing_to_retry", f"{event.key!r} is not at node {event.node!r}")
        node = self.graph.node(event.node)
        node_type = node_types.load(
            str(node.get("type")), pointer=self.graph.type_pointer(event.node)
        )
        ctx = self.context(token, node)
        if ctx.key() != event.key:
            raise Conflict("nothing_to_retry", f"{event.key!r} is not the node's current key")
        data = {"by": event.by, "key": event.key, "token": token["id"]}
        self.trace.append(TraceEntry(event.node, "retry", data))
        self.apply(token, node_type.retry(ctx))

    def restored(self, snapshot: Mapping[str, Any], node_id: str) -> dict[str, Any]:
        """A token back from its snapshot, at `node_id` with nothing held."""
        self.graph.node(node_id)
        attempt = snapshot.get("attempt")
        if not isinstance(attempt, int) or isinstance(attempt, bool) or attempt < 1:
            raise InvalidInput("invalid_event", "the token to resume needs its attempt")
        token_id = snapshot.get("id")
        if not isinstance(token_id, int) or isinstance(token_id, bool):
            self.state["seq"] += 1
            token_id = self.state["seq"]
        return {
            "id": token_id,
            "node": node_id,
            "attempt": attempt,
            "branches": copy_json(list(snapshot.get("branches") or [])),
            "trail": list(snapshot.get("trail") or []),
            "resume": copy_json(snapshot.get("resume")),
            "chosen": list(snapshot.get("chosen") or []),
            "data": {},
        }

    # -- moving tokens ----------------------------------------------------------------------

    def run(self) -> None:
        try:
            while self.queue and self.state["status"] == "running":
                token, node_id, via = self.queue.popleft()
                self.enter(token, node_id, via)
        except _BudgetExceeded as error:
            message = f"more than {MAX_ENTRIES} node entries in one event (a loop without a wait?)"
            self.trace.append(
                TraceEntry(str(error), "error", {"code": "step_budget", "message": message})
            )
            self.finish("failed", None)
        if self.state["status"] == "running" and not self.state["tokens"]:
            self.trace.append(
                TraceEntry(
                    None, "error", {"code": "no_token", "message": "nothing left to wait for"}
                )
            )
            self.finish("failed", None)

    def new_token(self, like: Mapping[str, Any] | None = None) -> dict[str, Any]:
        self.state["seq"] += 1
        like = like or {}
        return {
            "id": self.state["seq"],
            "node": like.get("node"),
            "attempt": 0,
            "branches": copy_json(list(like.get("branches") or [])),
            "trail": list(like.get("trail") or []),
            "resume": copy_json(like.get("resume")),
            "chosen": list(like.get("chosen") or []),
            "data": {},
        }

    def context(self, token: dict[str, Any], node: Mapping[str, Any]) -> Context:
        node_id = str(node["id"])
        nodes = self.state["nodes"]
        if node_id in self.borrowed_nodes:
            self.borrowed_nodes.discard(node_id)
            nodes[node_id] = copy_json(nodes[node_id])
        shared = nodes.setdefault(node_id, {"attempt": 0})
        return Context(self.graph, node, token, shared, self.state, self.now, self.directory)

    def enter(self, token: dict[str, Any], node_id: str, via: str | None) -> None:
        self.entries += 1
        if self.entries > MAX_ENTRIES:
            raise _BudgetExceeded(node_id)
        node = self.graph.node(node_id)
        node_type = node_types.load(str(node.get("type")), pointer=self.graph.type_pointer(node_id))
        ctx = self.context(token, node)
        ctx.shared["attempt"] = int(ctx.shared.get("attempt", 0)) + 1
        token.update(node=node_id, attempt=ctx.shared["attempt"], data={})
        self.trace.append(
            TraceEntry(
                node_id, "entered", {"token": token["id"], "attempt": token["attempt"], "via": via}
            )
        )
        self.apply(token, node_type.enter(ctx))

    def apply(self, token: dict[str, Any], outcome: Outcome) -> None:
        node_id = str(token["node"])
        self.trace.extend(outcome.trace)
        self.emit(node_id, outcome.effects)
        if outcome.wait:
            token["data"] = dict(outcome.data or {})
            if all(other is not token for other in self.state["tokens"]):
                self.state["tokens"].append(token)
            return
        self.release(token, outcome.data if outcome.data is not None else token.get("data") or {})
        if outcome.finish is not None:
            self.finish(outcome.finish, node_id)
        elif outcome.suspend:
            self.suspend(token)
        elif outcome.jump is not None:
            self.graph.node(outcome.jump)
            self.trace.append(
                TraceEntry(node_id, "left", {"token": token["id"], "jump": outcome.jump})
            )
            self.queue.append((token, outcome.jump, None))
        elif outcome.ports or outcome.edges:
            self.follow(token, outcome)

    def follow(self, token: dict[str, Any], outcome: Outcome) -> None:
        node_id = str(token["node"])
        if outcome.edges:
            edges = [e for e in self.graph.edges_from(node_id) if str(e["id"]) in outcome.edges]
        else:
            edges = [e for port in outcome.ports for e in self.graph.edges_from(node_id, port)]
        if not edges:
            data = {
                "code": "dead_end",
                "ports": list(outcome.ports),
                "message": "no edge to follow",
            }
            self.trace.append(TraceEntry(node_id, "error", data))
            return
        data = {"token": token["id"], "edges": [str(e["id"]) for e in edges]}
        if outcome.ports:
            data["ports"] = list(outcome.ports)
        self.trace.append(TraceEntry(node_id, "left", data))
        for index, edge in enumerate(edges):
            child = token if index == 0 and not outcome.branch else self.new_token(token)
            if outcome.branch:
                child["branches"].append([node_id, token["attempt"], str(edge["id"])])
            self.queue.append((child, str(edge["to"]), str(edge["id"])))

    def release(self, token: dict[str, Any], data: Mapping[str, Any]) -> None:
        """The token leaves its node: cancel what it still holds, stop tracking it."""
        if data:
            node_id = str(token["node"])
            self.emit(node_id, [CancelTask(key) for key in open_task_keys(data)])
            self.emit(node_id, [CancelTimer(key) for key in timer_keys(data)])
        token["data"] = {}
        tokens = self.state["tokens"]
        if any(other is token for other in tokens):
            self.state["tokens"] = [other for other in tokens if other is not token]

    def emit(self, node_id: str | None, effects: Iterable[Effect]) -> None:
        for effect in effects:
            self.effects.append(effect)
            self.trace.append(TraceEntry(node_id, "effect", effect.to_json()))

    # -- whole-instance moves ---------------------------------------------------------------

    def finish(self, status: str, node_id: str | None) -> None:
        """End the instance: cancel every other token's tasks and timers, then Finish."""
        for token in list(self.state["tokens"]):
            token = self.own(token)
            self.release(token, token.get("data") or {})
        self.queue.clear()
        self.state.update(status=status, tokens=[], returned=None)
        self.emit(node_id, [Finish(status)])

    def suspend(self, token: dict[str, Any]) -> None:
        """Return to the submitter: park every token, cancel what they hold (status returned)."""
        node_id = str(token["node"])
        others = [self.own(other) for other in self.state["tokens"]]
        for other in others:
            self.release(other, other.get("data") or {})
        parked = [token, *others, *(queued | {"node": target} for queued, target, _ in self.queue)]
        self.queue.clear()
        config = self.graph.node(node_id).get("config") or {}
        self.state["returned"] = {
            "node": node_id,
            "resume": "direct" if config.get("resume") == "direct" else "replay",
            "tokens": [
                {
                    key: copy_json(item.get(key))
                    for key in ("node", "branches", "trail", "resume", "chosen")
                }
                for item in parked
            ],
        }
        self.state.update(status="returned", tokens=[])
        self.trace.append(
            TraceEntry(node_id, "left", {"token": token["id"], "returned_to": "submitter"})
        )
        submitter = self.state.get("submitter")
        if isinstance(submitter, str):
            notify = Notify(
                f"{node_id}:{token['attempt']}:returned",
                (submitter,),
                "flow.returned",
                {"node": node_id},
            )
            self.emit(node_id, [notify])

    def resubmit(self, by: str) -> None:
        returned = self.state["returned"] or {}
        self.state.update(status="running", returned=None)
        self.trace.append(
            TraceEntry(
                None, "vote", {"by": by, "outcome": "resubmit", "resume": returned.get("resume")}
            )
        )
        if returned.get("resume") == "direct":
            for parked in returned.get("tokens") or []:
                self.queue.append((self.new_token(parked), str(parked["node"]), None))
        else:
            self.queue.append((self.new_token(), self.graph.start_node(), None))
