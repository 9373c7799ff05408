"""Benchmark: `check_values` on a 20-field record vs. one jsonschema validation of the same data.

Run: .venv/bin/python bench/forms_bench.py
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jsonschema import Draft202012Validator

from runtime.forms.compile import compile_form
from runtime.forms.submit import check_values

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
OPTIONS = {"options": [{"value": v} for v in ("北京", "上海", "深圳", "广州")]}

FIELDS: list[tuple[str, str, dict[str, Any], Any]] = [
    ("name", "text", {}, "张三"),
    ("company", "text", {}, "某某科技有限公司"),
    ("title", "text", {}, "销售总监"),
    ("email", "email", {}, "zhang@example.com"),
    ("city", "select", OPTIONS, "北京"),
    ("source", "select", {"options": [{"value": "官网表单"}, {"value": "展会"}]}, "展会"),
    ("company_size", "number", {}, 120),
    ("budget", "money", {}, "50000.00"),
    ("discount", "number", {"decimals": 2}, "0.85"),
    ("probability", "percent", {}, "0.6"),
    ("visit_date", "date", {}, "2026-11-22"),
    ("remark", "textarea", {}, "希望下周安排演示。"),
    ("website", "text", {}, "www.example.com"),
    ("address", "text", {}, "北京市朝阳区建国路 1 号"),
    ("industry", "select", {"options": [{"value": "制造业"}, {"value": "金融"}]}, "金融"),
    ("employees", "number", {}, 300),
    ("revenue", "money", {}, "1200000.00"),
    ("wechat", "text", {}, "zhangsan_wx"),
    ("is_key", "boolean", {}, True),
    ("rating", "rating", {}, 4),
]


TEXT_FIELDS: list[tuple[str, str, dict[str, Any], Any]] = [
    (f"text_{index}", "text", {}, f"值 {index}") for index in range(20)
]


def form_doc(fields: list[tuple[str, str, dict[str, Any], Any]]) -> dict[str, Any]:
    return {
        "format": 1,
        "key": "bench",
        "title": {"zh-CN": "基准", "en": "Bench"},
        "fields": [
            {"key": key, "type": kind, "label": {"en": key}, "config": config}
            for key, kind, config, _ in fields
        ],
    }


def median_us(run: Callable[[], object], *, rounds: int = 31, loops: int = 500) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(loops):
            run()
        samples.append((time.perf_counter() - start) / loops * 1e6)
    return statistics.median(samples)


def compare(title: str, fields: list[tuple[str, str, dict[str, Any], Any]]) -> None:
    form = compile_form(form_doc(fields))
    raw = {key: value for key, _, _, value in fields}
    data, problems = check_values(form, raw, existing=None, locale="zh-CN", now=NOW)
    assert problems == [], problems
    validator = Draft202012Validator(form.contract)
    validator.validate(data)

    ours = median_us(lambda: check_values(form, raw, existing=None, locale="zh-CN", now=NOW))
    theirs = median_us(lambda: validator.validate(data), loops=100)
    print(title)
    print(f"  check_values:                   {ours:8.1f} µs (median)")
    print(f"  jsonschema validate, same data: {theirs:8.1f} µs (median)")
    print(f"  ratio jsonschema / check_values:{theirs / ours:8.1f}x")


def slowest_checkers(fields: list[tuple[str, str, dict[str, Any], Any]]) -> None:
    form = compile_form(form_doc(fields))
    costs = []
    for key, kind, _, value in fields:
        check = form.fields[key].check
        assert check is not None
        costs.append((median_us(lambda c=check, v=value: c(v), rounds=5, loops=2000), kind))
    print("slowest field checkers (µs per value):")
    for cost, kind in sorted(costs, reverse=True)[:4]:
        print(f"  {kind:10} {cost:6.1f}")


def main() -> None:
    compare("20 fields of mixed types (text, email, select, number, money, date …):", FIELDS)
    compare("20 text fields (the form machinery's own overhead):", TEXT_FIELDS)
    slowest_checkers(FIELDS)


if __name__ == "__main__":
    main()
