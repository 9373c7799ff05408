"""Rich text field: HTML sanitised by `nh3` against an explicit allow-list. Pure."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any, ClassVar

import nh3
from typing_extensions import override

from runtime.fields.base import Checker, FieldType, ValueProblem, field_types
from runtime.fields.common import with_common

TAGS = frozenset(
    {
        "p", "br", "strong", "em", "u", "s", "ul", "ol", "li", "a", "h1", "h2", "h3", "h4",
        "blockquote", "code", "pre", "span", "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "th": {"colspan", "rowspan"}, "td": {"colspan", "rowspan"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})

CLEANER = nh3.Cleaner(
    tags=set(TAGS),
    clean_content_tags={"script", "style"},
    attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
    url_schemes=set(URL_SCHEMES),
    link_rel="noopener noreferrer",
    strip_comments=True,
)
TEXT_ONLY = nh3.Cleaner(tags=set(), clean_content_tags={"script", "style"})


@field_types.register
class RichText(FieldType):
    key = "rich_text"
    version = 1
    label: ClassVar[dict[str, str]] = {"en": "Rich text", "zh-CN": "富文本"}
    icon = "rich_text"
    group = "advanced"
    widget = "rich_text"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "max_length": {"type": "integer", "minimum": 1, "maximum": 1000000, "default": 50000}
        },
    }
    example_config: ClassVar[dict[str, Any]] = {"max_length": 20000}
    messages = with_common(
        {"too_long": {"en": "At most {max} characters.", "zh-CN": "最多 {max} 个字符。"}}
    )

    @override
    def value_schema(self, config: Mapping[str, Any]) -> dict[str, Any]:
        return {"type": "string", "maxLength": config.get("max_length", 50000)}

    @override
    def compile(self, config: Mapping[str, Any]) -> Checker:
        high = config.get("max_length", 50000)

        def check(raw: Any) -> str:
            if not isinstance(raw, str):
                raise ValueProblem("invalid_type")
            if len(raw) > high * 2:  # never sanitise a huge input
                raise ValueProblem("too_long", max=high)
            value = str(CLEANER.clean(raw)).strip()
            if len(value) > high:
                raise ValueProblem("too_long", max=high)
            return value

        return check

    @override
    def format(self, value: Any, config: Mapping[str, Any], locale: str) -> str:
        """Plain text (tags dropped, entities decoded) for lists, prints and notifications."""
        if value is None:
            return ""
        return html.unescape(str(TEXT_ONLY.clean(value))).strip()
