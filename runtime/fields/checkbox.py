"""Checkboxes field: a list of option values. Pure."""

from __future__ import annotations

from typing import ClassVar

from runtime.fields.base import field_types
from runtime.fields.choice import MultipleChoice


@field_types.register
class Checkbox(MultipleChoice):
    key = "checkbox"
    version = 1
    label: ClassVar[dict[str, str]] = {"en": "Checkboxes", "zh-CN": "复选框组"}
    icon = "checkbox"
    widget = "checkbox"
