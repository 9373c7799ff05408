"""Differences between two definition versions, keyed by stable ids. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ID_LISTS = {"fields": "key", "nodes": "id", "edges": "id"}


def _changes(before: Any, after: Any, path: str) -> list[dict[str, Any]]:
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        out: list[dict[str, Any]] = []
        for key in [*before, *[k for k in after if k not in before]]:
            out += _changes(before.get(key), after.get(key), f"{path}/{key}")
        return out
    return [] if before == after else [{"path": path or "/", "from": before, "to": after}]


def diff_definitions(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """Added, removed and changed items of each id-keyed list, plus other changed paths."""
    result: dict[str, Any] = {}
    for list_key, id_key in ID_LISTS.items():
        old = {item[id_key]: item for item in before.get(list_key, []) or []}
        new = {item[id_key]: item for item in after.get(list_key, []) or []}
        if not old and not new:
            continue
        result[list_key] = {
            "added": [k for k in new if k not in old],
            "removed": [k for k in old if k not in new],
            "changed": [
                {"id": k, "changes": _changes(old[k], new[k], "")}
                for k in new
                if k in old and old[k] != new[k]
            ],
        }
    rest_before = {k: v for k, v in before.items() if k not in ID_LISTS}
    rest_after = {k: v for k, v in after.items() if k not in ID_LISTS}
    result["other"] = _changes(rest_before, rest_after, "")
    return result


def summarize(diff: Mapping[str, Any]) -> str:
    """One line for a version list: 'fields +2 -1 ~3; other 1'."""
    parts = []
    for list_key in ID_LISTS:
        if list_key in diff:
            d = diff[list_key]
            counts = [f"+{len(d['added'])}", f"-{len(d['removed'])}", f"~{len(d['changed'])}"]
            if any(c[1:] != "0" for c in counts):
                parts.append(f"{list_key} " + " ".join(counts))
    if diff.get("other"):
        parts.append(f"other {len(diff['other'])}")
    return "; ".join(parts) or "no changes"
