"""Layering: the pure core imports no I/O libraries, and runtime/ never imports builder/."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUNTIME = ROOT / "runtime"

FORBIDDEN_IN_CORE = (
    "sqlalchemy",
    "fastapi",
    "celery",
    "httpx",
    "runtime.db",
    "runtime.http",
    "runtime.workers",
)
SHELL_MODULES_IN_FLOWS = {"shell.py", "service.py", "api.py", "models.py"}


def core_modules() -> list[Path]:
    """STYLE §2 core: flows (not its shell), expr, fields, forms compile/submit/render, model."""
    paths = [p for p in (RUNTIME / "flows").rglob("*.py") if p.name not in SHELL_MODULES_IN_FLOWS]
    paths += list((RUNTIME / "expr").rglob("*.py")) + list((RUNTIME / "fields").rglob("*.py"))
    paths += [RUNTIME / "forms" / name for name in ("compile.py", "submit.py", "render.py")]
    paths.append(RUNTIME / "definitions" / "model.py")
    paths += list((RUNTIME / "automation" / "triggers").rglob("*.py"))
    paths.append(RUNTIME / "assignment" / "policies.py")
    return sorted(path for path in paths if path.exists())


def imported_modules(path: Path) -> set[str]:
    """Every module named by an import statement in `path`, anywhere in the file."""
    names: set[str] = set()
    for item in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(item, ast.Import):
            names.update(alias.name for alias in item.names)
        elif isinstance(item, ast.ImportFrom) and item.level == 0 and item.module:
            names.add(item.module)
            names.update(f"{item.module}.{alias.name}" for alias in item.names)
    return names


def is_under(name: str, package: str) -> bool:
    return name == package or name.startswith(f"{package}.")


def test_the_core_list_is_not_empty() -> None:
    assert RUNTIME / "flows" / "engine.py" in core_modules()


@pytest.mark.parametrize("path", core_modules(), ids=lambda path: str(path.relative_to(ROOT)))
def test_core_modules_do_no_io(path: Path) -> None:
    bad = sorted(
        name
        for name in imported_modules(path)
        if any(is_under(name, forbidden) for forbidden in FORBIDDEN_IN_CORE)
    )
    assert bad == [], f"{path.relative_to(ROOT)} imports {bad}"


def test_runtime_never_imports_builder() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            n for n in imported_modules(path) if is_under(n, "builder")
        )
        for path in sorted(RUNTIME.rglob("*.py"))
    }
    assert {path: names for path, names in offenders.items() if names} == {}
