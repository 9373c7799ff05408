"""Multi-line text field. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from typing_extensions import override

from runtime.fields.base import Checker, FieldType, field_types
from runtime.fields.common import with_common
from runtime.fields.text import STRING_MESSAGES, string_checker


@field_types.register
class Textarea(FieldType):
    key = "textarea"
    version = 1
    label: ClassVar[dict[str, str]] = {"en": "Paragraph", "zh-CN": "多行文本"}
    icon = "textarea"
    group = "basic"
    widget = "textarea"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "min_length": {"type": "integer", "minimum": 0, "maximum": 100000, "default": 0},
            "max_length": {"type": "integer", "minimum": 1, "maximum": 100000, "default": 5000},
            "rows": {"type": "integer", "minimum": 1, "maximum": 50, "default": 4},
            "strip": {"type": "boolean", "default": True},
        },
    }
    example_config: ClassVar[dict[str, Any]] = {"max_length": 2000, "rows": 6}
    messages = with_common(STRING_MESSAGES)

    @override
    def value_schema(self, config: Mapping[str, Any]) -> dict[str, Any]:
        return {"type": "string", "maxLength": config.get("max_length", 5000)}

    @override
    def compile(self, config: Mapping[str, Any]) -> Checker:
        return string_checker(
            min_length=config.get("min_length", 0),
            max_length=config.get("max_length", 5000),
            strip=config.get("strip", True),
            pattern=None,
            multiline=True,
        )
