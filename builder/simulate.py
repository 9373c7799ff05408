"""Flow simulation: the engine's `start` + `step` over given events, effects recorded. Pure.

Nothing is stored or sent: effects are collected as JSON. `run_action` effects are answered at
once with a simulated `action_done` (a step of its own, marked `"auto": true`), as the shell
does for `update_fields`, so a simulation runs through to the end nodes. A subflow is not
simulated: its node waits for a `subflow_finished` event {key, outcome} among the given events.

A draft saved with problems (decision 0011) is run as it is: problems that do not keep the
engine from going on (an unreachable node, a dead end, an unknown field) only show beside the
trace. When the engine cannot go on — it follows an edge to a node that does not exist, or the
flow has no start node — the run stops there with a last step carrying `error` and the result's
`stopped` names the node and the edge (`{"code": "cannot_run", "node", "edge", "target"}`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from runtime.errors import Conflict, InvalidDefinition, InvalidInput, PermissionDenied, Problem
from runtime.flows import engine
from runtime.flows.effects import RunAction
from runtime.flows.engine import Step
from runtime.flows.state import State, is_finished, open_tasks
from runtime.org.directory import Directory

MAX_EVENTS = 200
TASK_EVENTS = frozenset({"task_completed", "transfer", "add_signer"})


def parse_at(value: Any, *, field: str) -> datetime:
    """An ISO-8601 moment (a naive one is read as UTC); raise `InvalidInput` otherwise."""
    if not isinstance(value, str):
        raise _bad(field, "'at' must be an ISO-8601 date-time text.")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise _bad(field, f"'at' is not an ISO-8601 date-time: {value[:40]!r}.") from error
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def simulate(
    flow: Mapping[str, Any],
    *,
    record: Mapping[str, Any],
    submitter: str,
    events: Sequence[Mapping[str, Any]],
    now: datetime,
    directory: Directory,
) -> dict[str, Any]:
    """`{"status", "steps": [{"event", "at", "trace", "effects", "status"}…]}` for `events`.

    `now` is the start time; an event's `at` sets the time from that event on. An event the
    engine refuses (a wrong user, an unknown task) ends the simulation with a step carrying
    `error` instead of `trace`; malformed events raise `InvalidInput` before anything runs.
    A flow the engine cannot go on with (see the module) stops with `stopped` set.
    """
    if len(events) > MAX_EVENTS:
        raise _bad("events", f"At most {MAX_EVENTS} events.")
    moments = _moments(events, now)
    start_event = {"type": "start", "record": dict(record), "submitter": submitter}
    steps: list[dict[str, Any]] = []
    try:
        result = engine.start(
            flow, record=record, submitter=submitter, now=now, directory=directory
        )
    except InvalidDefinition as error:
        return _stopped(flow, error, start_event, now, None, steps, dict(record))
    steps.append(_step_json(start_event, now, result))
    state = result.state
    event: dict[str, Any] = start_event
    at = now
    try:
        state = _answer_actions(flow, result, now, directory, steps)
        for index, (raw, moment) in enumerate(zip(events, moments, strict=True)):
            event, at = _with_task(raw, state, index), moment
            try:
                result = engine.step(flow, state, event, at, directory=directory)
            except InvalidInput as error:
                raise InvalidInput(error.code, error.message, _under(error, index)) from error
            except (Conflict, PermissionDenied) as error:
                steps.append(_error_json(event, at, error, state))
                break
            steps.append(_step_json(event, at, result))
            state = result.state
            state = _answer_actions(flow, result, at, directory, steps)
    except InvalidDefinition as error:
        return _stopped(flow, error, event, at, state, steps, state.get("record", {}))
    return {"status": state["status"], "record": state.get("record", {}), "steps": steps}


def _stopped(
    flow: Mapping[str, Any],
    error: InvalidDefinition,
    event: Mapping[str, Any],
    at: datetime,
    state: State | None,
    steps: list[dict[str, Any]],
    record: Mapping[str, Any],
) -> dict[str, Any]:
    """The result of a run the engine could not go on with: the steps so far, then the stop."""
    stop = _why_stopped(flow, error, steps)
    status = state["status"] if state is not None else "stopped"
    steps.append(
        {
            "event": dict(event),
            "at": _iso(at),
            "trace": [],
            "effects": [],
            "status": status,
            "error": {**stop, "status": error.status},
        }
    )
    return {"status": status, "record": dict(record), "steps": steps, "stopped": stop}


def _why_stopped(
    flow: Mapping[str, Any], error: InvalidDefinition, steps: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """`{code, message, node?, edge?, target?}`: where the run stopped and why, by node id."""
    if error.code == "no_start":
        return {"code": "cannot_run", "cause": "no_start", "message": "The flow has no start node."}
    nodes = {n.get("id") for n in _items(flow, "nodes")}
    entered = [
        entry.get("node")
        for step in steps
        for entry in step.get("trace", [])
        if isinstance(entry, Mapping) and entry.get("kind") == "entered"
    ]
    dangling = [
        edge
        for edge in _items(flow, "edges")
        if edge.get("to") not in nodes and edge.get("from") in nodes
    ]
    # the edge taken: one leaving a node the run reached, the latest reached first
    for node in reversed(entered):
        for edge in dangling:
            if edge.get("from") == node:
                return _dangling_stop(edge)
    if dangling:
        return _dangling_stop(dangling[0])
    return {"code": "cannot_run", "cause": error.code, "message": error.message}


def _dangling_stop(edge: Mapping[str, Any]) -> dict[str, Any]:
    node, target, edge_id = edge.get("from"), edge.get("to"), edge.get("id")
    message = (
        f"The run stopped at node {node!r}: its edge {edge_id!r} leads to {target!r}, "
        "which is not a node of this flow."
    )
    return {
        "code": "cannot_run",
        "cause": "dangling_edge",
        "message": message,
        "node": node,
        "edge": edge_id,
        "target": target,
    }


def _items(flow: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    items = flow.get(name)
    return [i for i in items if isinstance(i, Mapping)] if isinstance(items, list) else []


def _moments(events: Sequence[Mapping[str, Any]], now: datetime) -> list[datetime]:
    moments: list[datetime] = []
    current = now
    for index, event in enumerate(events):
        if not isinstance(event, Mapping):
            raise _bad(f"events.{index}", "Each event must be an object with a 'type'.")
        if event.get("at") is not None:
            current = parse_at(event["at"], field=f"events.{index}.at")
        moments.append(current)
    return moments


def _with_task(raw: Mapping[str, Any], state: State, index: int) -> dict[str, Any]:
    """The event without `at`; a task event without `task` gets `by`'s open task."""
    event = {key: value for key, value in raw.items() if key != "at"}
    if event.get("type") in TASK_EVENTS and not event.get("task"):
        mine = [t["key"] for t in open_tasks(state) if t["assignee"] == event.get("by")]
        if len(mine) != 1:
            message = f"Name the task: {event.get('by')!r} holds {len(mine)} open tasks."
            raise _bad(f"events.{index}.task", message)
        event["task"] = mine[0]
    return event


