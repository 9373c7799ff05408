"""What a viewer may not see of a flow's data: values of the fields an open node hides. Pure.

Trace entries and run-log steps carry record values (the values a condition read, an action's
fields and results, audit changes); the instance view and the run log strip them the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

REVEALING = frozenset({"assigned", "assignee", "from", "to"})  # keys next to "field" with its value


def without_fields(value: Any, hidden: set[str]) -> Any:
    """Field values of `hidden` fields left out wherever a step carries record data."""
    if not hidden:
        return value
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key in ("fields", "values", "record") and isinstance(item, Mapping):
                out[key] = {k: v for k, v in item.items() if k not in hidden}
            elif key == "changes" and isinstance(item, list):
                out[key] = [c for c in item if not _is_hidden_change(c, hidden)]
            elif key == "field" and item in hidden and REVEALING.intersection(value):
                return {"field": item, "hidden": True}  # an assignee or a score of that field
            else:
                out[key] = without_fields(item, hidden)
        return out
    if isinstance(value, list):
        return [without_fields(item, hidden) for item in value]
    return value


def _is_hidden_change(change: Any, hidden: set[str]) -> bool:
    return isinstance(change, Mapping) and change.get("field") in hidden
