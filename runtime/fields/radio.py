"""Single choice field: one option value. Pure."""

from __future__ import annotations

from typing import ClassVar

from runtime.fields.base import field_types
from runtime.fields.choice import SingleChoice


@field_types.register
class Radio(SingleChoice):
    key = "radio"
    version = 1
    label: ClassVar[dict[str, str]] = {"en": "Single choice", "zh-CN": "单选按钮组"}
    icon = "radio"
    widget = "radio"
