"""Engine events: parse and check the JSON the shell sends into small dataclasses. Pure."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from runtime.errors import InvalidInput, Problem

Record = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Start:
    submitter: str | None  # None: an automation on an anonymous change (a public form)
    record: Record | None = None
    type: str = "start"


@dataclass(frozen=True, slots=True)
class TaskCompleted:
    task: str
    by: str
    outcome: str  # approve | reject | return
    comment: str = ""
    to_node: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    record: Record | None = None
    type: str = "task_completed"


@dataclass(frozen=True, slots=True)
class Transfer:
    task: str
    by: str
    to: str
    record: Record | None = None
    type: str = "transfer"


@dataclass(frozen=True, slots=True)
class AddSigner:
    task: str
    by: str
    users: tuple[str, ...]
    position: str  # before | after
    record: Record | None = None
    type: str = "add_signer"


@dataclass(frozen=True, slots=True)
class Withdraw:
    by: str
    record: Record | None = None
    type: str = "withdraw"


@dataclass(frozen=True, slots=True)
class Urge:
    by: str
    record: Record | None = None
    type: str = "urge"


@dataclass(frozen=True, slots=True)
class Resubmit:
    """The submitter sends a returned instance back (status `returned` → `running`)."""

    by: str
    record: Record | None = None
    type: str = "resubmit"


@dataclass(frozen=True, slots=True)
class Timer:
    key: str
    record: Record | None = None
    type: str = "timer"


@dataclass(frozen=True, slots=True)
class Signal:
    name: str
    data: Mapping[str, Any] = field(default_factory=dict)
    record: Record | None = None
    type: str = "signal"


@dataclass(frozen=True, slots=True)
class ActionDone:
    key: str
    result: Mapping[str, Any] = field(default_factory=dict)
    record: Record | None = None
    type: str = "action_done"


@dataclass(frozen=True, slots=True)
class SubflowFinished:
    key: str
    outcome: str
    record: Record | None = None
    type: str = "subflow_finished"


@dataclass(frozen=True, slots=True)
class Retry:
    """An operator runs a failed action again: the same node, the same key (decision 0008).

    `token` is the failed token as its error entry recorded it, `others` the tokens that ended
    with it (waiting for a signal or a call: nothing to re-create); they are needed only to
    resume an instance that failed (a waiting token is found by its key).
    """

    node: str
    key: str
    by: str | None = None
    token: Mapping[str, Any] = field(default_factory=dict)
    others: tuple[Mapping[str, Any], ...] = ()
    record: Record | None = None
    type: str = "retry"


@dataclass(frozen=True, slots=True)
class RecordChanged:
    record: Record | None = None
    type: str = "record_changed"


Event = (
    Start
    | TaskCompleted
    | Transfer
    | AddSigner
    | Withdraw
    | Urge
    | Resubmit
    | Timer
    | Signal
    | ActionDone
    | SubflowFinished
    | Retry
    | RecordChanged
)

OUTCOMES = ("approve", "reject", "return")
POSITIONS = ("before", "after")


class _Reader:
    """Collects every problem of one raw event; `field` of a problem is the event key."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw
        self.problems: list[Problem] = []

    def bad(self, key: str, message: str, code: str = "invalid") -> None:
        self.problems.append(Problem(code, message, field=key))

    def text(self, key: str, *, choices: tuple[str, ...] = ()) -> str:
        value = self.raw.get(key)
        if not isinstance(value, str) or not value:
            self.bad(
                key, f"{key!r} must be non-empty text.", "required" if value is None else "invalid"
            )
            return ""
        if choices and value not in choices:
            self.bad(key, f"{key!r} must be one of {', '.join(choices)}.")
        return value

    def optional_text(self, key: str) -> str | None:
        value = self.raw.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            self.bad(key, f"{key!r} must be text.")
            return None
        return value

    def mapping(self, key: str, *, required: bool = False) -> dict[str, Any]:
        value = self.raw.get(key)
        if value is None and not required:
            return {}
        if not isinstance(value, Mapping):
            self.bad(key, f"{key!r} must be an object.", "required" if value is None else "invalid")
            return {}
        return dict(value)

    def objects(self, key: str) -> tuple[Mapping[str, Any], ...]:
        value = self.raw.get(key)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
            self.bad(key, f"{key!r} must be a list of objects.")
            return ()
        return tuple(dict(item) for item in value)

    def users(self, key: str) -> tuple[str, ...]:
        value = self.raw.get(key)
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(user, str) and user for user in value)
        ):
            self.bad(key, f"{key!r} must be a non-empty list of usernames.")
            return ()
        return tuple(dict.fromkeys(value))

    def record(self) -> Record | None:
        value = self.raw.get("record")
        if value is None:
            return None
        if not isinstance(value, Mapping):
            self.bad("record", "'record' must be an object.")
            return None
        return dict(value)


