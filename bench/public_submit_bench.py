"""Public lead submit through a real `formwork serve` vs. a bare baseline; prints figures.

Usage: python bench/public_submit_bench.py [--postgres URL] [--rounds 3] [--seconds 8]

Every server is started first; each round measures them all in turn at concurrency 1 and 16,
and a ratio is the median over rounds of the two rates of one round.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PYTHON_CLIENT = False
WRK_SECONDS = 10


def lead(i: int) -> dict[str, object]:
    return {
        "name": f"压测线索{i}",
        "company": f"测试公司{i}",
        "title": "CEO",
        "phone": f"139{i:08d}",
        "email": f"lead{i}@example.com",
        "city": "北京",
        "industry": "高科技/互联网",
        "company_size": 300 + i % 500,
        "remark": "来自压测",
        "utm_source": "bench",
        "utm_medium": "cpc",
        "utm_campaign": "winter",
        "referrer": "https://www.example.com/pricing",
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_up(url: str) -> None:
    for _ in range(200):
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise SystemExit(f"{url} did not come up")


async def load(url: str, total: int, concurrency: int, offset: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    counter = iter(range(total))
    async with httpx.AsyncClient(timeout=30) as client:

        async def worker() -> None:
            for i in counter:
                start = time.perf_counter()
                visitor = f"10.{(offset + i) // 62500 % 250}.{(offset + i) // 250 % 250}.{i % 250}"
                response = await client.post(
                    url, json=lead(offset + i), headers={"X-Forwarded-For": visitor}
                )
                latencies.append(time.perf_counter() - start)
                if response.status_code != 201:
                    raise SystemExit(f"{url}: {response.status_code} {response.text[:200]}")

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - began, latencies


def load_wrk(url: str, seconds: int, concurrency: int, offset: int) -> tuple[float, float, float]:
    """(requests/s, p50 ms, p99 ms) from wrk: a C load generator, so the client takes little CPU."""
    threads = min(2, concurrency)
    out = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{concurrency}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(ROOT / "bench" / "submit.lua"),
            url,
            "--",
            str(offset),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    if "unexpected status" in out.stderr:
        raise SystemExit(out.stderr[:500])
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out.stdout)[1])  # type: ignore[index]

    def percentile(name: str) -> float:
        value, unit = re.search(rf"\s{name}%\s+([\d.]+)(us|ms|s)", out.stdout).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return rate, percentile("50"), percentile("99")


def start_formwork(
    database_url: str, workers: int = 1, *, automations: bool = False
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "FORMWORK_DATABASE_URL": database_url,
        "FORMWORK_BASE_URL": f"http://127.0.0.1:{port}",
        "FORMWORK_FAST_PASSWORD_HASH": "1",
        "FORMWORK_TRUSTED_PROXIES": "127.0.0.1/32",
        # Off: the submit path alone (issue 2). On: every lead also runs the shipped routing,
        # scoring and notification automations in the server's background loop (issue 4).
        "FORMWORK_BACKGROUND": "1" if automations else "0",
    }
    init = subprocess.run(
        [str(BIN / "formwork"), "init", "--template", "crm", "--password", "bench-pass-1"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    key = init.stdout.strip().splitlines()[-1].removeprefix("api key: ")
    process = subprocess.Popen(
        [str(BIN / "formwork"), "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    wait_up(f"{base}/healthz")
    # Lift the public rate limit for the benchmark (a published definition change).
    headers = {"Authorization": f"Bearer {key}"}
    doc = httpx.get(f"{base}/api/apps/crm/forms/lead", headers=headers).json()["definition"]
    doc["public"]["rate_limit"] = {"per_minute": 10_000}
    httpx.put(f"{base}/api/apps/crm/forms/lead", json=doc, headers=headers).raise_for_status()
    httpx.post(f"{base}/api/apps/crm/forms/lead/publish", headers=headers).raise_for_status()
    return process, f"{base}/f/crm/lead"


def start_baseline(
    folder: Path, postgres: str | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "BENCH_DB": str(folder / "baseline.db"),
        "BENCH_KEYS": json.dumps(list(lead(0))),
    }
    if postgres:
        env["BENCH_PG"] = postgres
    process = subprocess.Popen(
        [str(BIN / "uvicorn"), "baseline_app:app", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT / "bench",
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_up(f"http://127.0.0.1:{port}/docs")
    return process, f"http://127.0.0.1:{port}/submit"


@dataclass
class Target:
    """One server under load and what each round measured of it, per concurrency."""

    label: str
    url: str
    process: subprocess.Popen[bytes]
    offset: int = 0
    rounds: dict[int, list[tuple[float, float, float, str]]] = field(default_factory=dict)
    # With automations: the server's database, and per round the leads fully processed per
    # second (accepted, and every event they caused handled: the backlog drained).
    database: str | None = None
    processed: dict[int, list[tuple[float, float]]] = field(default_factory=dict)

    def measure(self, concurrency: int, total: int) -> None:
        """One round: warm up, then measure; each wrk run numbers its leads afresh."""
        if shutil.which("wrk") and not PYTHON_CLIENT:
            load_wrk(self.url, 2, concurrency, self._next_offset())
            self._drain()  # the warm-up's automations are not this round's
            before = group_commits(self.url)
            rate, p50, p99 = load_wrk(self.url, WRK_SECONDS, concurrency, self._next_offset())
            after = group_commits(self.url)
            if self.database is not None:
                drained = self._drain()
                leads = rate * WRK_SECONDS
                self.processed.setdefault(concurrency, []).append(
                    (leads / (WRK_SECONDS + drained), drained)
                )
            batches = ""
            if before and after and after[0] > before[0]:
                per = (after[1] - before[1]) / (after[0] - before[0])
                batches = f"{per:4.1f} per commit"
        else:
            asyncio.run(load(self.url, 4 * concurrency, concurrency, self._next_offset()))
            elapsed, latencies = asyncio.run(
                load(self.url, total, concurrency, self._next_offset())
            )
            ordered = sorted(latencies)
            rate = len(latencies) / elapsed
            p50 = statistics.median(ordered) * 1000
            p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
            batches = "(httpx)"
        self.rounds.setdefault(concurrency, []).append((rate, p50, p99, batches))

    def _drain(self, limit: float = 600.0) -> float:
        """Seconds until no event is pending in the server's database (0 without automations)."""
        if self.database is None:
            return 0.0
        from sqlalchemy import text

        from runtime.db.engine import make_engine

        engine = make_engine(self.database)
        began = time.perf_counter()
        try:
            while True:
                with engine.connect() as conn:
                    pending = conn.execute(
                        text("SELECT count(*) FROM events WHERE status = 'pending'")
                    ).scalar()
                if not pending:
                    return time.perf_counter() - began
                if time.perf_counter() - began > limit:
                    raise SystemExit(
                        f"{self.label}: {pending} events still pending after {limit} s"
                    )
                time.sleep(0.1)
        finally:
            engine.dispose()

    def _next_offset(self) -> int:
        # Leads of one run never share a phone with another run's (the lead form updates
        # duplicates): wrk numbers each thread's leads from offset + thread × 1,000,000.
        self.offset += 3_000_000
        return self.offset

    def report(self, concurrency: int) -> None:
        runs = self.rounds[concurrency]
        rates = [r[0] for r in runs]
        worst = max(r[2] for r in runs)
        print(
            f"{self.label + f' c={concurrency}':<40} {statistics.median(rates):8.1f} req/s"
            f"   p50 {statistics.median(r[1] for r in runs):6.1f} ms"
            f"   p99 {statistics.median(r[2] for r in runs):6.1f} ms (worst {worst:.1f})"
            f"   rounds {'/'.join(f'{x:.0f}' for x in rates)}   {runs[-1][3]}"
        )
        if concurrency in self.processed:
            done = self.processed[concurrency]
            print(
                f"{'  … fully processed (backlog drained)':<40} "
                f"{statistics.median(d[0] for d in done):8.1f} leads/s"
                f"   drain after the run {'/'.join(f'{d[1]:.1f}' for d in done)} s"
            )

    def ratio(self, base: Target, concurrency: int, *, processed: bool = False) -> float:
        """The median over rounds of this target's rate / the base's, both in the same round
        (`processed`: this target's leads fully processed per second)."""
        if processed:
            mine = [done[0] for done in self.processed[concurrency]]
        else:
            mine = [run[0] for run in self.rounds[concurrency]]
        theirs = [run[0] for run in base.rounds[concurrency]]
        return statistics.median(m / t for m, t in zip(mine, theirs, strict=True))


