"""SQLite under 16 writing threads: one pooled connection (ours) vs. a pool of 16 connections.

Each transaction reads a row, then inserts one (the shape of a record write with its audit row).
Usage: python bench/sqlite_writers_bench.py [--seconds 8]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import OperationalError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from runtime.db.engine import make_engine

THREADS = 16


def pooled_engine(url: str):
    engine = create_engine(
        url,
        pool_size=THREADS,
        max_overflow=0,
        connect_args={"check_same_thread": False, "timeout": 10},
    )

    @event.listens_for(engine, "connect")
    def pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


def run(engine, seconds: float) -> tuple[int, list[float], int]:
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, v TEXT)"))
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def worker() -> None:
        nonlocal errors
        while time.perf_counter() < stop:
            began = time.perf_counter()
            try:
                with engine.begin() as conn:
                    conn.execute(text("SELECT count(*) FROM items WHERE id > 0")).scalar()
                    conn.execute(text("INSERT INTO items (v) VALUES ('x')"))
            except OperationalError:
                with lock:
                    errors += 1
                continue
            with lock:
                latencies.append(time.perf_counter() - began)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies), latencies, errors


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for label, engine in (
            ("one connection, BEGIN IMMEDIATE (formwork)", make_engine(f"sqlite:///{tmp}/a.db")),
            ("pool of 16 connections", pooled_engine(f"sqlite:///{tmp}/b.db")),
        ):
            done, latencies, errors = run(engine, args.seconds)
            latencies.sort()
            p99 = latencies[int(len(latencies) * 0.99)] if latencies else float("nan")
            print(
                f"{label:<44} {done / args.seconds:8.0f} tx/s  p50 "
                f"{statistics.median(latencies) * 1000:7.2f} ms  p99 {p99 * 1000:8.2f} ms  "
                f"failed (database is locked) {errors}"
            )
            engine.dispose()


if __name__ == "__main__":
    main()
