"""Record triggers: created, updated (optionally: one of these fields changed), deleted. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from runtime.automation.triggers.base import Occurrence, TriggerType, trigger_types

_CONDITION = {"description": "A condition tree on the record; empty: always."}


@trigger_types.register
class RecordCreated(TriggerType):
    key = "record_created"
    label: ClassVar[dict[str, str]] = {"zh-CN": "新增记录时", "en": "Record created"}
    event_kind = "record_created"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {"condition": _CONDITION},
    }


@trigger_types.register
class RecordUpdated(TriggerType):
    key = "record_updated"
    label: ClassVar[dict[str, str]] = {"zh-CN": "修改记录时", "en": "Record updated"}
    event_kind = "record_updated"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "condition": _CONDITION,
            "fields": {
                "description": "Only when one of these fields changed; empty: any change.",
                "type": "array",
                "items": {"type": "string"},
            },
        },
    }

    def matches(self, config: Mapping[str, Any], occurrence: Occurrence, now: datetime) -> bool:
        watched = set(config.get("fields") or ())
        if watched and not any(change.get("field") in watched for change in occurrence.changes):
            return False
        return super().matches(config, occurrence, now)


@trigger_types.register
class RecordDeleted(TriggerType):
    key = "record_deleted"
    label: ClassVar[dict[str, str]] = {"zh-CN": "删除记录时", "en": "Record deleted"}
    event_kind = "record_deleted"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {"condition": _CONDITION},
    }


@trigger_types.register
class BeforeSave(TriggerType):
    """Runs synchronously on the values about to be saved; its `block` actions refuse the save.

    Not dispatched from events: the records service runs these rules before every create or
    update (runtime/automation/rules.py).
    """

    key = "before_save"
    label: ClassVar[dict[str, str]] = {"zh-CN": "保存前校验", "en": "Before save"}
    event_kind = "before_save"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "on": {
                "type": "array",
                "items": {"enum": ["create", "update"]},
                "default": ["create", "update"],
            },
            "condition": _CONDITION,
        },
    }
