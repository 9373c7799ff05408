"""Checks on decoded JSON payloads before anything stores them. Pure."""

from __future__ import annotations

from typing import Any

from runtime.errors import InvalidInput, Problem

MAX_DEPTH = 64


def require_text(value: Any, *, field: str = "body") -> None:
    """Refuse text no database stores alike: lone surrogates ("\\ud800") and NUL characters.

    JSON may spell both as escapes and Python's decoder accepts them; SQLite's driver fails on the
    first and PostgreSQL refuses the second, so they are bad input, answered 422 here.
    """
    if _has_bad_text(value, 0):
        message = "Text must be valid Unicode without NUL characters."
        raise InvalidInput("invalid_text", message, [Problem("invalid_text", message, field=field)])


def _has_bad_text(value: Any, depth: int) -> bool:
    if depth > MAX_DEPTH:
        message = "The payload is nested too deeply."
        raise InvalidInput("too_deep", message, [Problem("too_deep", message, field="body")])
    if isinstance(value, str):
        if "\x00" in value:
            return True
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(
            _has_bad_text(k, depth + 1) or _has_bad_text(v, depth + 1) for k, v in value.items()
        )
    if isinstance(value, list):
        return any(_has_bad_text(item, depth + 1) for item in value)
    return False
