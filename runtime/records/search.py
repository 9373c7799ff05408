"""List queries for people: the `filter` parameter, text search, and a bounded count. Shell.

Search is a condition tree like any filter (every word is contained in some text-like field), so
it runs through the same SQL builder and the same indexes and statistics as a filter
(docs/decisions/0004, 0012).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from runtime.errors import InvalidInput, Problem
from runtime.records import query as q
from runtime.records.models import Record

# Field types whose stored value is one text a person would type or read.
SEARCH_TYPES = frozenset(
    {"text", "textarea", "email", "phone", "url", "serial", "select", "radio", "user"}
)
MAX_SEARCH_LENGTH = 100
MAX_SEARCH_WORDS = 5
MAX_FILTER_LENGTH = 4000
MAX_FILTER_DEPTH = 8
COUNT_CAP = 1000


def _bad(code: str, message: str, field: str) -> InvalidInput:
    return InvalidInput(code, message, [Problem(code, message, field=field)])


def parse_filter(raw: str | None) -> dict[str, Any] | None:
    """The `filter` query parameter (a JSON condition tree) as a tree, or None when absent."""
    if raw is None or not raw.strip():
        return None
    if len(raw) > MAX_FILTER_LENGTH:
        raise _bad("invalid_filter", "The filter is too long.", "filter")
    try:
        tree = json.loads(raw)
    except ValueError as error:
        raise _bad("invalid_filter", "filter must be a JSON condition.", "filter") from error
    if not isinstance(tree, dict):
        raise _bad("invalid_filter", "filter must be a JSON condition.", "filter")
    if _depth(tree) > MAX_FILTER_DEPTH:
        raise _bad("invalid_filter", "The filter nests too deeply.", "filter")
    return tree


def _depth(node: Any) -> int:
    """How deeply groups nest (a leaf is 1); stops counting past the limit."""
    if isinstance(node, Mapping):
        children = [node.get("not")] if "not" in node else []
        for key in ("all", "any"):
            if isinstance(node.get(key), list):
                children.extend(node[key])
        if not children:
            return 1
        return 1 + max(_depth(child) for child in children[:50])
    return 0


def searchable_fields(doc: Mapping[str, Any]) -> list[str]:
    """Keys of the form's visible, text-like fields, in form order."""
    return [
        f["key"]
        for f in doc.get("fields", [])
        if f.get("type") in SEARCH_TYPES and not f.get("hidden")
    ]


def search_condition(doc: Mapping[str, Any], text: str | None) -> dict[str, Any] | None:
    """Every word of `text` contained in one of the searchable fields, as a condition tree."""
    if text is None or not text.strip():
        return None
    if len(text) > MAX_SEARCH_LENGTH:
        raise _bad("invalid_search", "The search text is too long.", "q")
    words = list(dict.fromkeys(text.split()))[:MAX_SEARCH_WORDS]
    keys = searchable_fields(doc)
    return {
        "all": [
            {"any": [{"field": key, "op": "contains", "value": word} for key in keys]}
            for word in words
        ]
    }


def list_condition(
    doc: Mapping[str, Any], *, filter_text: str | None, search: str | None
) -> dict[str, Any] | None:
    """The filter and the search together (both must hold), or None for every record."""
    parts = [
        part
        for part in (parse_filter(filter_text), search_condition(doc, search))
        if part is not None
    ]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else {"all": parts}


def count_matching(
    db: Session,
    *,
    app_key: str,
    form_key: str,
    types: Mapping[str, str],
    numeric: frozenset[str],
    condition: Mapping[str, Any],
    cap: int = COUNT_CAP,
) -> int:
    """Live records matching `condition`, counted up to `cap` + 1 (more means "over cap")."""
    builder = q.QueryBuilder(types, db.get_bind().dialect.name, numeric)
    matching = (
        select(Record.id)
        .where(
            Record.app_key == app_key,
            Record.form_key == form_key,
            Record.deleted_at.is_(None),
            builder.condition(condition),
        )
        .limit(cap + 1)
        .subquery()
    )
    return int(db.scalar(select(func.count()).select_from(matching)) or 0)
