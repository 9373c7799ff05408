"""Meta-schema validation of definitions: every jsonschema error as a `Problem` with a pointer.

Definitions layer: pure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from runtime.errors import Problem

SCHEMA_VIOLATION = "schema_violation"
MAX_MESSAGE = 300

# error → (code, pointer, message or None) to report it under a more specific code; None keeps
# the default code, the error's own pointer and jsonschema's message.
Classifier = Callable[[ValidationError], tuple[str, str, str | None] | None]


def json_pointer(path: Iterable[str | int]) -> str:
    """RFC 6901 pointer of a path ("" is the whole document)."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def schema_problems(
    validator: Draft202012Validator,
    doc: Mapping[str, Any],
    *,
    classify: Classifier | None = None,
) -> list[Problem]:
    """Every meta-schema error of `doc`, one `Problem` each, ordered by where it is."""
    problems: list[Problem] = []
    errors = sorted(validator.iter_errors(doc), key=lambda error: _sort_key(error.absolute_path))
    for found in errors:
        # oneOf/anyOf failures say "not valid under any of the given schemas": point at the
        # likeliest branch's own error instead.
        error = best_match(found.context) if found.context else found
        error = error or found
        pointer = json_pointer(error.absolute_path)
        code = SCHEMA_VIOLATION
        message = error.message
        special = classify(error) if classify is not None else None
        if special is not None:
            code, pointer, better = special
            message = better or message
        if len(message) > MAX_MESSAGE:
            message = message[: MAX_MESSAGE - 1] + "…"
        problems.append(
            Problem(
                code,
                message,
                pointer=pointer,
                params={"keyword": str(error.validator)},
            )
        )
    return problems


def _sort_key(path: Iterable[str | int]) -> tuple[tuple[int, int, str], ...]:
    return tuple((1, part, "") if isinstance(part, int) else (0, 0, part) for part in path)


def is_under(problem: Problem, pointer: str) -> bool:
    """The problem is at `pointer` or inside it."""
    found = problem.pointer
    return found is not None and (found == pointer or found.startswith(pointer + "/"))


def unique_problems(problems: list[Problem]) -> list[Problem]:
    """The problems in order, each (code, pointer, message) once."""
    seen: set[tuple[str, str | None, str]] = set()
    out = []
    for problem in problems:
        marker = (problem.code, problem.pointer, problem.message)
        if marker not in seen:
            seen.add(marker)
            out.append(problem)
    return out


def prefer_condition_problems(problems: list[Problem], found: list[Problem], pointer: str) -> bool:
    """Whether the condition checker's `found` problems at `pointer` should be reported.

    The meta-schema's oneOf says little about a bad condition; the condition checker says what
    is wrong. When both spoke, the schema's problems under `pointer` are dropped (in place) in
    favour of the checker's; when only the schema spoke, its problems stand and nothing is added.
    """
    if not any(is_under(problem, pointer) for problem in problems):
        return True
    if found:
        problems[:] = [p for p in problems if not is_under(p, pointer)]
        return True
    return False
