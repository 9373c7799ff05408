"""Trigger → action latency of an automation run by the in-process background loop.

A lead is created (and committed) the way the public form does; the shipped CRM lead routing
(flow_definitions/crm/lead_routing.json: city 北京 → owner wang, then an in-app notification)
runs in the background loop's thread.
The latency is from the lead's commit to the moment its notification row is visible to another
connection (polled every 1 ms), and to the moment a local SMTP server (aiosmtpd) has the owner's
email. Leads come one at a time, each meeting an idle loop (a lead arriving while the previous
one's follow-up work runs waits for it: ~20 ms more). Prints p50 / p99 / max per database.

With `--celery` the same leads go through Celery instead: a `formwork worker` process on a Redis
database of its own (default redis://127.0.0.1:6379/7, flushed first) takes the ids a kicker in
this process offers right after each commit, as `formwork serve` does with a broker.

With `--external-probe` the polling runs in a process of its own: the default probe's 1 ms
loop runs in this process and shares the GIL with the in-process automation thread it measures.

Usage: python bench/automation_bench.py [--leads 300] [--postgres URL] [--celery [--broker URL]]
       [--external-probe]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("FORMWORK_FAST_PASSWORD_HASH", "1")

from aiosmtpd.controller import Controller  # noqa: E402
from sqlalchemy import create_engine, select  # noqa: E402

from builder.cli import main as formwork  # noqa: E402
from runtime.automation.loop import BackgroundLoop  # noqa: E402
from runtime.automation.models import Notification  # noqa: E402
from runtime.automation.outbox import Outbound  # noqa: E402
from runtime.db.engine import make_engine, make_session_factory  # noqa: E402
from runtime.records import service as records  # noqa: E402


def start_celery(url: str, broker: str, smtp_port: int) -> tuple[subprocess.Popen[bytes], Any]:
    """A `formwork worker` on `broker` and, in this process, the kicker `formwork serve` runs."""
    import redis

    from runtime.automation import worker
    from runtime.settings import Settings

    redis.Redis.from_url(broker).flushdb()
    env = {
        **os.environ,
        "FORMWORK_DATABASE_URL": url,
        "FORMWORK_BROKER_URL": broker,
        "FORMWORK_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
    }
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "formwork"), "worker", "--concurrency", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    time.sleep(4)  # the worker connects and its pool starts
    settings = Settings(database_url=url, broker_url=broker)
    kicker = worker.start_kicker(settings, make_session_factory(make_engine(url)))
    return process, kicker


def poll_until(found: Callable[[], bool], *, began: float, what: str) -> float:
    """Poll every 1 ms until `found()`; the moment it first held (CLOCK_MONOTONIC, which
    `time.perf_counter` reads on Linux, so moments compare across processes)."""
    while not found():
        if time.perf_counter() - began > 10:
            raise SystemExit(f"{what} in 10 s")
        time.sleep(0.001)
    return time.perf_counter()


def notification_of(connect: Callable[[], Any], record_id: int) -> Callable[[], bool]:
    """Whether the record's notification is visible to a new connection from `connect`."""
    query = select(Notification.id).where(Notification.record_id == record_id)

    def found() -> bool:
        with connect() as conn:
            return conn.execute(query).first() is not None

    return found


