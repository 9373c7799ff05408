"""Boolean field: a single switch or tick → true / false. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from typing_extensions import override

from runtime.fields.base import Checker, FieldType, ValueProblem, field_types
from runtime.fields.common import with_common

TRUE_WORDS = frozenset({"true", "on", "1", "yes", "y", "是", "对", "真", "√", "✓"})
FALSE_WORDS = frozenset({"false", "off", "0", "no", "n", "否", "不是", "假", "×", "✗"})


def to_bool(raw: Any) -> bool:
    """Read a JSON bool, 0/1 or a yes/no word."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return raw == 1
    if isinstance(raw, str) and len(raw) <= 10:
        word = raw.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise ValueProblem("invalid_boolean")


@field_types.register
class Boolean(FieldType):
    key = "boolean"
    version = 1
    label: ClassVar[dict[str, str]] = {"en": "Switch", "zh-CN": "开关"}
    icon = "toggle"
    group = "basic"
    widget = "switch"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "true_label": {
                "type": "object",
                "additionalProperties": False,
                "properties": {"zh-CN": {"type": "string"}, "en": {"type": "string"}},
            },
            "false_label": {
                "type": "object",
                "additionalProperties": False,
                "properties": {"zh-CN": {"type": "string"}, "en": {"type": "string"}},
            },
        },
    }
    example_config: ClassVar[dict[str, Any]] = {"true_label": {"zh-CN": "已签约", "en": "Signed"}}
    messages = with_common(
        {"invalid_boolean": {"en": "Choose yes or no.", "zh-CN": "请选择是或否。"}}
    )

    @override
    def value_schema(self, config: Mapping[str, Any]) -> dict[str, Any]:
        return {"type": "boolean"}

    @override
    def compile(self, config: Mapping[str, Any]) -> Checker:
        return to_bool

    @override
    def format(self, value: Any, config: Mapping[str, Any], locale: str) -> str:
        if value is None:
            return ""
        custom = config.get("true_label" if value else "false_label") or {}
        if custom.get(locale):
            return str(custom[locale])
        if locale == "zh-CN":
            return "是" if value else "否"
        return "Yes" if value else "No"
