"""URL field: an absolute link with an allowed scheme and a host. Pure."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import urlsplit

from typing_extensions import override

from runtime.fields.base import Checker, FieldType, ValueProblem, field_types
from runtime.fields.common import with_common

MAX_URL = 2048
_UNSAFE = re.compile(r"[\x00-\x20\x7f<>\"\\]")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


@field_types.register
class Url(FieldType):
    key = "url"
    version = 1
    label: ClassVar[dict[str, str]] = {"en": "Link", "zh-CN": "链接"}
    icon = "link"
    group = "basic"
    widget = "url"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "schemes": {
                "type": "array",
                "minItems": 1,
                "uniqueItems": True,
                "items": {"enum": ["http", "https", "ftp", "mailto", "tel"]},
                "default": ["http", "https"],
            }
        },
    }
    example_config: ClassVar[dict[str, Any]] = {"schemes": ["https"]}
    messages = with_common(
        {
            "invalid_url": {"en": "Enter a valid link.", "zh-CN": "请输入有效的链接。"},
            "url_scheme_not_allowed": {
                "en": "Links must start with {schemes}.",
                "zh-CN": "链接必须以 {schemes} 开头。",
            },
            "url_too_long": {"en": "At most {max} characters.", "zh-CN": "最多 {max} 个字符。"},
        }
    )

    @override
    def value_schema(self, config: Mapping[str, Any]) -> dict[str, Any]:
        return {"type": "string", "format": "uri", "maxLength": MAX_URL}

    @override
    def compile(self, config: Mapping[str, Any]) -> Checker:
        schemes = frozenset(config.get("schemes", ["http", "https"]))
        shown = ", ".join(f"{scheme}:" for scheme in sorted(schemes))
        needs_host = schemes & {"http", "https", "ftp"}

        def check(raw: Any) -> str:
            if not isinstance(raw, str):
                raise ValueProblem("invalid_type")
            text = raw.strip()
            if len(text) > MAX_URL:
                raise ValueProblem("url_too_long", max=MAX_URL)
            if _UNSAFE.search(text):
                raise ValueProblem("invalid_url")
            if _SCHEME.match(text) is None and "https" in schemes and text[:1].isalnum():
                text = "https://" + text  # "www.example.com" as people type it
            try:
                parts = urlsplit(text)
                host = parts.hostname
                parts.port  # noqa: B018 - raises ValueError on a bad port
            except ValueError:
                raise ValueProblem("invalid_url") from None
            scheme = parts.scheme.lower()
            if not scheme:
                raise ValueProblem("invalid_url")
            if scheme not in schemes:
                raise ValueProblem("url_scheme_not_allowed", schemes=shown)
            if scheme in needs_host and not host:
                raise ValueProblem("invalid_url")
            if scheme in ("mailto", "tel") and not parts.path:
                raise ValueProblem("invalid_url")
            return scheme + text[len(parts.scheme) :]

        return check
