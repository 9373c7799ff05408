"""Decisions on different tasks of one instance at the same moment all count, exactly once."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from builder import publish as publishing
from runtime.db import migrate
from runtime.db.engine import make_engine, make_session_factory
from runtime.errors import Conflict
from runtime.flows import service as flows
from runtime.flows.models import FlowInstance, FlowTrace
from runtime.http.deps import commit_with_retry
from runtime.org import service as org
from runtime.records import service as records
from runtime.tasks import service as tasks
from runtime.tasks.models import Task
from tests.conftest import NOW, backends, fresh_url, seed


def node(node_id: str, node_type: str, x: int, **config: Any) -> dict[str, Any]:
    return {"id": node_id, "type": node_type, "position": {"x": x, "y": 0}, "config": config}


def edge(source: str, target: str, port: str | None = None) -> dict[str, Any]:
    out = {"id": f"{source}_{target}", "from": source, "to": target}
    if port:
        out["port"] = port
    return out


def approval(node_id: str, x: int, *users: str, mode: str = "single") -> dict[str, Any]:
    return node(
        node_id, "approval", x, mode=mode, approvers=[{"type": "users", "users": list(users)}]
    )


PARALLEL = {
    "format": 1,
    "key": "account_review",
    "title": {"zh-CN": "客户复核", "en": "Account review"},
    "form": "account",
    "starts_on": ["record_created"],
    "nodes": [
        node("start", "start", 0),
        node("fork", "parallel", 220),
        approval("sales", 440, "qian"),
        approval("director", 440, "zhao"),
        node("meet", "join", 660, split="fork"),
        node("done", "end", 880, outcome="approved"),
    ],
    "edges": [
        edge("start", "fork"),
        edge("fork", "sales"),
        edge("fork", "director"),
        edge("sales", "meet", "approved"),
        edge("director", "meet", "approved"),
        edge("meet", "done"),
    ],
}
COUNTERSIGN = {
    **PARALLEL,
    "key": "account_countersign",
    "nodes": [
        node("start", "start", 0),
        approval("both", 220, "qian", "zhao", mode="all"),
        node("done", "end", 440, outcome="approved"),
    ],
    "edges": [edge("start", "both"), edge("both", "done", "approved")],
}


def race(backend: str, tmp_path, flow: dict[str, Any], rounds: int) -> tuple[set, Any]:
    url = fresh_url(backend, tmp_path, flow["key"])
    migrate.upgrade(url)
    engine = make_engine(url)
    seed(engine)
    factory = make_session_factory(engine)
    other = make_session_factory(make_engine(url))
    with factory() as db:
        publishing.publish(
            db, app_key="crm", kind="flows", key=flow["key"], user_id=None, now=NOW, doc=flow
        )
        db.commit()
    outcomes = set()
    for round_no in range(rounds):
        with factory() as db:
            rep = org.load_user(db, username="north_a")
            record = records.create_record(
                db,
                form=records.load_form(db, app_key="crm", form_key="account"),
                raw={"name": f"客户{round_no}"},
                actor=rep,
                now=NOW,
            )
            flows.start_for_record(db, record=record, trigger="record_created", actor=rep, now=NOW)
            db.commit()
            open_ids = {
                db.get_one(org.User, t.assignee_id).username: t.id
                for t in db.scalars(
                    select(Task)
                    .join(FlowInstance)
                    .where(FlowInstance.record_id == record.id, Task.status == "open")
                )
            }
        barrier = threading.Barrier(2)
        results: list[str] = []

        def act(make, username, task_id, results=results, barrier=barrier) -> None:
            barrier.wait()  # before any statement: SQLite's first one takes the write lock
            with make() as db:
                user = org.load_user(db, username=username)
                try:
                    commit_with_retry(
                        db,
                        lambda db=db, user=user: tasks.complete(
                            db,
                            task_id=task_id,
                            user=user,
                            outcome="approve",
                            comment=None,
                            to_node=None,
                            data=None,
                            expected_version=None,
                            now=NOW,
                        ),
                    )
                    results.append("ok")
                except Conflict:
                    results.append("conflict")

        threads = [
            threading.Thread(target=act, args=(make, name, open_ids[name]))
            for make, name in ((factory, "qian"), (other, "zhao"))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        outcomes.add(tuple(sorted(results)))
    return outcomes, factory


@pytest.mark.parametrize("backend", backends())
def test_parallel_branches_finishing_at_once_fire_the_join_once(backend, tmp_path):
    outcomes, factory = race(backend, tmp_path, PARALLEL, rounds=200)
    assert outcomes == {("ok", "ok")}
    with factory() as db:
        approved = db.scalar(
            select(func.count(FlowInstance.id)).where(FlowInstance.status == "approved")
        )
        finished = db.scalar(
            select(func.count(FlowTrace.id)).where(
                FlowTrace.node == "done", FlowTrace.kind == "entered"
            )
        )
    assert (approved, finished) == (200, 200)  # every join fired, and only once


@pytest.mark.parametrize("backend", backends())
def test_countersign_approvers_acting_at_once_both_count(backend, tmp_path):
    outcomes, factory = race(backend, tmp_path, COUNTERSIGN, rounds=50)
    assert outcomes == {("ok", "ok")}
    with factory() as db:
        assert (
            db.scalar(select(func.count(FlowInstance.id)).where(FlowInstance.status == "approved"))
            == 50
        )
