"""User field: a username (or a list of them). Pure."""

from __future__ import annotations

from typing import ClassVar

from runtime.fields.base import field_types
from runtime.fields.people import KeyChoice


@field_types.register
class User(KeyChoice):
    key = "user"
    version = 1
    label: ClassVar[dict[str, str]] = {"en": "Member", "zh-CN": "成员"}
    icon = "user"
    widget = "user_picker"
    reference_kind = "user"
