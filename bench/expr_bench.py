"""Benchmark the expression language: compiled condition and formula evaluations per second.

Run: .venv/bin/python bench/expr_bench.py
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from runtime.expr import compile, compile_condition, evaluate, evaluate_condition, parse_formula

CONDITION = {
    "all": [
        {"field": "city", "op": "eq", "value": "北京"},
        {"field": "amount", "op": "gt", "value": 500000},
        {"field": "discount", "op": "lt", "value": 0.8},
    ]
}
FORMULA = 'IF(AND({amount}>500000,{discount}<0.8),"大单","普通")'
NOW = datetime(2024, 5, 6, 12, 0, tzinfo=UTC)
RECORDS: dict[str, Mapping[str, Any]] = {
    "json numbers": {"city": "北京", "amount": 600000, "discount": 0.75},
    "money strings": {"city": "北京", "amount": "600000.00", "discount": "0.75"},
}
LOOPS = 20_000
REPEATS = 7


def measure(label: str, run: Callable[[], object]) -> None:
    """Print the median µs per call over REPEATS runs of LOOPS calls."""
    timings = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        for _ in range(LOOPS):
            run()
        timings.append((time.perf_counter() - start) / LOOPS)
    median = statistics.median(timings)
    print(f"{label:<58} {median * 1e6:8.2f} µs/eval {1 / median:>12,.0f} evals/s")


def main() -> None:
    condition = compile(compile_condition(CONDITION))
    formula_node = parse_formula(FORMULA)
    formula = compile(formula_node)
    for name, values in RECORDS.items():
        assert condition(values, NOW) is True
        assert formula(values, NOW) == "大单"
        measure(f"condition, compile() [{name}]", lambda v=values: condition(v, NOW))
        measure(
            f"condition, evaluate_condition() cached [{name}]",
            lambda v=values: evaluate_condition(CONDITION, v, now=NOW),
        )
        measure(f"formula, compile() [{name}]", lambda v=values: formula(v, NOW))
        measure(
            f"formula, evaluate() interpreter [{name}]",
            lambda v=values: evaluate(formula_node, v, now=NOW),
        )


if __name__ == "__main__":
    main()
