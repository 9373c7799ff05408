"""Shared behaviour of user and department fields: a key or a list of keys. Pure."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from typing_extensions import override

from runtime.fields.base import Checker, FieldType, Reference, ValueProblem
from runtime.fields.common import with_common

MAX_CHOSEN = 200


class KeyChoice(FieldType):
    """Points at an org entity by key; `multiple` stores a list (deduplicated, in order)."""

    group = "people"
    reference_kind: ClassVar[str]
    key_pattern: ClassVar[str] = r"[A-Za-z0-9][A-Za-z0-9._@\-]{0,63}"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "multiple": {"type": "boolean", "default": False},
            "max_items": {"type": "integer", "minimum": 1, "maximum": MAX_CHOSEN},
        },
    }
    example_config: ClassVar[dict[str, Any]] = {"multiple": True, "max_items": 5}
    messages = with_common(
        {
            "invalid_key": {"en": "“{value}” is not a valid choice.", "zh-CN": "“{value}”无效。"},
            "too_many_items": {"en": "Choose at most {max}.", "zh-CN": "最多选择 {max} 项。"},
        }
    )

    @override
    def value_schema(self, config: Mapping[str, Any]) -> dict[str, Any]:
        one = {"type": "string", "pattern": f"^{self.key_pattern}$"}
        if not config.get("multiple"):
            return one
        return {
            "type": "array",
            "items": one,
            "uniqueItems": True,
            "maxItems": config.get("max_items", MAX_CHOSEN),
        }

    @override
    def compile(self, config: Mapping[str, Any]) -> Checker:
        matcher = re.compile(self.key_pattern).fullmatch
        high = config.get("max_items", MAX_CHOSEN)

        def one(raw: Any) -> str:
            if isinstance(raw, Mapping):  # a picker may send {"key": ..., "name": ...}
                raw = raw.get("key", raw.get("username", raw.get("code")))
            if not isinstance(raw, str):
                raise ValueProblem("invalid_type")
            value = raw.strip()
            if matcher(value) is None:
                raise ValueProblem("invalid_key", value=value[:50])
            return value

        if not config.get("multiple"):
            return one

        def many(raw: Any) -> list[str]:
            items = raw if isinstance(raw, list) else [raw]
            if len(items) > high:
                raise ValueProblem("too_many_items", max=high)
            return list(dict.fromkeys(one(item) for item in items))

        return many

    @override
    def format(self, value: Any, config: Mapping[str, Any], locale: str) -> str:
        if value is None:
            return ""
        return ", ".join(value) if isinstance(value, list) else str(value)

    @override
    def references(self, value: Any, config: Mapping[str, Any]) -> list[Reference]:
        if value is None:
            return []
        keys = value if isinstance(value, list) else [value]
        return [Reference(self.reference_kind, key) for key in keys]
