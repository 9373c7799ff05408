"""Shared helpers for the flow engine tests: the sample directory, flow builders, a driver."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from runtime.flows import Step, new_state, open_tasks, step
from runtime.org.directory import Directory

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)

# DESIGN §7 sample organisation, as plain data (runtime/org/sample.py is the shell's copy).
SAMPLE_DIRECTORY = Directory(
    department_of={
        "admin": "company",
        "zhao": "sales",
        "qian": "sales",
        "wang": "north",
        "north_a": "north",
        "north_b": "north",
        "li": "east",
        "east_a": "east",
        "zhang": "south",
        "south_a": "south",
        "ka": "key_accounts",
        "presales1": "presales",
        "presales2": "presales",
        "finance": "finance",
        "legal": "legal",
    },
    head_of={
        "company": "admin",
        "sales": "zhao",
        "north": "wang",
        "east": "li",
        "south": "zhang",
        "key_accounts": "ka",
        "presales": None,
        "finance": "finance",
        "legal": "legal",
    },
    parent_of={
        "company": None,
        "sales": "company",
        "north": "sales",
        "east": "sales",
        "south": "sales",
        "key_accounts": "sales",
        "presales": "sales",
        "finance": "company",
        "legal": "company",
    },
    members_of_role={
        "admin": ("admin",),
        "sales_director": ("zhao",),
        "sales_manager": ("qian",),
        "presales": ("presales1", "presales2"),
        "finance": ("finance",),
        "legal": ("legal",),
        "empty_role": (),
    },
)


def node(node_id: str, node_type: str, **config: Any) -> dict[str, Any]:
    return {"id": node_id, "type": node_type, "config": config}


def edge(source: str, target: str, port: str = "out", **extra: Any) -> dict[str, Any]:
    return {"id": f"{source}-{target}", "from": source, "to": target, "port": port, **extra}


def flow(
    nodes: list[dict[str, Any]], edges: list[dict[str, Any]], key: str = "test"
) -> dict[str, Any]:
    return {
        "format": 1,
        "key": key,
        "title": {"en": key, "zh-CN": key},
        "form": "quote",
        "starts_on": ["record_created"],
        "nodes": nodes,
        "edges": edges,
    }


def users(*names: str) -> list[dict[str, Any]]:
    return [{"type": "users", "users": list(names)}]


def approval_flow(**config: Any) -> dict[str, Any]:
    """start → check (approval with `config`) → approved end / rejected end."""
    config.setdefault("approvers", users("zhao"))
    return flow(
        [
            node("start", "start"),
            node("check", "approval", **config),
            node("done", "end", outcome="approved"),
            node("refused", "end", outcome="rejected"),
        ],
        [
            edge("start", "check"),
            edge("check", "done", "approved"),
            edge("check", "refused", "rejected"),
        ],
    )


QUOTE_FLOW: dict[str, Any] = flow(
    [
        node("start", "start"),
        node("route", "condition"),
        node(
            "director",
            "approval",
            mode="single",
            approvers=[{"type": "role", "role": "sales_director"}],
        ),
        node(
            "manager",
            "approval",
            mode="single",
            approvers=[{"type": "role", "role": "sales_manager"}],
        ),
        node(
            "mark_approved",
            "action",
            action="update_fields",
            params={"fields": {"status": "已批准"}},
        ),
        node(
            "mark_rejected",
            "action",
            action="update_fields",
            params={"fields": {"status": "已驳回"}},
        ),
        node("approved", "end", outcome="approved"),
        node("rejected", "end", outcome="rejected"),
    ],
    [
        edge("start", "route"),
        edge(
            "route",
            "director",
            order=1,
            condition={
                "all": [
                    {"field": "total", "op": "gt", "value": 500000},
                    {"field": "discount", "op": "lt", "value": 0.8},
                ]
            },
        ),
        edge("route", "manager", order=2, default=True),
        edge("director", "mark_approved", "approved"),
        edge("director", "mark_rejected", "rejected"),
        edge("manager", "mark_approved", "approved"),
        edge("manager", "mark_rejected", "rejected"),
        edge("mark_approved", "approved"),
        edge("mark_rejected", "rejected"),
    ],
    key="quote_approval",
)


class Instance:
    """Drive one instance; the state goes through json.dumps/json.loads after every event."""

    def __init__(self, definition: dict[str, Any], directory: Directory = SAMPLE_DIRECTORY) -> None:
        self.flow = definition
        self.directory = directory
        self.state: dict[str, Any] = new_state()
        self.now = NOW
        self.steps: list[Step] = []

    def send(self, event: dict[str, Any], *, later: timedelta = timedelta(0)) -> Step:
        self.now += later
        out = step(self.flow, self.state, event, self.now, directory=self.directory)
        self.state = json.loads(json.dumps(out.state))
        self.steps.append(out)
        return out

    def start(self, record: dict[str, Any] | None = None, submitter: str = "north_a") -> Step:
        return self.send({"type": "start", "record": record or {}, "submitter": submitter})

    @property
    def status(self) -> str:
        return str(self.state["status"])

    def tasks(self) -> dict[str, str]:
        """Open approve tasks: assignee → key."""
        return {t["assignee"]: t["key"] for t in open_tasks(self.state) if t["kind"] == "approve"}

    def act(self, user: str, outcome: str = "approve", **extra: Any) -> Step:
        event = {
            "type": "task_completed",
            "task": self.tasks()[user],
            "by": user,
            "outcome": outcome,
        }
        return self.send({**event, "comment": extra.pop("comment", ""), **extra})


def kinds(out: Step) -> list[str]:
    return [effect.effect for effect in out.effects]


def effects_json(out: Step, kind: str | None = None) -> list[dict[str, Any]]:
    return [e.to_json() for e in out.effects if kind is None or e.effect == kind]
