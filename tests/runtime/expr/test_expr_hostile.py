"""Hostile input: every corpus line must fail with ExpressionError, quickly, touching nothing."""

from __future__ import annotations

import ast
import builtins
import json
import os
import re
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from runtime.errors import ExpressionError
from runtime.expr import compile, compile_condition, evaluate, parse_formula

NOW = datetime(2024, 5, 6, 9, 30, tzinfo=UTC)
CORPUS = Path(__file__).parent / "hostile_corpus.txt"
LINES = CORPUS.read_text("utf-8").splitlines()
VALUES: dict[str, Any] = {
    "amount": "1234.50",
    "name": "Ada",
    "items": [{"amount": "10.50"}, {"amount": 2}],
    "long": "x" * 6_000,
    "big": list(range(5_000)),
    "huge": [0] * 12_000,
}
PWNED = Path("/tmp/formwork_pwned")  # the file the corpus tries to create


def decode(line: str) -> str:
    """`esc:` lines spell control and invisible characters as \\xNN and \\uNNNN."""
    if not line.startswith("esc:"):
        return line
    return re.sub(
        r"\\x([0-9a-fA-F]{2})|\\u([0-9a-fA-F]{4})",
        lambda match: chr(int(match.group(1) or match.group(2), 16)),
        line[4:],
    )


def attempts(line: str) -> list[Callable[[], object]]:
    """The whole life of one input, from text to result, through the interpreter and compiler."""
    if line.startswith("json:"):
        tree = json.loads(line[5:])
        return [
            lambda: evaluate(compile_condition(tree), VALUES, now=NOW),
            lambda: compile(compile_condition(tree))(VALUES, NOW),
        ]
    text = decode(line)
    return [
        lambda: evaluate(parse_formula(text), VALUES, now=NOW),
        lambda: compile(parse_formula(text))(VALUES, NOW),
    ]


def test_corpus_is_big_enough_and_has_no_duplicates() -> None:
    assert len(LINES) >= 150
    assert len(set(LINES)) == len(LINES)
    assert all(line.strip() for line in LINES)


@pytest.fixture
def tripwires(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """Replace every escape hatch with a recorder; the test asserts none was reached."""
    calls: list[str] = []

    def tripwire(name: str) -> Callable[..., Any]:
        def trip(*args: object, **kwargs: object) -> Any:
            calls.append(name)
            raise AssertionError(f"{name} was called")

        return trip

    monkeypatch.chdir(tmp_path)
    for name in ("eval", "exec", "compile", "open", "breakpoint", "input"):
        monkeypatch.setattr(builtins, name, tripwire(name))
    monkeypatch.setattr(os, "system", tripwire("os.system"))
    monkeypatch.setattr(os, "popen", tripwire("os.popen"))
    monkeypatch.setattr(subprocess, "Popen", tripwire("subprocess.Popen"))
    return calls


@pytest.mark.parametrize("line", LINES, ids=range(len(LINES)))
def test_hostile_line_fails_cleanly(line: str, tripwires: list[str], tmp_path: Path) -> None:
    builtins_before = {name: id(value) for name, value in vars(builtins).items()}
    codes = []
    for run in attempts(line):
        start = time.perf_counter()
        with pytest.raises(ExpressionError) as caught:
            run()
        elapsed = time.perf_counter() - start
        assert caught.value.problems  # every error explains itself
        assert elapsed < 1.0, f"{elapsed:.3f}s"  # typically < 50 ms; generous against CI noise
        codes.append(caught.value.code)
    assert codes[0] == codes[1]  # interpreter and compiler fail the same way
    assert tripwires == []
    assert list(tmp_path.iterdir()) == []
    assert not PWNED.exists()
    assert {name: id(value) for name, value in vars(builtins).items()} == builtins_before


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"{0.__globals__}"', "{0.__globals__}"),
        ('"%s %(x)s ${7*7} {{7*7}}"', "%s %(x)s ${7*7} {{7*7}}"),
        ('"__import__(""os"")"', '__import__("os")'),
        ('"\'; DROP TABLE records; --"', "'; DROP TABLE records; --"),
    ],
)
def test_suspicious_strings_are_only_text(text: str, expected: str) -> None:
    assert evaluate(parse_formula(text), VALUES, now=NOW) == expected


FORBIDDEN_CALLS = {
    "eval",
    "exec",
    "__import__",
    "getattr",
    "setattr",
    "delattr",
    "globals",
    "locals",
    "vars",
    "open",
    "literal_eval",
    "format_map",
    "import_module",
    "breakpoint",
}
ALLOWED_IMPORTS = {
    "__future__",
    "calendar",
    "collections.abc",
    "dataclasses",
    "datetime",
    "decimal",
    "functools",
    "json",
    "re",
    "types",
    "typing",
    "runtime.errors",
}


@pytest.mark.parametrize(
    "path", sorted((Path(__file__).parents[3] / "runtime" / "expr").glob("*.py")), ids=str
)
def test_source_uses_no_dynamic_evaluation(path: Path) -> None:
    tree = ast.parse(path.read_text("utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            function = node.func
            name = function.id if isinstance(function, ast.Name) else getattr(function, "attr", "")
            assert name not in FORBIDDEN_CALLS, f"{path}:{node.lineno} calls {name}"
            assert name != "format" or isinstance(function, ast.Name), f"{path}:{node.lineno}"
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [alias.name for alias in node.names]
            )
            for module in modules:
                assert module in ALLOWED_IMPORTS or module.startswith("runtime.expr"), module
