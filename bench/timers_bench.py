"""Timers at scale (issue 4): 1,000,000 pending, 10,000 due → all fired exactly once; the lag.

Usage: python bench/timers_bench.py [--due 10000] [--pending 1000000] [--postgres URL]

One flow `start → wait PT1H → end` is started on a lead through the service; its instance and
its timer are then copied in SQL until `--due` instances each wait on a timer due in an hour,
and `--pending` more timers (due in 30 days) sit in the same table. Time then jumps two hours
and the poller (`runtime.scheduler.service.fire_due`, the function `formwork tick`, the
background loop and `formwork scheduler` call) fires due timers batch after batch, each batch in
its own transaction — on PostgreSQL from two threads at once, as two schedulers would
(`FOR UPDATE SKIP LOCKED`). Printed: fired per second, the lag of each timer from the moment the
pass began until its batch committed (p50 / p99; the issue's goal: p99 < 2 s), and the checks
that every due timer fired once, every instance ended once, and no pending timer moved.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("FORMWORK_FAST_PASSWORD_HASH", "1")

from sqlalchemy import Engine, func, select, text  # noqa: E402

from builder.cli import main as formwork  # noqa: E402
from runtime.db.engine import make_engine, make_session_factory, unit_of_work  # noqa: E402
from runtime.definitions import store  # noqa: E402
from runtime.flows import service as flows  # noqa: E402
from runtime.flows.models import FlowInstance, FlowTrace  # noqa: E402
from runtime.records import service as records  # noqa: E402
from runtime.scheduler import service as scheduler  # noqa: E402
from runtime.scheduler.models import Timer  # noqa: E402

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
BATCH = 100  # as the background loop fires them
FLOW = {
    "format": 1,
    "key": "timer_bench",
    "title": {"zh-CN": "定时器压测", "en": "Timer bench"},
    "form": "lead",
    "starts_on": ["manual"],
    "nodes": [
        {"id": "start", "type": "start", "config": {}, "position": {"x": 0, "y": 0}},
        {
            "id": "hold",
            "type": "wait",
            "config": {"duration": "PT1H"},
            "position": {"x": 0, "y": 1},
        },
        {
            "id": "end",
            "type": "end",
            "config": {"outcome": "completed"},
            "position": {"x": 0, "y": 2},
        },
    ],
    "edges": [
        {"id": "e1", "from": "start", "to": "hold", "port": "out"},
        {"id": "e2", "from": "hold", "to": "end", "port": "out"},
    ],
}
INSTANCE_COLUMNS = (
    "app_key, flow_key, flow_version, definition_id, record_id, submitter_id, status, state, "
    "trace_count, version, created_at, updated_at"
)


def series(engine: Engine, count: int) -> str:
    """A subquery of the integers 0 … count-1 as column x."""
    if engine.dialect.name == "postgresql":
        return f"(SELECT generate_series(0, {count - 1}) AS x) AS n"
    return (
        f"(WITH RECURSIVE s(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM s WHERE x < {count - 1}) "
        "SELECT x FROM s) AS n"
    )


def prepare(url: str, due: int, pending: int) -> int:
    """One real instance waiting on its timer, copied to `due`; `pending` far timers. Its id."""
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with unit_of_work(factory) as db:
        record = records.create_record(
            db,
            form=records.load_form(db, app_key="crm", form_key="lead"),
            raw={"name": "定时器压测", "company": "压测公司", "phone": "13900000000"},
            actor=None,
            now=NOW,
        )
        store.publish(
            db,
            app_key="crm",
            kind="flows",
            key="timer_bench",
            doc=FLOW,
            summary="bench",
            user_id=None,
            now=NOW,
        )
        published = flows.published_flow(db, app_key="crm", key="timer_bench")
        assert published is not None
        first = flows.start_automation(db, definition=published, record=record, actor=None, now=NOW)
        source = first.id
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(
            text(
                f"INSERT INTO flow_instances ({INSTANCE_COLUMNS}) "
                f"SELECT {INSTANCE_COLUMNS} FROM flow_instances, {series(engine, due - 1)} "
                "WHERE id = :source"
            ),
            {"source": source},
        )
        conn.execute(
            text(
                "INSERT INTO timers (instance_id, key, due_at, status, payload) "
                "SELECT i.id, t.key, t.due_at, t.status, t.payload FROM flow_instances i, timers t "
                "WHERE i.flow_key = 'timer_bench' AND i.id <> :source AND t.instance_id = :source"
            ),
            {"source": source},
        )
    per_instance = pending // due
    far = NOW + timedelta(days=30)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO timers (instance_id, key, due_at, status, payload) "
                f"SELECT i.id, 'far:' || CAST(n.x AS VARCHAR(12)), :far, 'pending', '{{}}' "
                f"FROM flow_instances i, {series(engine, per_instance)} "
                "WHERE i.flow_key = 'timer_bench'"
            ),
            {"far": far if engine.dialect.name == "postgresql" else far.replace(tzinfo=None)},
        )
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE timers"))
            conn.execute(text("VACUUM ANALYZE flow_instances"))
    with factory() as db:
        counts = dict(db.execute(select(Timer.status, func.count()).group_by(Timer.status)).all())
        due_now = db.scalar(
            select(func.count()).where(
                Timer.status == "pending", Timer.due_at <= NOW + timedelta(hours=2)
            )
        )
    print(
        f"  prepared in {time.perf_counter() - started:.1f} s: timers {counts}, "
        f"due at the jump {due_now}"
    )
    engine.dispose()
    return source


def fire(url: str, threads: int) -> tuple[float, list[float]]:
    """Fire everything due two hours on; (seconds, the lag of each fired timer)."""
    engine = make_engine(url)
    factory = make_session_factory(engine)
    jump = NOW + timedelta(hours=2)
    lags: list[float] = []
    lock = threading.Lock()
    began = time.perf_counter()

    def poller() -> None:
        while True:
            with unit_of_work(factory) as db:
                fired = scheduler.fire_due(db, now=jump, limit=BATCH)
            at = time.perf_counter() - began
            with lock:
                lags.extend([at] * fired)
            if fired == 0:
                return

    workers = [threading.Thread(target=poller) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - began
    engine.dispose()
    return elapsed, lags


def check(url: str, due: int, pending: int) -> str:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as db:
        fired = db.scalar(select(func.count()).where(Timer.status == "fired"))
        still = db.scalar(select(func.count()).where(Timer.status == "pending"))
        ended = db.scalar(
            select(func.count()).where(
                FlowInstance.flow_key == "timer_bench", FlowInstance.status == "completed"
            )
        )
        # Each instance's trace says it took its timer once: no instance has two timer entries.
        doubled = db.scalar(
            select(func.count()).select_from(
                select(FlowTrace.instance_id)
                .join(FlowInstance, FlowInstance.id == FlowTrace.instance_id)
                .where(
                    FlowInstance.flow_key == "timer_bench",
                    FlowTrace.node == "end",
                    FlowTrace.kind == "entered",
                )
                .group_by(FlowTrace.instance_id)
                .having(func.count() > 1)
                .subquery()
            )
        )
    engine.dispose()
    far = (pending // due) * due
    ok = fired == due and ended == due and still == far and doubled == 0
    return (
        f"fired {fired}/{due}, instances ended {ended}/{due}, ended twice {doubled}, "
        f"pending untouched {still}/{far}: {'exactly once' if ok else 'NOT exactly once'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--pending", type=int, default=1_000_000)
    parser.add_argument("--postgres", default=os.environ.get("FORMWORK_BENCH_POSTGRES_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        targets = [("SQLite", f"sqlite:///{Path(tmp) / 'timers.db'}", 1)]
        if args.postgres:
            targets.append(("PostgreSQL", args.postgres, 2))
        for label, url, threads in targets:
            formwork(["init", "--template", "crm", "--password", "bench-pass-1", "--database", url])
            print(f"{label}:")
            prepare(url, args.due, args.pending)
            elapsed, lags = fire(url, threads)
            lags.sort()
            p99 = lags[max(0, int(len(lags) * 0.99) - 1)] if lags else float("nan")
            print(
                f"  {len(lags)} timers fired in {elapsed:.2f} s by {threads} poller(s): "
                f"{len(lags) / elapsed:,.0f}/s; lag p50 {statistics.median(lags):.2f} s, "
                f"p99 {p99:.2f} s (goal < 2 s)"
            )
            print(f"  {check(url, args.due, args.pending)}")


if __name__ == "__main__":
    main()
