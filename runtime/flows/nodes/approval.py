"""Approval node: approvers, modes, votes, returns, transfers, signers, deadlines. Pure.

Node-local state (the token's `data` while it waits)::

    {"seats": [{"approver": "zhao", "chain": ["zhao"], "pos": 0,
                "status": "waiting" | "open" | "approved" | "rejected", "task": "<key>"}],
     "tasks": {"<key>": {"assignee": "zhao", "seat": 0,
                         "status": "open" | "approved" | "rejected" | "returned"
                                   | "transferred" | "suspended"}},
     "timers": ["<key>"], "due_at": "<iso>" | null}

A seat is one resolved approver; its `chain` is who must approve, in order, for the seat to
count: transfer replaces the current person, add-signer inserts people before or after them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from runtime.errors import Conflict, InvalidInput, PermissionDenied
from runtime.flows import approvers
from runtime.flows.durations import moment_from, parse_duration, parse_moment
from runtime.flows.effects import CancelTask, CreateTask, Effect, Notify, ScheduleTimer, TraceEntry
from runtime.flows.events import AddSigner, Event, TaskCompleted, Timer, Transfer
from runtime.flows.nodes.base import (
    DURATION_SCHEMA,
    Context,
    NodeType,
    Outcome,
    node_types,
    open_task_keys,
)

MODES = ("single", "any", "all", "ratio", "sequential")
ON_TIMEOUT = ("auto_approve", "auto_reject", "escalate", "abort")
DEFAULT_EMPTY = "to_admin"
DEFAULT_ON_TIMEOUT = "escalate"
PERMISSIONS = ("editable", "read_only", "hidden")
SYSTEM = "system"

_USERNAME = {"type": "string", "minLength": 1}
APPROVER_SPEC_SCHEMA: dict[str, Any] = {
    "oneOf": [
        {
            "type": "object",
            "required": ["type", "users"],
            "additionalProperties": False,
            "properties": {
                "type": {"const": "users"},
                "users": {"type": "array", "minItems": 1, "items": _USERNAME},
            },
        },
        {
            "type": "object",
            "required": ["type", "role"],
            "additionalProperties": False,
            "properties": {"type": {"const": "role"}, "role": {"type": "string", "minLength": 1}},
        },
        {
            "type": "object",
            "required": ["type"],
            "additionalProperties": False,
            "properties": {
                "type": {"const": "department_head"},
                "levels": {"type": "integer", "minimum": 1, "maximum": 20},
                "to_top": {"type": "boolean"},
                # The manager of the user this field names (default: of the submitter).
                "field": {"type": "string", "minLength": 1},
            },
        },
        {
            "type": "object",
            "required": ["type", "field"],
            "additionalProperties": False,
            "properties": {"type": {"const": "field"}, "field": {"type": "string", "minLength": 1}},
        },
        {
            "type": "object",
            "required": ["type"],
            "additionalProperties": False,
            "properties": {"type": {"enum": ["submitter", "chosen_by_previous"]}},
        },
    ]
}


def _tasks(data: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    tasks: dict[str, dict[str, Any]] = data["tasks"]
    return tasks


@node_types.register
class ApprovalNode(NodeType):
    key = "approval"
    label: ClassVar[dict[str, str]] = {"en": "Approval", "zh-CN": "审批"}
    icon = "stamp"
    group = "people"
    ports = ("approved", "rejected")
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["approvers"],
        "additionalProperties": False,
        "properties": {
            "mode": {"enum": list(MODES), "default": "single"},
            "ratio": {"type": "number", "exclusiveMinimum": 0, "maximum": 1, "default": 0.5},
            "approvers": {"type": "array", "minItems": 1, "items": APPROVER_SPEC_SCHEMA},
            "empty": {"enum": list(approvers.EMPTY_POLICIES), "default": DEFAULT_EMPTY},
            "return_to": {"type": "string", "minLength": 1, "default": "previous"},
            "resume": {"enum": ["replay", "direct"], "default": "replay"},
            "field_permissions": {
                "type": "object",
                "additionalProperties": {"enum": list(PERMISSIONS)},
            },
            "deadline": {
                "oneOf": [
                    {
                        "type": "object",
                        "required": ["after"],
                        "additionalProperties": False,
                        "properties": {"after": DURATION_SCHEMA},
                    },
                    {
                        "type": "object",
                        "required": ["field"],
                        "additionalProperties": False,
                        "properties": {
                            "field": {"type": "string", "minLength": 1},
                            "offset": DURATION_SCHEMA,
                        },
                    },
                ]
            },
            "remind": {
                "type": "object",
                "required": ["every"],
                "additionalProperties": False,
                "properties": {
                    "every": DURATION_SCHEMA,
                    "times": {"type": "integer", "minimum": 1, "maximum": 100, "default": 1},
                },
            },
            "on_timeout": {"enum": list(ON_TIMEOUT), "default": DEFAULT_ON_TIMEOUT},
        },
    }
    example_config: ClassVar[dict[str, Any]] = {
        "mode": "single",
        "approvers": [{"type": "users", "users": ["zhao"]}],
        "empty": "to_admin",
        "deadline": {"after": "PT24H"},
        "on_timeout": "escalate",
    }

    # -- entering ---------------------------------------------------------------------------

    def enter(self, ctx: Context) -> Outcome:
        config = ctx.config
        mode = config.get("mode", "single")
        resolution = approvers.resolve(
            config.get("approvers") or [],
            record=ctx.record,
            submitter=ctx.submitter,
            directory=ctx.directory,
            chosen=ctx.token.get("chosen") or (),
            empty=str(config.get("empty", DEFAULT_EMPTY)),
        )
        trace: list[TraceEntry] = [
            ctx.entry("approver", spec=item["spec"], users=item["users"])
            for item in resolution.per_spec
        ]
        if resolution.policy is not None:
            trace.append(
                ctx.entry("approver", empty=resolution.policy, users=list(resolution.users))
            )
        data: dict[str, Any] = {"seats": [], "tasks": {}, "timers": [], "due_at": None}
        if resolution.failed:
            trace.append(ctx.entry("error", code="no_approver", message="no approver resolved"))
            return Outcome(finish="failed", data=data, trace=tuple(trace))
        if not resolution.users:
            trace.append(ctx.entry("vote", by=SYSTEM, outcome="approve", reason="no_approver"))
            return self._approved(ctx, data, [], trace)
        users = resolution.users[:1] if mode == "single" else resolution.users
        data["seats"] = [
            {"approver": user, "chain": [user], "pos": 0, "status": "waiting", "task": None}
            for user in users
        ]
        effects: list[Effect] = []
        self._schedule(ctx, data, effects, trace)
        for index in range(1 if mode == "sequential" else len(users)):
            self._open(ctx, data, index, effects)
        return Outcome(wait=True, data=data, effects=tuple(effects), trace=tuple(trace))

    def _schedule(
        self, ctx: Context, data: dict[str, Any], effects: list[Effect], trace: list[TraceEntry]
    ) -> None:
        deadline = ctx.config.get("deadline")
        if isinstance(deadline, Mapping):
            due_at, error = moment_from(deadline, ctx.record, ctx.now)
            if due_at is None:
                trace.append(ctx.entry("error", code="no_deadline", message=error))
            else:
                key = ctx.key("deadline")
                data["due_at"] = due_at.isoformat()
                data["timers"].append(key)
                effects.append(
                    ScheduleTimer(key, due_at, {"node": ctx.node_id, "timer": "deadline"})
                )
        remind = ctx.config.get("remind")
        if isinstance(remind, Mapping):
            self._schedule_remind(ctx, data, effects, 1)

    def _schedule_remind(
        self, ctx: Context, data: dict[str, Any], effects: list[Effect], number: int
    ) -> None:
        remind = ctx.config.get("remind") or {}
        if number > int(remind.get("times", 1)):
            return
        key = ctx.key("remind", number)
        due_at = ctx.now + parse_duration(str(remind.get("every")))
        data["timers"].append(key)
        effects.append(ScheduleTimer(key, due_at, {"node": ctx.node_id, "timer": "remind"}))

    def _open(self, ctx: Context, data: dict[str, Any], index: int, effects: list[Effect]) -> str:
        """Open a task for the current person of seat `index`; keys never repeat."""
        seat = data["seats"][index]
        user = seat["chain"][seat["pos"]]
        tasks = _tasks(data)
        key = base = ctx.key(user)
        number = 2
        while key in tasks:
            key, number = f"{base}#{number}", number + 1
        tasks[key] = {"assignee": user, "seat": index, "status": "open"}
        seat["status"], seat["task"] = "open", key
        due_at = parse_moment(data.get("due_at"))
        effects.append(CreateTask(key, ctx.node_id, user, kind="approve", due_at=due_at))
        return key

    # -- events -----------------------------------------------------------------------------

    def on_event(self, ctx: Context, event: Event) -> Outcome:
        if isinstance(event, TaskCompleted):
            return self._vote(ctx, event)
        if isinstance(event, Transfer):
            return self._transfer(ctx, event)
        if isinstance(event, AddSigner):
            return self._add_signer(ctx, event)
        if isinstance(event, Timer):
            return self._timer(ctx, event)
        return super().on_event(ctx, event)

    def _task(self, ctx: Context, key: str, by: str) -> dict[str, Any]:
        task = _tasks(ctx.data).get(key)
        if task is None:
            raise Conflict("unknown_task", f"no task {key!r} at node {ctx.node_id!r}")
        if task["status"] != "open":
            raise Conflict("task_closed", f"task {key!r} is already {task['status']}")
        if task["assignee"] != by:
            raise PermissionDenied("not_assignee", f"task {key!r} is assigned to someone else")
        return task

    def _vote(self, ctx: Context, event: TaskCompleted) -> Outcome:
        data = ctx.data
        task = self._task(ctx, event.task, event.by)
        seat = data["seats"][task["seat"]]
        trace = [
            ctx.entry(
                "vote", task=event.task, by=event.by, outcome=event.outcome, comment=event.comment
            )
        ]
        effects: list[Effect] = []
        if event.outcome == "return":
            task["status"] = "returned"
            return self._return(ctx, event.to_node, effects, trace)
        if event.outcome == "reject":
            task["status"] = seat["status"] = "rejected"
            return self._tally(ctx, effects, trace)
        task["status"] = "approved"
        approvers_chosen = event.data.get("approvers")
        if isinstance(approvers_chosen, list):
            ctx.token["chosen"] = [user for user in approvers_chosen if isinstance(user, str)]
        seat["pos"] += 1
        if seat["pos"] < len(seat["chain"]):  # an added signer (after) or the original (before)
            self._open(ctx, data, task["seat"], effects)
            return Outcome(wait=True, data=data, effects=tuple(effects), trace=tuple(trace))
        seat["status"] = "approved"
        return self._tally(ctx, effects, trace)

    def _tally(self, ctx: Context, effects: list[Effect], trace: list[TraceEntry]) -> Outcome:
        """Decide the node from its seats, per mode (DESIGN §6)."""
        data = ctx.data
        mode = ctx.config.get("mode", "single")
        seats = data["seats"]
        total = len(seats)
        approved = sum(seat["status"] == "approved" for seat in seats)
        rejected = sum(seat["status"] == "rejected" for seat in seats)
        if mode == "ratio":
            ratio = float(ctx.config.get("ratio", 0.5))
            trace.append(
                ctx.entry(
                    "vote",
                    tally={
                        "approved": approved,
                        "rejected": rejected,
                        "total": total,
                        "ratio": ratio,
                    },
                )
            )
            if approved >= ratio * total - 1e-9:
                return self._approved(ctx, data, effects, trace)
            if total - rejected < ratio * total - 1e-9:  # the ratio can no longer be reached
                return self._rejected(ctx, data, effects, trace)
        elif rejected:
            # Every mode, `any` (或签) included: the first rejection decides the node.
            return self._rejected(ctx, data, effects, trace)
        elif (mode == "any" and approved) or approved == total:
            return self._approved(ctx, data, effects, trace)
        elif mode == "sequential":
            waiting = [i for i, seat in enumerate(seats) if seat["status"] == "waiting"]
            if waiting and not any(seat["status"] == "open" for seat in seats):
                self._open(ctx, data, waiting[0], effects)
        return Outcome(wait=True, data=data, effects=tuple(effects), trace=tuple(trace))

    def _approved(
        self, ctx: Context, data: dict[str, Any], effects: list[Effect], trace: list[TraceEntry]
    ) -> Outcome:
        ctx.token.setdefault("trail", []).append(ctx.node_id)
        resume = ctx.token.get("resume")
        if isinstance(resume, Mapping) and resume.get("target") == ctx.node_id:
            ctx.token["resume"] = None  # return + resume "direct": straight back
            return Outcome(
                jump=str(resume["back"]), data=data, effects=tuple(effects), trace=tuple(trace)
            )
        port = "approved" if ctx.graph.has_port(ctx.node_id, "approved") else "out"
        return Outcome(ports=(port,), data=data, effects=tuple(effects), trace=tuple(trace))

    def _rejected(
        self, ctx: Context, data: dict[str, Any], effects: list[Effect], trace: list[TraceEntry]
    ) -> Outcome:
        ctx.token["resume"] = None  # a pending direct resume ends with the rejection
        if ctx.graph.has_port(ctx.node_id, "rejected"):
            return Outcome(
                ports=("rejected",), data=data, effects=tuple(effects), trace=tuple(trace)
            )
        return Outcome(finish="rejected", data=data, effects=tuple(effects), trace=tuple(trace))

    def _return(
        self, ctx: Context, to_node: str | None, effects: list[Effect], trace: list[TraceEntry]
    ) -> Outcome:
        target = to_node or str(ctx.config.get("return_to") or "previous")
        trail: list[str] = ctx.token.setdefault("trail", [])
        if target == "previous":
            earlier = [node for node in trail if node != ctx.node_id]
            target = earlier[-1] if earlier else "submitter"  # nothing earlier: the submitter
        if target == "submitter":
            return Outcome(suspend=True, data=ctx.data, effects=tuple(effects), trace=tuple(trace))
        if target not in ctx.graph.nodes:
            raise InvalidInput("invalid_event", f"cannot return to unknown node {target!r}")
        if target in trail:
            del trail[len(trail) - 1 - trail[::-1].index(target) :]
        if ctx.config.get("resume") == "direct" and target != ctx.node_id:
            ctx.token["resume"] = {"target": target, "back": ctx.node_id}
        return Outcome(jump=target, data=ctx.data, effects=tuple(effects), trace=tuple(trace))

    def _transfer(self, ctx: Context, event: Transfer) -> Outcome:
        data = ctx.data
        task = self._task(ctx, event.task, event.by)
        if event.to == event.by:
            raise Conflict("same_assignee", "a task cannot be transferred to its assignee")
        effects: list[Effect] = []
        key = self._reassign(ctx, task, event.task, event.to, "transferred", effects)
        entry = ctx.entry(
            "approver", action="transfer", task=event.task, by=event.by, to=event.to, new_task=key
        )
        return Outcome(wait=True, data=data, effects=tuple(effects), trace=(entry,))

    def _reassign(
        self,
        ctx: Context,
        task: dict[str, Any],
        key: str,
        user: str,
        status: str,
        effects: list[Effect],
    ) -> str:
        seat = ctx.data["seats"][task["seat"]]
        seat["chain"][seat["pos"]] = user
        task["status"] = status
        effects.append(CancelTask(key))
        return self._open(ctx, ctx.data, task["seat"], effects)

    def _add_signer(self, ctx: Context, event: AddSigner) -> Outcome:
        data = ctx.data
        task = self._task(ctx, event.task, event.by)
        seat = data["seats"][task["seat"]]
        users = list(event.users)
        effects: list[Effect] = []
        new_task = None
        if event.position == "before":
            # The new signers approve first (one after another), then the task comes back.
            seat["chain"][seat["pos"] : seat["pos"]] = users
            task["status"] = "suspended"
            effects.append(CancelTask(event.task))
            new_task = self._open(ctx, data, task["seat"], effects)
        else:
            seat["chain"][seat["pos"] + 1 : seat["pos"] + 1] = users
        entry = ctx.entry(
            "approver",
            action="add_signer",
            task=event.task,
            by=event.by,
            users=users,
            position=event.position,
            new_task=new_task,
        )
        return Outcome(wait=True, data=data, effects=tuple(effects), trace=(entry,))

    def _timer(self, ctx: Context, event: Timer) -> Outcome:
        data = ctx.data
        if event.key not in data["timers"]:
            raise Conflict("unknown_timer", f"no timer {event.key!r} at node {ctx.node_id!r}")
        data["timers"].remove(event.key)
        effects: list[Effect] = []
        trace: list[TraceEntry] = []
        kind = event.key.split(":")[2]
        if kind == "remind":
            assignees = [_tasks(data)[key]["assignee"] for key in open_task_keys(data)]
            effects.append(
                Notify(
                    event.key,
                    tuple(assignees),
                    "flow.remind",
                    {"node": ctx.node_id, "tasks": open_task_keys(data)},
                )
            )
            self._schedule_remind(ctx, data, effects, int(event.key.split(":")[3]) + 1)
            return Outcome(wait=True, data=data, effects=tuple(effects), trace=tuple(trace))
        on_timeout = ctx.config.get("on_timeout", DEFAULT_ON_TIMEOUT)
        trace.append(ctx.entry("vote", by=SYSTEM, timeout=on_timeout, timer=event.key))
        if on_timeout == "auto_approve":
            return self._approved(ctx, data, effects, trace)
        if on_timeout == "auto_reject":
            return self._rejected(ctx, data, effects, trace)
        if on_timeout == "abort":
            trace.append(ctx.entry("error", code="timeout", message="deadline passed"))
            return Outcome(finish="failed", data=data, effects=tuple(effects), trace=tuple(trace))
        for key in open_task_keys(data):  # escalate: each open task moves to the manager
            task = _tasks(data)[key]
            manager = ctx.directory.manager(task["assignee"])
            if manager is None:
                trace.append(
                    ctx.entry("error", code="no_manager", task=key, assignee=task["assignee"])
                )
                continue
            new_key = self._reassign(ctx, task, key, manager, "escalated", effects)
            trace.append(
                ctx.entry("approver", action="escalate", task=key, to=manager, new_task=new_key)
            )
        return Outcome(wait=True, data=data, effects=tuple(effects), trace=tuple(trace))


def permissions_of(config: Mapping[str, Any]) -> dict[str, str]:
    """The node's field permissions (field key → editable | read_only | hidden)."""
    permissions = config.get("field_permissions") or {}
    return {str(key): str(value) for key, value in permissions.items() if value in PERMISSIONS}
