"""The canvas palette, generated from the registries. Pure."""

from __future__ import annotations

from typing import Any

from runtime.fields import field_types


def palette() -> dict[str, Any]:
    fields = [
        {
            "key": entry.key,
            "version": entry.version,
            "label": entry.label,
            "icon": entry.icon,
            "group": entry.group,
            "widget": entry.widget,
            "config_schema": entry.config_schema,
            "example_config": entry.example_config,
            "is_computed": entry.is_computed,
        }
        for entry in field_types
    ]
    return {"fields": fields}
