"""Instance state: plain JSON (decision 0005), format 1, and helpers over it. Pure.

Shape (format 1)::

    {"format": 1,
     "status": "new" | "running" | "returned" | "approved" | "rejected" | "completed"
               | "withdrawn" | "failed",
     "record": {...}, "submitter": "<user>",
     "tokens": [{"id": 3, "node": "<node id>", "attempt": 1,
                 "branches": [["<parallel id>", <its attempt>, "<edge id>"], ...],
                 "trail": ["<approval node id>", ...],     # approvals passed, for returns
                 "resume": {"target": "<id>", "back": "<id>"} | null,   # return + direct
                 "chosen": ["<user>", ...],                 # for chosen_by_previous
                 "data": {...node-local state; "tasks": {key: {...}}, "timers": [key]}}],
     "nodes": {"<node id>": {"attempt": <entries so far>, ...shared (join arrivals)}},
     "returned": null | {"node": "<id>", "resume": "replay" | "direct", "tokens": [...]},
     "seq": <int>}

`tokens` holds the tokens waiting at a node; a token moving through the graph inside one
step is never stored. `seq` is bumped by every event and every new token, so one-off keys
(`urge:<seq>`) and token ids never repeat.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from runtime.errors import InvalidInput

STATE_FORMAT = 1
TERMINAL_STATUSES = frozenset({"approved", "rejected", "completed", "withdrawn", "failed"})
STATUSES = frozenset({"new", "running", "returned", *TERMINAL_STATUSES})

State = dict[str, Any]
_ATOMS = frozenset({str, int, float, bool, type(None)})  # immutable: shared, never copied


def new_state() -> State:
    """The state of an instance before its `start` event."""
    return {
        "format": STATE_FORMAT,
        "status": "new",
        "record": {},
        "submitter": None,
        "tokens": [],
        "nodes": {},
        "returned": None,
        "seq": 0,
    }


def copy_json(value: Any) -> Any:
    """A deep copy of JSON-shaped data (dicts, lists, text, numbers, booleans, null).

    Several times faster than `copy.deepcopy` for plain JSON; any other value is handed to
    `copy.deepcopy`. Objects shared inside `value` come out as separate copies.
    """
    kind = type(value)
    if kind is dict:
        return {
            key: item if type(item) in _ATOMS else copy_json(item) for key, item in value.items()
        }
    if kind is list:
        return [item if type(item) in _ATOMS else copy_json(item) for item in value]
    if kind in _ATOMS:
        return value
    return copy.deepcopy(value)


def dumps_state(state: Mapping[str, Any]) -> str:
    """Canonical JSON text of a state (sorted keys, UTF-8 kept, no NaN)."""
    return json.dumps(state, ensure_ascii=False, sort_keys=True, allow_nan=False)


def loads_state(text: str | bytes) -> State:
    """Parse and check a stored state; raise `InvalidInput` for another format or shape."""
    try:
        state = json.loads(text)
    except ValueError as error:
        raise InvalidInput("invalid_state", f"State is not JSON: {error}") from error
    check_state(state)
    return dict(state)


def check_state(state: Any) -> None:
    """Raise `InvalidInput` unless `state` looks like a format-1 instance state."""
    if type(state) is not dict and not isinstance(state, Mapping):
        raise InvalidInput("invalid_state", "State must be an object.")
    if state.get("format") != STATE_FORMAT:
        raise InvalidInput("invalid_state", f"Unsupported state format {state.get('format')!r}.")
    if state.get("status") not in STATUSES:
        raise InvalidInput("invalid_state", f"Unknown status {state.get('status')!r}.")
    nodes = state.get("nodes")
    if not isinstance(state.get("tokens"), list) or not (
        type(nodes) is dict or isinstance(nodes, Mapping)
    ):
        raise InvalidInput("invalid_state", "State needs 'tokens' (list) and 'nodes' (object).")
    record = state.get("record")
    if not (type(record) is dict or isinstance(record, Mapping)) or not isinstance(
        state.get("seq"), int
    ):
        raise InvalidInput("invalid_state", "State needs 'record' (object) and 'seq' (integer).")


def is_finished(state: Mapping[str, Any]) -> bool:
    return state.get("status") in TERMINAL_STATUSES


def open_tasks(state: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every open task: {key, node, assignee, kind}, in token order."""
    found: list[dict[str, Any]] = []
    for token in state.get("tokens", ()):
        for key, task in token.get("data", {}).get("tasks", {}).items():
            if task.get("status") == "open":
                found.append(
                    {
                        "key": key,
                        "node": token["node"],
                        "assignee": task["assignee"],
                        "kind": task.get("kind", "approve"),
                    }
                )
    return found


def open_timers(state: Mapping[str, Any]) -> list[str]:
    """Keys of every scheduled timer, in token order."""
    return [
        key for token in state.get("tokens", ()) for key in token.get("data", {}).get("timers", ())
    ]
