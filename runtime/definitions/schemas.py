"""Meta-schemas of definitions, composed at load time from `_meta/*.schema.json` and registries.

Definitions layer: pure (reads the shipped meta-schema files once).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

import runtime.fields  # noqa: F401 - registers every field type
from runtime import expr
from runtime.fields.base import field_types

META_DIR = Path(__file__).resolve().parents[2] / "form_schemas" / "_meta"
CONDITION_ID = "urn:formwork:meta:condition"


def field_config_id(type_key: str) -> str:
    """The `$id` a field type's config schema gets inside the composed form meta-schema."""
    return f"urn:formwork:field-config:{type_key}"


@lru_cache(maxsize=8)
def load_meta_file(name: str) -> Mapping[str, Any]:
    """Read `form_schemas/_meta/<name>` (not composed; do not mutate)."""
    with (META_DIR / name).open(encoding="utf-8") as file:
        loaded: dict[str, Any] = json.load(file)
    return loaded


def _registry_signature() -> tuple[object, ...]:
    # Tests add and remove throwaway field types: the composed schema follows the registry.
    types = tuple((entry.key, id(entry), id(entry.config_schema)) for entry in field_types)
    return (*types, id(expr.CONDITION_SCHEMA))


def _embedded(schema: Mapping[str, Any], schema_id: str) -> dict[str, Any]:
    # An `$id` makes the embedded schema its own resource, so its own "#/$defs/..." refs
    # resolve inside it rather than against the form meta-schema's root.
    out = copy.deepcopy(dict(schema))
    out.setdefault("$id", schema_id)
    out.pop("$schema", None)
    return out


@lru_cache(maxsize=4)
def _compose(signature: tuple[object, ...]) -> dict[str, Any]:
    del signature  # only the cache key
    schema = copy.deepcopy(dict(load_meta_file("form.schema.json")))
    defs = schema["$defs"]
    defs["condition"] = _embedded(expr.CONDITION_SCHEMA, CONDITION_ID)
    field = defs["field"]
    field["properties"]["type"] = {
        "$ref": "#/$defs/slug",
        "enum": sorted(field_types.keys()),
    }
    branches: list[dict[str, Any]] = []
    for entry in sorted(field_types, key=lambda item: item.key):
        config_schema = _embedded(entry.config_schema, field_config_id(entry.key))
        then: dict[str, Any] = {"properties": {"config": config_schema}}
        if not Draft202012Validator(entry.config_schema).is_valid({}):
            then["required"] = ["config"]
        branches.append(
            {
                "if": {"properties": {"type": {"const": entry.key}}, "required": ["type"]},
                "then": then,
            }
        )
    field["allOf"] = branches
    return schema


def form_meta_schema() -> dict[str, Any]:
    """The form meta-schema composed with every field type's config schema and the condition tree.

    Returns a fresh copy the caller may change.
    """
    return copy.deepcopy(_compose(_registry_signature()))


def composed_form_meta_schema() -> Mapping[str, Any]:
    """The cached composed form meta-schema (shared: do not mutate)."""
    return _compose(_registry_signature())


@lru_cache(maxsize=4)
def _form_validator(signature: tuple[object, ...]) -> Draft202012Validator:
    return Draft202012Validator(_compose(signature))


def form_validator() -> Draft202012Validator:
    """The cached validator of the composed form meta-schema."""
    return _form_validator(_registry_signature())
