"""Canonical JSON of definitions: key order of the meta-schema, so export → import → export is
byte-identical (STYLE §6). Definitions layer: pure.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing._core import Resolver
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from runtime.definitions.schemas import composed_form_meta_schema

SchemaProvider = Callable[[], Mapping[str, Any]]

APP_SCHEMA: Mapping[str, Any] = {
    "$id": "urn:formwork:meta:app",
    "type": "object",
    "required": ["format", "key", "title"],
    "properties": {
        "format": {"const": 1},
        "key": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
        "title": {"$ref": "#/$defs/text"},
        "description": {"$ref": "#/$defs/text"},
        "icon": {"type": "string"},
        "forms": {"type": "array", "items": {"type": "string"}},
    },
    "$defs": {
        "text": {
            "type": "object",
            "properties": {"zh-CN": {"type": "string"}, "en": {"type": "string"}},
            "additionalProperties": {"type": "string"},
        }
    },
}

# kind → the meta-schema whose `properties` give the key order. New kinds (flow, rule, template,
# report…) plug in with `register_kind`.
_KINDS: dict[str, SchemaProvider] = {
    "form": composed_form_meta_schema,
    "app": lambda: APP_SCHEMA,
}

_MAX_EXPANSION = 64
_ANONYMOUS_ID = "urn:formwork:meta:anonymous"

Located = tuple[Any, Resolver[Any]]


def register_kind(kind: str, schema: SchemaProvider) -> None:
    """Make `dumps(kind, …)` order keys by the meta-schema `schema()` returns."""
    _KINDS[kind] = schema


def kinds() -> list[str]:
    """The definition kinds `dumps` knows."""
    return sorted(_KINDS)


def dumps(kind: str, doc: Mapping[str, Any]) -> str:
    """Canonical JSON text of a definition: 2-space indent, UTF-8 text, meta-schema key order."""
    provider = _KINDS.get(kind)
    if provider is None:
        raise ValueError(f"unknown definition kind {kind!r}; known: {', '.join(kinds())}")
    ordered = order_keys(doc, provider())
    return json.dumps(ordered, ensure_ascii=False, indent=2) + "\n"


def order_keys(value: Any, schema: Mapping[str, Any]) -> Any:
    """Copy `value` with keys in the order `schema` lists them; unknown keys after, sorted."""
    return _Walker(schema).walk(value)


class _Walker:
    def __init__(self, schema: Mapping[str, Any]) -> None:
        uri = str(schema.get("$id", _ANONYMOUS_ID))
        resource: Resource[Any] = DRAFT202012.create_resource(schema)
        registry: Registry[Any] = Registry().with_resource(uri, resource).crawl()
        self.root: Located = (schema, registry.resolver(base_uri=uri))
        self.if_validators: dict[int, Draft202012Validator] = {}

    def walk(self, value: Any) -> Any:
        return self._walk(value, [self.root])

    def _walk(self, value: Any, schemas: list[Located]) -> Any:
        if not isinstance(value, Mapping | list):
            return value
        expanded: list[Located] = []
        for schema, resolver in schemas:
            self._expand(schema, resolver, value, expanded)
        if isinstance(value, list):
            return self._walk_list(value, expanded)
        return self._walk_object(value, expanded)

    def _walk_list(self, value: list[Any], expanded: list[Located]) -> list[Any]:
        out = []
        for index, item in enumerate(value):
            children: list[Located] = []
            for schema, resolver in expanded:
                prefix = schema.get("prefixItems")
                if isinstance(prefix, list) and index < len(prefix):
                    children.append((prefix[index], resolver))
                elif isinstance(schema.get("items"), Mapping):
                    children.append((schema["items"], resolver))
            out.append(self._walk(item, children))
        return out

    def _walk_object(self, value: Mapping[str, Any], expanded: list[Located]) -> dict[str, Any]:
        order: dict[str, list[Located]] = {}
        extra: list[Located] = []
        for schema, resolver in expanded:
            properties = schema.get("properties")
            if isinstance(properties, Mapping):
                for key, sub in properties.items():
                    order.setdefault(key, []).append((sub, resolver))
            additional = schema.get("additionalProperties")
            if isinstance(additional, Mapping):
                extra.append((additional, resolver))
        out: dict[str, Any] = {}
        for key, subs in order.items():
            if key in value:
                out[key] = self._walk(value[key], subs)
        for key in sorted(k for k in value if k not in order):
            out[key] = self._walk(value[key], extra)
        return out

    def _expand(
        self,
        schema: Any,
        resolver: Resolver[Any],
        value: Any,
        out: list[Located],
    ) -> None:
        """Collect `schema` and every subschema that applies to `value` (refs, allOf, if/then…)."""
        if not isinstance(schema, Mapping) or len(out) > _MAX_EXPANSION:
            return
        if "$id" in schema and schema is not self.root[0]:
            resolver = resolver.in_subresource(DRAFT202012.create_resource(schema))
        out.append((schema, resolver))
        reference = schema.get("$ref")
        if isinstance(reference, str):
            try:
                resolved = resolver.lookup(reference)
            except Unresolvable:
                resolved = None
            if resolved is not None:
                self._expand(resolved.contents, resolved.resolver, value, out)
        for keyword in ("allOf", "anyOf", "oneOf"):
            for sub in schema.get(keyword) or ():
                self._expand(sub, resolver, value, out)
        if "if" in schema:
            matched = self._matches(schema["if"], value)
            if matched is not False and "then" in schema:
                self._expand(schema["then"], resolver, value, out)
            if matched is not True and "else" in schema:
                self._expand(schema["else"], resolver, value, out)

    def _matches(self, schema: Any, value: Any) -> bool | None:
        """Whether `value` satisfies an `if` schema; None when it cannot tell (both branches)."""
        if not isinstance(schema, Mapping):
            return bool(schema)
        validator = self.if_validators.get(id(schema))
        if validator is None:
            validator = self.if_validators[id(schema)] = Draft202012Validator(schema)
        try:
            return bool(validator.is_valid(value))
        except Unresolvable:
            return None
