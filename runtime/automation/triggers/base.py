"""The trigger type interface and its registry. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from runtime.expr.conditions import evaluate_condition
from runtime.registry import Registry


@dataclass(frozen=True, slots=True)
class Occurrence:
    """An event as a trigger sees it: its kind, the record now, and the field changes."""

    kind: str
    form: str | None
    record: Mapping[str, Any]
    changes: tuple[Mapping[str, Any], ...] = ()
    payload: Mapping[str, Any] = field(default_factory=dict)  # the event's own data


class TriggerType:
    """Base class: a trigger listens to one event kind; a condition narrows it."""

    key: ClassVar[str] = ""
    version: ClassVar[int] = 1
    label: ClassVar[dict[str, str]] = {}
    icon: ClassVar[str] = "bolt"
    group: ClassVar[str] = "record"
    event_kind: ClassVar[str] = ""
    config_schema: ClassVar[dict[str, Any]] = {}

    def matches(self, config: Mapping[str, Any], occurrence: Occurrence, now: datetime) -> bool:
        if occurrence.kind != self.event_kind:
            return False
        condition = config.get("condition")
        return not condition or evaluate_condition(condition, occurrence.record, now=now)


trigger_types: Registry[TriggerType] = Registry("trigger type")
