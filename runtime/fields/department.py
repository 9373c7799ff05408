"""Department field: a department code (or a list of them). Pure."""

from __future__ import annotations

from typing import ClassVar

from runtime.fields.base import field_types
from runtime.fields.people import KeyChoice


@field_types.register
class Department(KeyChoice):
    key = "department"
    version = 1
    label: ClassVar[dict[str, str]] = {"en": "Department", "zh-CN": "部门"}
    icon = "department"
    widget = "department_picker"
    reference_kind = "department"
