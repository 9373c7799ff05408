"""Shared behaviour of the option types (select, radio, multiselect, checkbox). Pure."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from typing_extensions import override

from runtime.fields.base import Checker, FieldType, ValueProblem
from runtime.fields.common import OPTIONS_SCHEMA, option_label, option_lookup, with_common

_SPLIT = re.compile(r"\s*[,，、;；\n]\s*")

CHOICE_MESSAGES = with_common(
    {
        "invalid_option": {
            "en": "“{value}” is not one of the choices.",
            "zh-CN": "“{value}”不是可选项。",
        },
        "too_few_items": {"en": "Choose at least {min}.", "zh-CN": "至少选择 {min} 项。"},
        "too_many_items": {"en": "Choose at most {max}.", "zh-CN": "最多选择 {max} 项。"},
        "other_too_long": {"en": "At most {max} characters.", "zh-CN": "最多 {max} 个字符。"},
    }
)
OTHER_MAX = 200

EXAMPLE_OPTIONS = [
    {"value": "北京", "label": {"zh-CN": "北京", "en": "Beijing"}},
    {"value": "上海", "label": {"zh-CN": "上海", "en": "Shanghai"}},
    {"value": "深圳", "label": {"zh-CN": "深圳", "en": "Shenzhen"}},
]


class SingleChoice(FieldType):
    """One option value (or free text when `allow_other`)."""

    group = "choice"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["options"],
        "properties": {
            "options": OPTIONS_SCHEMA,
            "allow_other": {"type": "boolean", "default": False},
        },
    }
    example_config: ClassVar[dict[str, Any]] = {"options": EXAMPLE_OPTIONS, "allow_other": True}
    messages = CHOICE_MESSAGES

    @override
    def value_schema(self, config: Mapping[str, Any]) -> dict[str, Any]:
        if config.get("allow_other"):
            return {"type": "string", "minLength": 1, "maxLength": OTHER_MAX}
        return {"type": "string", "enum": [str(o["value"]) for o in config.get("options", [])]}

    @override
    def compile(self, config: Mapping[str, Any]) -> Checker:
        lookup = option_lookup(config.get("options", []))
        allow_other = bool(config.get("allow_other", False))

        def check(raw: Any) -> str:
            if not isinstance(raw, str):
                raise ValueProblem("invalid_type")
            found = lookup.get(raw) or lookup.get(raw.strip())
            if found is not None:
                return found[1]
            if not allow_other:
                raise ValueProblem("invalid_option", value=raw[:50])
            value = raw.strip()
            if len(value) > OTHER_MAX:
                raise ValueProblem("other_too_long", max=OTHER_MAX)
            return value

        return check

    @override
    def format(self, value: Any, config: Mapping[str, Any], locale: str) -> str:
        if value is None:
            return ""
        for option in config.get("options", []):
            if option["value"] == value:
                return option_label(option, locale)
        return str(value)


class MultipleChoice(FieldType):
    """A list of option values, in the order of the options, without repeats."""

    group = "choice"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["options"],
        "properties": {
            "options": OPTIONS_SCHEMA,
            "min_items": {"type": "integer", "minimum": 0, "maximum": 500},
            "max_items": {"type": "integer", "minimum": 1, "maximum": 500},
        },
    }
    example_config: ClassVar[dict[str, Any]] = {
        "options": EXAMPLE_OPTIONS,
        "min_items": 1,
        "max_items": 2,
    }
    messages = CHOICE_MESSAGES

    @override
    def value_schema(self, config: Mapping[str, Any]) -> dict[str, Any]:
        schema: dict[str, Any] = {
            "type": "array",
            "uniqueItems": True,
            "items": {"type": "string", "enum": [str(o["value"]) for o in config["options"]]},
        }
        if "min_items" in config:
            schema["minItems"] = config["min_items"]
        if "max_items" in config:
            schema["maxItems"] = config["max_items"]
        return schema

    @override
    def compile(self, config: Mapping[str, Any]) -> Checker:
        lookup = option_lookup(config.get("options", []))
        low = config.get("min_items", 0)
        high = config.get("max_items", len(config.get("options", [])) or 1)
        limit = max(len(config.get("options", [])), 1) * 2  # guard before any lookups

        def check(raw: Any) -> list[str]:
            if isinstance(raw, str):
                items: list[Any] = [raw] if raw in lookup else _SPLIT.split(raw.strip())
            elif isinstance(raw, list):
                items = raw
            else:
                raise ValueProblem("invalid_type")
            if len(items) > limit:
                raise ValueProblem("too_many_items", max=high)
            chosen: dict[int, str] = {}
            for item in items:
                if not isinstance(item, str):
                    raise ValueProblem("invalid_type")
                found = lookup.get(item) or lookup.get(item.strip())
                if found is None:
                    raise ValueProblem("invalid_option", value=item[:50])
                chosen[found[0]] = found[1]
            if len(chosen) < low:
                raise ValueProblem("too_few_items", min=low)
            if len(chosen) > high:
                raise ValueProblem("too_many_items", max=high)
            return [chosen[position] for position in sorted(chosen)]

        return check

    @override
    def format(self, value: Any, config: Mapping[str, Any], locale: str) -> str:
        if not value:
            return ""
        labels = {o["value"]: option_label(o, locale) for o in config.get("options", [])}
        separator = "、" if locale == "zh-CN" else ", "
        return separator.join(labels.get(item, str(item)) for item in value)
