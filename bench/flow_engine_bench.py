"""Benchmark the pure flow engine on the CRM quote approval (DESIGN §7.6): start + approve.

Run: .venv/bin/python bench/flow_engine_bench.py
Prints the median µs per `step` and steps per second over REPEATS runs of LOOPS instances.

The definition goes in as the plain dict (what the tests do; the engine finds its compiled
index by identity), as a `CompiledFlow` from `compile_flow` (what a shell caching one per
published version does), and as a fresh copy of the dict for every step (a shell that reloads
the definition each time: `compile_flow` finds the compiled flow by content).
"""

from __future__ import annotations

import copy
import itertools
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from runtime.flows import start, step
from runtime.flows.engine import RECENT_FLOWS, compile_flow
from runtime.org.directory import Directory

CASE = (
    Path(__file__).resolve().parent.parent
    / "tests/runtime/flows/golden/crm_quote_director_approves.json"
)
LOOPS = 2_000
REPEATS = 7


def load() -> tuple[dict[str, Any], Directory, dict[str, Any], Any]:
    case = json.loads(CASE.read_text(encoding="utf-8"))
    doc = case["directory"]
    directory = Directory(
        department_of=doc["department_of"],
        head_of=doc["head_of"],
        parent_of=doc["parent_of"],
        members_of_role={role: tuple(users) for role, users in doc["members_of_role"].items()},
    )

    first = case["events"][0]
    return case["flow"], directory, first["event"]["record"], datetime.fromisoformat(first["now"])


def measure(label: str, steps_per_loop: int, run: Callable[[], object]) -> None:
    timings = []
    for _ in range(REPEATS):
        began = time.perf_counter()
        for _ in range(LOOPS):
            run()
        timings.append((time.perf_counter() - began) / (LOOPS * steps_per_loop))
    median = statistics.median(timings)
    print(f"{label:<44} {median * 1e6:8.1f} µs/step {1 / median:>10,.0f} steps/s")


def main() -> int:
    flow, directory, record, now = load()
    approve = {
        "type": "task_completed",
        "task": "director:1:zhao",
        "by": "zhao",
        "outcome": "approve",
    }
    started = start(flow, record=record, submitter="south_a", now=now, directory=directory)
    assert started.state["tokens"][0]["data"]["tasks"]

    def start_only() -> object:
        return start(flow, record=record, submitter="south_a", now=now, directory=directory)

    def approve_only() -> object:
        return step(flow, started.state, approve, now, directory=directory)

    def start_and_approve() -> object:
        out = start(flow, record=record, submitter="south_a", now=now, directory=directory)
        return step(flow, out.state, approve, now, directory=directory)

    compiled = compile_flow(flow)

    def start_and_approve_compiled() -> object:
        out = start(compiled, record=record, submitter="south_a", now=now, directory=directory)
        return step(compiled, out.state, approve, now, directory=directory)

    # More copies than the engine remembers by identity (RECENT_FLOWS): each step is a miss.
    copies = itertools.cycle([copy.deepcopy(flow) for _ in range(4 * RECENT_FLOWS + 1)])

    def start_and_approve_reloaded() -> object:
        out = start(next(copies), record=record, submitter="south_a", now=now, directory=directory)
        return step(next(copies), out.state, approve, now, directory=directory)

    def with_json_round_trip() -> object:
        out = start(flow, record=record, submitter="south_a", now=now, directory=directory)
        state = json.loads(json.dumps(out.state, ensure_ascii=False))
        out = step(flow, state, approve, now, directory=directory)
        return json.dumps(out.state, ensure_ascii=False)

    measure("start (condition → approval task)", 1, start_only)
    measure("approve (→ update_fields action)", 1, approve_only)
    measure("start + approve", 2, start_and_approve)
    measure("start + approve, CompiledFlow", 2, start_and_approve_compiled)
    measure("start + approve, fresh definition dict", 2, start_and_approve_reloaded)
    measure("start + approve, state through JSON", 2, with_json_round_trip)
    return 0


if __name__ == "__main__":
    sys.exit(main())
