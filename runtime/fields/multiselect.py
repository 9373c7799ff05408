"""Multi-select dropdown field: a list of option values. Pure."""

from __future__ import annotations

from typing import ClassVar

from runtime.fields.base import field_types
from runtime.fields.choice import MultipleChoice


@field_types.register
class Multiselect(MultipleChoice):
    key = "multiselect"
    version = 1
    label: ClassVar[dict[str, str]] = {"en": "Multi-select dropdown", "zh-CN": "下拉多选"}
    icon = "multiselect"
    widget = "multiselect"
