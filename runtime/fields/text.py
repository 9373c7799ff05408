"""Single-line text field: length bounds and an optional regular expression. Pure."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from typing_extensions import override

from runtime.errors import Problem
from runtime.fields.base import Checker, FieldType, ValueProblem, field_types
from runtime.fields.common import bad_config, with_common
from runtime.i18n import text

MAX_PATTERN = 200
# A quantified group that itself contains a quantifier, e.g. (a+)+ or (\w*)*: the shapes that
# make backtracking exponential. Such patterns are refused when the field is compiled.
_NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)(?:[+*]|\{\d*,)")


def check_pattern(pattern: str) -> str | None:
    """Return a problem code when `pattern` cannot be used safely, else None."""
    if len(pattern) > MAX_PATTERN:
        return "pattern_too_long"
    if _NESTED_QUANTIFIER.search(pattern):
        return "unsafe_pattern"
    try:
        re.compile(pattern)
    except re.error:
        return "invalid_pattern"
    return None


def string_checker(
    *,
    min_length: int,
    max_length: int,
    strip: bool,
    pattern: str | None,
    multiline: bool,
    hint: Mapping[str, str] | None = None,
) -> Checker:
    """Return a checker for strings with the given bounds."""
    matcher = re.compile(pattern).fullmatch if pattern else None

    def check(raw: Any) -> str:
        if isinstance(raw, bool) or not isinstance(raw, str | int | float):
            raise ValueProblem("invalid_type")
        value = raw if isinstance(raw, str) else str(raw)
        if len(value) > max_length * 2 + 100:  # before any work on a huge input
            raise ValueProblem("too_long", max=max_length)
        if strip:
            value = value.strip()
        if multiline:
            value = value.replace("\r\n", "\n").replace("\r", "\n")
        elif "\n" in value or "\r" in value:
            raise ValueProblem("no_line_breaks")
        if len(value) > max_length:
            raise ValueProblem("too_long", max=max_length)
        if len(value) < min_length:
            raise ValueProblem("too_short", min=min_length)
        if matcher is not None and matcher(value) is None:
            raise (
                ValueProblem("pattern_mismatch", hint=hint)
                if hint
                else ValueProblem("pattern_mismatch")
            )
        return value

    return check


STRING_MESSAGES = {
    "too_long": {"en": "At most {max} characters.", "zh-CN": "最多 {max} 个字符。"},
    "too_short": {"en": "At least {min} characters.", "zh-CN": "至少 {min} 个字符。"},
}


@field_types.register
class Text(FieldType):
    key = "text"
    version = 1
    label: ClassVar[dict[str, str]] = {"en": "Text", "zh-CN": "单行文本"}
    icon = "text"
    group = "basic"
    widget = "text"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "min_length": {"type": "integer", "minimum": 0, "maximum": 10000, "default": 0},
            "max_length": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 200},
            "pattern": {"type": "string", "minLength": 1, "maxLength": MAX_PATTERN},
            "pattern_message": {
                "type": "object",
                "additionalProperties": False,
                "properties": {"zh-CN": {"type": "string"}, "en": {"type": "string"}},
            },
            "strip": {"type": "boolean", "default": True},
        },
    }
    example_config: ClassVar[dict[str, Any]] = {
        "max_length": 50,
        "pattern": r"[A-Z]{2}\d{4}",
        "pattern_message": {
            "zh-CN": "工号格式如 AB1234",
            "en": "Employee numbers look like AB1234",
        },
        "strip": True,
    }
    messages = with_common(
        {
            **STRING_MESSAGES,
            "pattern_mismatch": {
                "en": "This value is not in the expected format.",
                "zh-CN": "格式不正确。",
            },
            "no_line_breaks": {"en": "Line breaks are not allowed.", "zh-CN": "不能包含换行。"},
        }
    )

    @override
    def value_schema(self, config: Mapping[str, Any]) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string", "maxLength": config.get("max_length", 200)}
        if config.get("min_length"):
            schema["minLength"] = config["min_length"]
        return schema

    @override
    def compile(self, config: Mapping[str, Any]) -> Checker:
        pattern = config.get("pattern")
        if pattern is not None:
            code = check_pattern(pattern)
            if code is not None:
                raise bad_config(code, f"text pattern rejected: {code}", "/config/pattern")
        return string_checker(
            min_length=config.get("min_length", 0),
            max_length=config.get("max_length", 200),
            strip=config.get("strip", True),
            pattern=pattern,
            multiline=False,
            hint=config.get("pattern_message"),
        )

    @override
    def problem(self, code: str, field: str, locale: str, **params: object) -> Problem:
        """A pattern mismatch speaks the form author's words when the field has some."""
        hint = params.get("hint")
        if code == "pattern_mismatch" and isinstance(hint, Mapping) and text(hint, locale):
            return Problem(code, text(hint, locale), field, params=params)
        return super().problem(code, field, locale, **params)