def _start(r: _Reader) -> Event:
    return Start(submitter=r.optional_text("submitter") or None, record=r.record() or {})


def _task_completed(r: _Reader) -> Event:
    return TaskCompleted(
        task=r.text("task"),
        by=r.text("by"),
        outcome=r.text("outcome", choices=OUTCOMES),
        comment=r.optional_text("comment") or "",
        to_node=r.optional_text("to_node"),
        data=r.mapping("data"),
        record=r.record(),
    )


def _transfer(r: _Reader) -> Event:
    return Transfer(task=r.text("task"), by=r.text("by"), to=r.text("to"), record=r.record())


def _add_signer(r: _Reader) -> Event:
    return AddSigner(
        task=r.text("task"),
        by=r.text("by"),
        users=r.users("users"),
        position=r.text("position", choices=POSITIONS),
        record=r.record(),
    )


def _withdraw(r: _Reader) -> Event:
    return Withdraw(by=r.text("by"), record=r.record())


def _urge(r: _Reader) -> Event:
    return Urge(by=r.text("by"), record=r.record())


def _resubmit(r: _Reader) -> Event:
    return Resubmit(by=r.text("by"), record=r.record())


def _timer(r: _Reader) -> Event:
    return Timer(key=r.text("key"), record=r.record())


def _signal(r: _Reader) -> Event:
    return Signal(name=r.text("name"), data=r.mapping("data"), record=r.record())


def _action_done(r: _Reader) -> Event:
    return ActionDone(key=r.text("key"), result=r.mapping("result"), record=r.record())


def _subflow_finished(r: _Reader) -> Event:
    return SubflowFinished(key=r.text("key"), outcome=r.text("outcome"), record=r.record())


def _retry(r: _Reader) -> Event:
    return Retry(
        node=r.text("node"),
        key=r.text("key"),
        by=r.optional_text("by"),
        token=r.mapping("token"),
        others=r.objects("others"),
        record=r.record(),
    )


def _record_changed(r: _Reader) -> Event:
    record = r.record()
    if record is None:
        r.bad("record", "'record' is required.", "required")
    return RecordChanged(record=record)


PARSERS: dict[str, Callable[[_Reader], Event]] = {
    "start": _start,
    "task_completed": _task_completed,
    "transfer": _transfer,
    "add_signer": _add_signer,
    "withdraw": _withdraw,
    "urge": _urge,
    "resubmit": _resubmit,
    "timer": _timer,
    "signal": _signal,
    "action_done": _action_done,
    "subflow_finished": _subflow_finished,
    "retry": _retry,
    "record_changed": _record_changed,
}


def parse_event(raw: Mapping[str, Any] | Event) -> Event:
    """The typed event for a JSON event; raise `InvalidInput` listing every problem."""
    if type(raw) is not dict and not isinstance(raw, Mapping):
        return raw
    kind = raw.get("type")
    parser = PARSERS.get(kind) if isinstance(kind, str) else None
    if parser is None:
        message = f"Unknown event type {kind!r}."
        raise InvalidInput("invalid_event", message, [Problem("invalid", message, field="type")])
    reader = _Reader(raw)
    event = parser(reader)
    if reader.problems:
        first = reader.problems[0]
        raise InvalidInput("invalid_event", first.message, reader.problems)
    return event