def group_commits(url: str) -> tuple[float, float] | None:
    """(transactions, submissions) so far from Formwork's /metrics; None for the baseline."""
    base = url.split("/f/")[0]
    if base == url:
        return None
    text = httpx.get(f"{base}/metrics").text
    found = dict(re.findall(r"^(formwork_public_submit_\w+_total) (\S+)$", text, re.M))
    if not found:
        return None
    return (
        float(found.get("formwork_public_submit_transactions_total", 0)),
        float(found.get("formwork_public_submit_batched_total", 0)),
    )


def fresh_database(url: str, suffix: str) -> str:
    """An empty PostgreSQL database beside `url`'s (dropped first if it exists)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    name = f"{target.database}{suffix}"
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return target.set(database=name).render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400, help="per round, with --python-client")
    parser.add_argument("--postgres", default=os.environ.get("FORMWORK_BENCH_POSTGRES_URL"))
    parser.add_argument("--pg-workers", type=int, default=1, help="formwork serve --workers")
    parser.add_argument(
        "--python-client",
        action="store_true",
        help="load with httpx in Python even when wrk is installed",
    )
    parser.add_argument("--seconds", type=int, default=8, help="wrk run length")
    parser.add_argument("--rounds", type=int, default=3, help="measurements of each server")
    parser.add_argument(
        "--automations",
        action="store_true",
        help="also measure intake with the shipped automations running in the server",
    )
    args = parser.parse_args()
    global PYTHON_CLIENT, WRK_SECONDS
    PYTHON_CLIENT, WRK_SECONDS = args.python_client, args.seconds
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        targets: list[Target] = []
        try:
            # Every server is started first and the rounds go through them in turn, so each
            # ratio compares runs minutes apart at most: this machine's speed drifts by a
            # third over a few minutes, and a ratio of runs far apart measured the drift.
            process, url = start_baseline(folder)
            targets.append(Target("baseline FastAPI+jsonschema+SQLite", url, process))
            base = targets[0]
            plan = [("formwork SQLite", f"sqlite:///{folder / 'fw.db'}", 1, False)]
            if args.automations:
                plan.append(("SQLite + automations", f"sqlite:///{folder / 'fa.db'}", 1, True))
            pg_base: Target | None = None
            if args.postgres:
                # Context, not the goal: the same bare app writing to PostgreSQL instead.
                process, url = start_baseline(folder, fresh_database(args.postgres, "_bare"))
                pg_base = Target("bare FastAPI+jsonschema+PostgreSQL", url, process)
                targets.append(pg_base)
                label = "formwork PostgreSQL" + (
                    f" ×{args.pg_workers} workers" if args.pg_workers > 1 else ""
                )
                plan.append(
                    (label, fresh_database(args.postgres, "_submit"), args.pg_workers, False)
                )
                if args.automations:
                    auto = fresh_database(args.postgres, "_auto")
                    plan.append(("PostgreSQL + automations", auto, 1, True))
            for label, url, workers, automations in plan:
                process, form_url = start_formwork(url, workers, automations=automations)
                database = url if automations else None
                targets.append(Target(label, form_url, process, database=database))
            for _round in range(args.rounds):
                for concurrency in (1, 16):
                    for target in targets:
                        target.measure(concurrency, args.requests)
            for concurrency in (1, 16):
                for target in targets:
                    target.report(concurrency)
            for concurrency in (1, 16):
                for target in targets[1:]:
                    if target is pg_base:
                        continue
                    print(
                        f"ratio {target.label} / baseline at c={concurrency}: "
                        f"{target.ratio(base, concurrency):.2f}"
                    )
                    if concurrency in target.processed:
                        print(
                            f"  fully processed / baseline at c={concurrency}: "
                            f"{target.ratio(base, concurrency, processed=True):.2f}"
                        )
                    if "PostgreSQL" in target.label and pg_base is not None:
                        print(
                            f"  (context: / bare PostgreSQL insert at c={concurrency}: "
                            f"{target.ratio(pg_base, concurrency):.2f})"
                        )
        finally:
            for target in targets:
                target.process.terminate()


if __name__ == "__main__":
    main()
