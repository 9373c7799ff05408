"""Relation field: the id of a record of another form (or a list of ids). Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from typing_extensions import override

from runtime.fields.base import Checker, FieldType, Reference, ValueProblem, field_types
from runtime.fields.common import with_common

MAX_LINKED = 500
MAX_ID = 2**63 - 1


def to_record_id(raw: Any) -> int:
    """A positive integer id from a JSON int, a digit string or {"id": …}."""
    if isinstance(raw, Mapping):
        raw = raw.get("id")
    if isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdigit():
        raw = int(raw.strip())
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise ValueProblem("invalid_record_id")
    if not 1 <= raw <= MAX_ID:
        raise ValueProblem("invalid_record_id")
    return raw


@field_types.register
class Relation(FieldType):
    key = "relation"
    version = 1
    label: ClassVar[dict[str, str]] = {"en": "Linked record", "zh-CN": "关联记录"}
    icon = "relation"
    group = "advanced"
    widget = "record_picker"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["form"],
        "properties": {
            "form": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$", "maxLength": 64},
            "multiple": {"type": "boolean", "default": False},
            "display_field": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
        },
    }
    example_config: ClassVar[dict[str, Any]] = {
        "form": "customer",
        "multiple": False,
        "display_field": "name",
    }
    messages = with_common(
        {
            "invalid_record_id": {"en": "Choose a record.", "zh-CN": "请选择一条记录。"},
            "too_many_items": {"en": "Choose at most {max}.", "zh-CN": "最多选择 {max} 项。"},
        }
    )

    @override
    def value_schema(self, config: Mapping[str, Any]) -> dict[str, Any]:
        one = {"type": "integer", "minimum": 1}
        if config.get("multiple"):
            return {"type": "array", "items": one, "uniqueItems": True, "maxItems": MAX_LINKED}
        return one

    @override
    def compile(self, config: Mapping[str, Any]) -> Checker:
        if not config.get("multiple"):
            return to_record_id

        def many(raw: Any) -> list[int]:
            items = raw if isinstance(raw, list) else [raw]
            if len(items) > MAX_LINKED:
                raise ValueProblem("too_many_items", max=MAX_LINKED)
            return list(dict.fromkeys(to_record_id(item) for item in items))

        return many

    @override
    def format(self, value: Any, config: Mapping[str, Any], locale: str) -> str:
        if value is None:
            return ""
        ids = value if isinstance(value, list) else [value]
        return ", ".join(f"#{record_id}" for record_id in ids)

    @override
    def references(self, value: Any, config: Mapping[str, Any]) -> list[Reference]:
        if value is None:
            return []
        ids = value if isinstance(value, list) else [value]
        return [Reference("record", str(record_id), form=config["form"]) for record_id in ids]
