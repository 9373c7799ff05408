"""Flow simulation: the engine's `start` + `step` over given events, effects recorded. Pure.

Nothing is stored or sent: effects are collected as JSON. `run_action` effects are answered at
once with a simulated `action_done` (a step of its own, marked `"auto": true`), as the shell
does for `update_fields`, so a simulation runs through to the end nodes. A subflow is not
simulated: its node waits for a `subflow_finished` event {key, outcome} among the given events.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from runtime.errors import Conflict, InvalidInput, PermissionDenied, Problem
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
    """
    if len(events) > MAX_EVENTS:
        raise _bad("events", f"At most {MAX_EVENTS} events.")
    moments = _moments(events, now)
    result = engine.start(flow, record=record, submitter=submitter, now=now, directory=directory)
    start_event = {"type": "start", "record": dict(record), "submitter": submitter}
    steps = [_step_json(start_event, now, result)]
    state = _answer_actions(flow, result, now, directory, steps)
    for index, (raw, at) in enumerate(zip(events, moments, strict=True)):
        event = _with_task(raw, state, index)
        try:
            result = engine.step(flow, state, event, at, directory=directory)
        except InvalidInput as error:
            raise InvalidInput(error.code, error.message, _under(error, index)) from error
        except (Conflict, PermissionDenied) as error:
            steps.append(_error_json(event, at, error, state))
            break
        steps.append(_step_json(event, at, result))
        state = _answer_actions(flow, result, at, directory, steps)
    return {"status": state["status"], "record": state.get("record", {}), "steps": steps}


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
