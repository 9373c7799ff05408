"""Golden flow scenarios: run a case through the engine; `--write` refreshes expectations.

Run: .venv/bin/python tests/runtime/flows/golden/regenerate.py [--write] [case …]
Without `--write` it reports which cases differ. Review every rewritten diff like code.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from runtime.flows import new_state, step
from runtime.org.directory import Directory

HERE = Path(__file__).parent


def directory_of(doc: dict[str, Any]) -> Directory:
    """A plain `Directory(...)` from the case's `directory` object."""
    return Directory(
        department_of=dict(doc.get("department_of", {})),
        head_of=dict(doc.get("head_of", {})),
        parent_of=dict(doc.get("parent_of", {})),
        members_of_role={
            role: tuple(users) for role, users in doc.get("members_of_role", {}).items()
        },
    )


def run_case(case: dict[str, Any]) -> list[dict[str, Any]]:
    """The actual {status, effects, trace} after each event; state goes through JSON each time."""
    directory = directory_of(case["directory"])
    state: dict[str, Any] = new_state()
    actual = []
    for item in case["events"]:
        now = datetime.fromisoformat(item["now"])
        out = step(case["flow"], state, item["event"], now, directory=directory)
        state = json.loads(json.dumps(out.state, ensure_ascii=False))
        actual.append(
            {
                "status": state["status"],
                "record": state["record"],
                "effects": [effect.to_json() for effect in out.effects],
                "trace": [entry.to_json() for entry in out.trace],
            }
        )
    return actual


def case_paths(names: list[str]) -> list[Path]:
    paths = sorted(HERE.glob("*.json"))
    return [path for path in paths if not names or path.stem in names]


def main(argv: list[str]) -> int:
    write = "--write" in argv
    names = [arg for arg in argv if not arg.startswith("--")]
    differing = 0
    for path in case_paths(names):
        case = json.loads(path.read_text(encoding="utf-8"))
        actual = run_case(case)
        expected = [item.get("expect") for item in case["events"]]
        if actual == expected:
            continue
        differing += 1
        if write:
            for item, result in zip(case["events"], actual, strict=True):
                item["expect"] = result
            text = json.dumps(case, ensure_ascii=False, indent=2) + "\n"
            path.write_text(text, encoding="utf-8")
            sys.stdout.write(f"wrote {path.name}\n")
        else:
            sys.stdout.write(f"differs: {path.name}\n")
    return 1 if differing and not write else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
