"""Serial number field: "QT-{yyyyMMdd}-{0000}" rendered from a date and a counter. Pure."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any, ClassVar

from typing_extensions import override

from runtime.fields.base import Checker, FieldType, field_types
from runtime.fields.common import TIMEZONE_SCHEMA, reject_input, with_common
from runtime.fields.date_time import load_zone

_DATE_PART = r"\{(?:yyyyMMdd|yyyyMM|yyyy|yy|MM|dd)\}"
PATTERN_SCHEMA = rf"^(?:[^{{}}]|{_DATE_PART})*\{{0{{1,12}}\}}(?:[^{{}}]|{_DATE_PART})*$"
_TOKEN = re.compile(r"\{(yyyyMMdd|yyyyMM|yyyy|yy|MM|dd|0+)\}")
_DATE_FORMATS = {
    "yyyyMMdd": "%Y%m%d",
    "yyyyMM": "%Y%m",
    "yyyy": "%Y",
    "yy": "%y",
    "MM": "%m",
    "dd": "%d",
}
Part = tuple[str, str]  # ("text", literal) | ("date", strftime format) | ("counter", width)


@lru_cache(maxsize=256)
def parse_pattern(pattern: str) -> tuple[Part, ...]:
    """Split a serial pattern into literal, date and counter parts."""
    parts: list[Part] = []
    position = 0
    for match in _TOKEN.finditer(pattern):
        if match.start() > position:
            parts.append(("text", pattern[position : match.start()]))
        token = match[1]
        if token.startswith("0"):
            parts.append(("counter", str(len(token))))
        else:
            parts.append(("date", _DATE_FORMATS[token]))
        position = match.end()
    if position < len(pattern):
        parts.append(("text", pattern[position:]))
    return tuple(parts)


def _render(config: Mapping[str, Any], now: datetime, counter: Callable[[int], str]) -> str:
    local = now.astimezone(load_zone(config.get("timezone", "Asia/Shanghai")))
    out = []
    for kind, text in parse_pattern(config["pattern"]):
        if kind == "text":
            out.append(text)
        elif kind == "date":
            out.append(local.strftime(text))
        else:
            out.append(counter(int(text)))
    return "".join(out)


@field_types.register
class Serial(FieldType):
    """Computed by the shell: it takes `scope()`, bumps that scope's counter, calls `render()`."""

    key = "serial"
    version = 1
    label: ClassVar[dict[str, str]] = {"en": "Serial number", "zh-CN": "流水号"}
    icon = "hash"
    group = "advanced"
    widget = "readonly"
    is_computed = True
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["pattern"],
        "properties": {
            "pattern": {"type": "string", "maxLength": 100, "pattern": PATTERN_SCHEMA},
            "timezone": TIMEZONE_SCHEMA,
        },
    }
    example_config: ClassVar[dict[str, Any]] = {
        "pattern": "QT-{yyyyMMdd}-{0000}",
        "timezone": "Asia/Shanghai",
    }
    messages = with_common({})

    @override
    def value_schema(self, config: Mapping[str, Any]) -> dict[str, Any]:
        return {"type": "string", "minLength": 1, "maxLength": 200}

    @override
    def compile(self, config: Mapping[str, Any]) -> Checker:
        return reject_input

    @override
    def compute(
        self, config: Mapping[str, Any], values: Mapping[str, Any], *, now: datetime
    ) -> Any:
        """Serials need the database counter: the shell uses `scope()` and `render()`."""
        raise NotImplementedError("serial numbers are assigned by the shell via render()")

    def scope(self, config: Mapping[str, Any], now: datetime) -> str:
        """The counter's scope: the pattern rendered without its counter ("QT-20261122-")."""
        return _render(config, now, lambda _width: "")

    def render(self, config: Mapping[str, Any], now: datetime, n: int) -> str:
        """The serial for counter value `n` (wider than the padding when it overflows)."""
        return _render(config, now, lambda width: str(n).zfill(width))
