"""Persisted flow lifecycle and the todo list query at scale; prints figures.

1. Lifecycle through the service layer: create a quote → its approval flow starts → the approver
   approves → the flow marks it 已批准 and ends; one transaction for the create, one for the
   approval, as the API does. Prints instances per second.
2. Todo list for one approver with 1,000,000 tasks in the table: the indexed query alone and the
   full `list_tasks` view (50 rows), p50/p95.

Usage: python bench/flow_lifecycle_bench.py [--instances 300] [--tasks 1000000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("FORMWORK_FAST_PASSWORD_HASH", "1")

from sqlalchemy import func, insert, select  # noqa: E402

from builder.cli import main as formwork  # noqa: E402
from runtime.db.engine import make_engine, make_session_factory  # noqa: E402
from runtime.flows import service as flows  # noqa: E402
from runtime.flows.models import FlowInstance  # noqa: E402
from runtime.org import service as org  # noqa: E402
from runtime.records import service as records  # noqa: E402
from runtime.tasks import service as tasks  # noqa: E402
from runtime.tasks.models import Task  # noqa: E402

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def lifecycle(url: str, count: int, label: str) -> None:
    factory = make_session_factory(make_engine(url))
    with factory() as db:
        rep = org.load_user(db, username="north_a")
        qian = org.load_user(db, username="qian")
        account = records.create_record(
            db,
            form=records.load_form(db, app_key="crm", form_key="account"),
            raw={"name": "压测客户"},
            actor=rep,
            now=NOW,
        )
        opportunity = records.create_record(
            db,
            form=records.load_form(db, app_key="crm", form_key="opportunity"),
            raw={"name": "压测商机", "account": account.id, "stage": "方案报价"},
            actor=rep,
            now=NOW,
        )
        db.commit()
        opportunity_id = opportunity.id
        db.expunge_all()
    began = time.perf_counter()
    for _ in range(count):
        with factory() as db:
            form = records.load_form(db, app_key="crm", form_key="quote")
            record = records.create_record(
                db,
                form=form,
                actor=rep,
                now=NOW,
                raw={
                    "opportunity": opportunity_id,
                    "discount": "0.9",
                    "items": [{"product": "标准版", "quantity": 1, "unit_price": "1000"}],
                },
            )
            flows.start_for_record(db, record=record, trigger="record_created", actor=rep, now=NOW)
            db.commit()
            task_id = db.scalars(
                select(Task.id)
                .join(FlowInstance, FlowInstance.id == Task.instance_id)
                .where(FlowInstance.record_id == record.id, Task.status == "open")
            ).one()
        with factory() as db:
            tasks.complete(
                db,
                task_id=task_id,
                user=qian,
                outcome="approve",
                comment=None,
                to_node=None,
                data=None,
                expected_version=None,
                now=NOW,
            )
            db.commit()
    elapsed = time.perf_counter() - began
    with factory() as db:
        done = db.scalar(
            select(func.count(FlowInstance.id)).where(FlowInstance.status == "approved")
        )
    print(
        f"{label:<11} lifecycle: {count / elapsed:7.1f} instances/s "
        f"({elapsed / count * 1000:.2f} ms each; {done} approved)"
    )


def todo_at_scale(url: str, total: int, label: str) -> None:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as db:
        users = {u.username: u.id for u in db.scalars(select(org.User))}
        instance_ids = list(db.scalars(select(FlowInstance.id).limit(200)))
    assignees = list(users.values())
    zhao = users["zhao"]
    batch = []
    with engine.begin() as conn:
        for i in range(total):
            assignee = zhao if i % 1000 == 0 else assignees[i % len(assignees)]
            batch.append(
                {
                    "instance_id": instance_ids[i % len(instance_ids)],
                    "key": f"bench:{i}",
                    "node": "director",
                    "kind": "approve",
                    "assignee_id": assignee,
                    "status": "open" if i % 7 == 0 else "done",
                    "created_at": NOW - timedelta(seconds=total - i),
                    "version": 1,
                }
            )
            if len(batch) == 10_000:
                conn.execute(insert(Task), batch)
                batch.clear()
        if batch:
            conn.execute(insert(Task), batch)
        conn.exec_driver_sql("ANALYZE")
    query = (
        select(Task.id)
        .where(Task.assignee_id == zhao, Task.status == "open", Task.kind == "approve")
        .order_by(Task.created_at.desc(), Task.id.desc())
        .limit(50)
    )
    for name, run in (
        ("indexed query", lambda db: list(db.scalars(query))),
        (
            "list_tasks view (50 rows)",
            lambda db: tasks.list_tasks(
                db, user=db.get(org.User, zhao), box="mine", status="open", limit=50
            ),
        ),
    ):
        timings = []
        for _ in range(30):
            with factory() as db:
                began = time.perf_counter()
                run(db)
                timings.append((time.perf_counter() - began) * 1000)
        timings.sort()
        p95 = timings[int(len(timings) * 0.95) - 1]
        print(
            f"{label:<11} todo {name:<26} with {total:,} tasks: "
            f"p50 {statistics.median(timings):7.2f} ms  p95 {p95:7.2f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--instances", type=int, default=300)
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--postgres", default=os.environ.get("FORMWORK_BENCH_POSTGRES_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        targets = [("SQLite", f"sqlite:///{Path(tmp) / 'life.db'}")]
        if args.postgres:
            targets.append(("PostgreSQL", args.postgres))
        for label, url in targets:
            formwork(["init", "--template", "crm", "--password", "bench-pass-1", "--database", url])
            lifecycle(url, args.instances, label)
            todo_at_scale(url, args.tasks, label)


if __name__ == "__main__":
    main()
