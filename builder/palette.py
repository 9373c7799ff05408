"""The canvas palette, generated from the registries. Pure."""

from __future__ import annotations

from typing import Any

from runtime.actions import action_types
from runtime.automation.triggers import trigger_types
from runtime.fields import field_types
from runtime.flows.nodes import node_types


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
    return {"fields": fields, **flow_palette()}


def flow_palette() -> dict[str, Any]:
    """What the flow designer offers: node types with their exits, action and trigger types."""
    nodes = [
        {
            "key": node.key,
            "version": node.version,
            "label": node.label,
            "icon": node.icon,
            "group": node.group,
            "ports": list(node.ports),
            "config_schema": node.config_schema,
            "example_config": node.example_config,
        }
        for node in node_types
    ]
    actions = [
        {
            "key": action.key,
            "label": action.label,
            "icon": action.icon,
            "group": action.group,
            "config_schema": action.config_schema,
        }
        for action in action_types
    ]
    triggers = [
        {
            "key": trigger.key,
            "label": trigger.label,
            "group": trigger.group,
            "config_schema": trigger.config_schema,
        }
        for trigger in trigger_types
    ]
    return {"nodes": nodes, "actions": actions, "triggers": triggers}
