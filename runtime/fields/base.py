"""Field types: the registry and the interface every field type implements. Pure."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from runtime.errors import Problem
from runtime.i18n import Messages, message
from runtime.registry import Registry

COMMON_MESSAGES: Messages = {
    "required": {"en": "This field is required.", "zh-CN": "此项为必填项。"},
    "invalid_type": {"en": "This value has the wrong type.", "zh-CN": "值的类型不正确。"},
    "unknown_field": {"en": "There is no such field.", "zh-CN": "没有这个字段。"},
    "read_only": {"en": "This field cannot be changed.", "zh-CN": "此字段不可修改。"},
}


class ValueProblem(Exception):
    """Raised by a field checker: the value is wrong; `code` keys the type's `messages`."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True, slots=True)
class Reference:
    """Something a value points at that only the shell can check exists."""

    kind: str  # "user" | "department" | "record" | "file"
    key: str  # username, department code, record id (as text), file id (as text)
    form: str | None = None  # for kind == "record": the target form key


Checker = Callable[[Any], Any]


class FieldType:
    """Base class of a field type; subclasses set the class attributes and override methods."""

    key: ClassVar[str]
    version: ClassVar[int] = 1
    label: ClassVar[dict[str, str]]
    icon: ClassVar[str] = "field"
    group: ClassVar[str] = "basic"  # palette group: basic | choice | people | advanced
    widget: ClassVar[str] = "text"  # what the renderer draws
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {},
    }
    example_config: ClassVar[dict[str, Any]] = {}
    messages: ClassVar[Messages] = {}
    is_computed: ClassVar[bool] = False  # computed fields are never written from client input

    def value_schema(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """JSON Schema 2020-12 of a stored (canonical, non-null) value."""
        raise NotImplementedError

    def compile(self, config: Mapping[str, Any]) -> Checker:
        """Return a function: raw input (JSON value or form string) → canonical value.

        The function raises `ValueProblem` when the value is wrong. It is never called with
        an empty value (None, "", [], {}): emptiness and `required` are handled by the form.
        """
        raise NotImplementedError

    def format(self, value: Any, config: Mapping[str, Any], locale: str) -> str:  # noqa: ARG002
        """Human-readable text of a canonical value."""
        return "" if value is None else str(value)

    def references(self, value: Any, config: Mapping[str, Any]) -> list[Reference]:  # noqa: ARG002
        """Things the value points at; the shell checks they exist."""
        return []

    def compute(
        self, config: Mapping[str, Any], values: Mapping[str, Any], *, now: datetime
    ) -> Any:
        """Computed types only: the value from the record's other values."""
        raise NotImplementedError

    def problem(self, code: str, field: str, locale: str, **params: object) -> Problem:
        """A `Problem` for `field` with the message for `code` in `locale`."""
        messages = self.messages if code in self.messages else COMMON_MESSAGES
        return Problem(code, message(messages, code, locale, **params), field=field, params=params)


field_types: Registry[FieldType] = Registry("field type")


def format_value(field: Mapping[str, Any], value: Any, locale: str) -> str:
    """`value` as the field's type displays it (¥1,234.50, 138 0013 8000): '' for nothing, the
    stored text for an unknown type or a value an older version stored that no longer fits."""
    if value is None:
        return ""
    entry = field_types.get(str(field.get("type", "text")))
    if entry is None or value == "":
        return str(value)
    try:
        return entry.format(value, field.get("config", {}), locale)
    except (TypeError, ValueError, ArithmeticError):
        return str(value)
