"""Dropdown field: one option value. Pure."""

from __future__ import annotations

from typing import ClassVar

from runtime.fields.base import field_types
from runtime.fields.choice import SingleChoice


@field_types.register
class Select(SingleChoice):
    key = "select"
    version = 1
    label: ClassVar[dict[str, str]] = {"en": "Dropdown", "zh-CN": "下拉单选"}
    icon = "select"
    widget = "select"