def _answer_actions(
    flow: Mapping[str, Any],
    result: Step,
    at: datetime,
    directory: Directory,
    steps: list[dict[str, Any]],
) -> State:
    """Feed `action_done` for every `run_action` effect, as the shell would; the final state."""
    pending = [e for e in result.effects if isinstance(e, RunAction)]
    state = result.state
    while pending and not is_finished(state):
        action = pending.pop(0)
        event = {"type": "action_done", "key": action.key, "result": {"simulated": True}}
        answer = engine.step(flow, state, event, at, directory=directory)
        steps.append({**_step_json(event, at, answer), "auto": True})
        pending.extend(e for e in answer.effects if isinstance(e, RunAction))
        state = answer.state
    return state


def _step_json(event: Mapping[str, Any], at: datetime, result: Step) -> dict[str, Any]:
    return {
        "event": dict(event),
        "at": _iso(at),
        "trace": [entry.to_json() for entry in result.trace],
        "effects": [effect.to_json() for effect in result.effects],
        "status": result.state["status"],
    }


def _error_json(
    event: Mapping[str, Any], at: datetime, error: Conflict | PermissionDenied, state: State
) -> dict[str, Any]:
    return {
        "event": dict(event),
        "at": _iso(at),
        "trace": [],
        "effects": [],
        "status": state["status"],
        "error": {"code": error.code, "message": error.message, "status": error.status},
    }


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _under(error: InvalidInput, index: int) -> list[Problem]:
    return [
        Problem(p.code, p.message, field=f"events.{index}.{p.field}" if p.field else None)
        for p in error.to_problems()
    ]


def _bad(field: str, message: str) -> InvalidInput:
    return InvalidInput("invalid_simulation", message, [Problem("invalid", message, field=field)])