def probe_child(url: str) -> None:
    """`--probe-child URL`: for each record id read on stdin, poll until its notification is
    visible, then print the moment."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    for line in sys.stdin:
        record_id = int(line)
        began = time.perf_counter()
        seen = poll_until(notification_of(engine.connect, record_id), began=began, what="probe")
        print(seen, flush=True)


def run(
    url: str, label: str, leads: int, celery: str | None = None, external: bool = False
) -> None:
    formwork(["init", "--template", "crm", "--password", "bench-pass-1", "--database", url])
    factory = make_session_factory(make_engine(url))
    # A plain engine for the probe: its reads must not take SQLite's write lock (make_engine's
    # transactions begin IMMEDIATE) and so slow the loop down.
    probe = make_session_factory(
        create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    )
    inbox: dict[str, float] = {}  # subject → when the SMTP server had it

    class Handler:
        async def handle_DATA(self, _server: object, _session: object, envelope: Any) -> str:
            mail = message_from_bytes(envelope.content, policy=policy.default)
            inbox[str(mail["Subject"])] = time.perf_counter()
            return "250 OK"

    smtp = Controller(Handler(), hostname="127.0.0.1", port=free_port())
    smtp.start()
    process = None
    if celery is None:
        loop = BackgroundLoop(factory, outbound=Outbound(smtp_url=f"smtp://127.0.0.1:{smtp.port}"))
        loop.start()
    else:
        label += " Celery"
        process, loop = start_celery(url, celery, smtp.port)
    latencies = []
    mail_latencies = []
    child = None
    if external:  # the probe polls from its own process: no GIL shared with the loop thread
        label += " (probe in another process)"
        child = subprocess.Popen(
            [sys.executable, __file__, "--probe-child", url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
    try:
        for i in range(leads + 20):
            with factory() as db:
                form = records.load_form(db, app_key="crm", form_key="lead")
                record_id = records.insert_data(
                    db,
                    form=form,
                    data=records.check_new(
                        db,
                        form=form,
                        raw={
                            "name": f"延迟{i}",
                            "company": f"测量公司{i}",
                            "phone": f"137{i:08d}",
                            "city": "北京",
                        },
                        now=datetime.now(UTC),
                    ),
                    now=datetime.now(UTC),
                    via="public_form",
                )
                db.commit()
            began = time.perf_counter()
            if child is not None:
                assert child.stdin is not None
                assert child.stdout is not None
                child.stdin.write(f"{record_id}\n")
                child.stdin.flush()
                noted = float(child.stdout.readline())
            else:
                noted = poll_until(
                    notification_of(probe, record_id),
                    began=began,
                    what=f"{label}: lead {record_id} was not handled",
                )
            subject = f"新线索：测量公司{i}"
            poll_until(
                lambda subject=subject: subject in inbox,
                began=began,
                what=f"{label}: no mail for lead {record_id}",
            )
            if i >= 20:  # warm-up excluded
                latencies.append((noted - began) * 1000)
                mail_latencies.append((inbox[subject] - began) * 1000)
            # One lead at a time: let the pass finish the lead's follow-up work (the updates its
            # automations caused), so each lead meets an idle loop.
            time.sleep(0.06)
    finally:
        if child is not None:
            child.kill()
        loop.stop()
        if process is not None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        smtp.stop()
    for what, values in (
        ("owner assigned + notification visible", latencies),
        ("… + email handed to SMTP", mail_latencies),
    ):
        ordered = sorted(values)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        print(
            f"{label:<11} commit → {what:<38} p50 {statistics.median(ordered):6.2f} ms"
            f"  p99 {p99:6.2f} ms  max {ordered[-1]:6.2f} ms  ({len(ordered)} leads)"
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=300)
    parser.add_argument("--postgres", default=os.environ.get("FORMWORK_BENCH_POSTGRES_URL"))
    parser.add_argument("--celery", action="store_true", help="through Celery workers on Redis")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/7")
    parser.add_argument(
        "--external-probe",
        action="store_true",
        help="poll for the notification from another process (the default polls from this one,"
        " whose 1 ms loop shares the GIL with the in-process automation thread)",
    )
    parser.add_argument("--probe-child", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe_child:
        probe_child(args.probe_child)
        return
    celery = args.broker if args.celery else None
    external = args.external_probe
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{Path(tmp) / 'auto.db'}", "SQLite", args.leads, celery, external)
    if args.postgres:
        # A database of its own: leads another bench left with pending events would be handled
        # first, and every lead measured here would wait behind them.
        from public_submit_bench import fresh_database

        run(fresh_database(args.postgres, "_auto"), "PostgreSQL", args.leads, celery, external)


if __name__ == "__main__":
    main()
