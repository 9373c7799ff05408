"""Record list with a filter and a sort over 100,000 leads: p50/p95/p99 per query shape.

Usage: python bench/records_list_bench.py [--rows 100000] [--postgres URL]
Seeds the rows with bulk inserts (not timed), then times `records.list_records`, the function
behind GET /api/apps/{app}/forms/{form}/records.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("FORMWORK_FAST_PASSWORD_HASH", "1")

from sqlalchemy import insert  # noqa: E402

from builder.cli import main as formwork  # noqa: E402
from runtime.db.engine import make_engine, make_session_factory  # noqa: E402
from runtime.records import service as records  # noqa: E402
from runtime.records.models import Record  # noqa: E402

CITIES = ["北京", "上海", "深圳", "广州", "杭州", "成都", "武汉", "南京"]
STATUSES = ["新线索", "已联系", "培育中", "MQL", "SQL", "已转化", "无效"]
SOURCES = ["百度推广", "官网表单", "展会", "转介绍", "电话营销", "社交媒体", "其他"]
OWNERS = ["wang", "north_a", "north_b", "east_a", "east_b", "south_a", "south_b", "ka"]
QUERIES = {
    "city=北京, newest first": ({"field": "city", "op": "eq", "value": "北京"}, "-id"),
    "status=MQL & size>=500, by size desc": (
        {
            "all": [
                {"field": "status", "op": "eq", "value": "MQL"},
                {"field": "company_size", "op": "gte", "value": 500},
            ]
        },
        "-company_size",
    ),
    "owner in (east_a,east_b), by created_at": (
        {"field": "owner", "op": "in", "value": ["east_a", "east_b"]},
        "-created_at",
    ),
    "company contains 科技, newest first": (
        {"field": "company", "op": "contains", "value": "科技"},
        "-id",
    ),
    "no filter, by company_size": (None, "-company_size"),
}


def seed(url: str, rows: int) -> None:
    formwork(["init", "--template", "crm", "--password", "bench-pass-1", "--database", url])
    rng = random.Random(7)
    engine = make_engine(url)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    batch = []
    with engine.begin() as conn:
        for i in range(rows):
            created = start + timedelta(minutes=i)
            data = {
                "name": f"线索{i}",
                "company": f"{rng.choice(['星辰', '远山', '云帆'])}"
                f"{rng.choice(['科技', '贸易', '物流'])}{i}",
                "phone": f"+86139{i:08d}",
                "city": rng.choice(CITIES),
                "status": rng.choice(STATUSES),
                "source": rng.choice(SOURCES),
                "company_size": rng.randint(1, 5000),
                "owner": rng.choice(OWNERS),
            }
            batch.append(
                {
                    "app_key": "crm",
                    "form_key": "lead",
                    "form_version": 1,
                    "data": data,
                    "version": 1,
                    "created_at": created,
                    "updated_at": created,
                }
            )
            if len(batch) == 5000:
                conn.execute(insert(Record), batch)
                batch.clear()
        if batch:
            conn.execute(insert(Record), batch)
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE records")
        else:
            conn.exec_driver_sql("ANALYZE")
    engine.dispose()


def measure(url: str, label: str, repeats: int) -> None:
    factory = make_session_factory(make_engine(url))
    for name, (condition, sort) in QUERIES.items():
        timings = []
        for _ in range(repeats):
            with factory() as db:
                form = records.load_form(db, app_key="crm", form_key="lead")
                began = time.perf_counter()
                page = records.list_records(db, form=form, condition=condition, sort=sort, limit=50)
                if page.next_cursor:  # the second page too: keyset pagination must hold up
                    records.list_records(
                        db,
                        form=form,
                        condition=condition,
                        sort=sort,
                        limit=50,
                        cursor=page.next_cursor,
                    )
                timings.append((time.perf_counter() - began) * 1000 / 2)
        timings.sort()
        p95 = timings[int(len(timings) * 0.95) - 1]
        print(
            f"{label:<11} {name:<42} p50 {statistics.median(timings):7.2f} ms"
            f"  p95 {p95:7.2f} ms  ({len(page.records)} rows/page)"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=40)
    parser.add_argument("--postgres", default=os.environ.get("FORMWORK_BENCH_POSTGRES_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        targets = [("SQLite", f"sqlite:///{Path(tmp) / 'list.db'}")]
        if args.postgres:
            targets.append(("PostgreSQL", args.postgres))
        for label, url in targets:
            seed(url, args.rows)
            measure(url, label, args.repeats)


if __name__ == "__main__":
    main()
