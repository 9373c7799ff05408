"""Golden scenarios: definition + events with `now` → expected status, record, effects, trace.

Refresh with `.venv/bin/python tests/runtime/flows/golden/regenerate.py --write` and review the
diff like code. State goes through json.dumps/json.loads after every event.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.runtime.flows.golden.regenerate import case_paths, run_case

CASES = case_paths([])


def test_the_crm_quote_approval_has_golden_cases() -> None:
    assert {"crm_quote_director_approves", "crm_quote_manager_rejects"} <= {p.stem for p in CASES}


@pytest.mark.parametrize("path", CASES, ids=lambda path: path.stem)
def test_golden(path: Path) -> None:
    case = json.loads(path.read_text(encoding="utf-8"))
    actual = run_case(case)
    assert len(actual) == len(case["events"])
    for index, (item, result) in enumerate(zip(case["events"], actual, strict=True)):
        assert result == item["expect"], f"event {index}: {item['event']['type']}"
