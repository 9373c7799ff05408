"""Rating field: whole stars from 1 to `max`. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from typing_extensions import override

from runtime.fields.base import Checker, FieldType, ValueProblem, field_types
from runtime.fields.common import with_common


@field_types.register
class Rating(FieldType):
    key = "rating"
    version = 1
    label: ClassVar[dict[str, str]] = {"en": "Rating", "zh-CN": "评分"}
    icon = "star"
    group = "advanced"
    widget = "rating"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {"max": {"type": "integer", "minimum": 1, "maximum": 10, "default": 5}},
    }
    example_config: ClassVar[dict[str, Any]] = {"max": 5}
    messages = with_common(
        {
            "rating_out_of_range": {
                "en": "Choose from 1 to {max}.",
                "zh-CN": "请选择 1 到 {max} 之间的评分。",
            }
        }
    )

    @override
    def value_schema(self, config: Mapping[str, Any]) -> dict[str, Any]:
        return {"type": "integer", "minimum": 1, "maximum": config.get("max", 5)}

    @override
    def compile(self, config: Mapping[str, Any]) -> Checker:
        top = config.get("max", 5)

        def check(raw: Any) -> int:
            if isinstance(raw, bool):
                raise ValueProblem("invalid_type")
            if isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdigit():
                raw = int(raw.strip())
            if isinstance(raw, float) and raw.is_integer():
                raw = int(raw)
            if not isinstance(raw, int):
                raise ValueProblem("invalid_type")
            if not 1 <= raw <= top:
                raise ValueProblem("rating_out_of_range", max=top)
            return raw

        return check

    @override
    def format(self, value: Any, config: Mapping[str, Any], locale: str) -> str:
        if value is None:
            return ""
        top: int = config.get("max", 5)
        return "★" * int(value) + "☆" * (top - int(value))
