"""The action type interface and its registry. Shell (actions write rows or call out)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy.orm import Session

from runtime.flows.models import FlowInstance
from runtime.records.models import Record
from runtime.registry import Registry


@dataclass(frozen=True, slots=True)
class ActionContext:
    """What an action gets: the transaction, its instance and record, params and its key.

    `key` is the effect's deterministic key (instance, node, attempt): an action uses it to make
    its effect happen once however often it is delivered.
    """

    db: Session
    instance: FlowInstance
    record: Record | None
    params: Mapping[str, Any]
    key: str
    now: datetime


class ActionType:
    """Base class; `run` returns the result the engine receives in `action_done`.

    A result with `error` fails the action node; a raised `FormworkError` is turned into one.
    """

    key: ClassVar[str] = ""
    version: ClassVar[int] = 1
    label: ClassVar[dict[str, str]] = {}
    icon: ClassVar[str] = "bolt"
    group: ClassVar[str] = "record"
    config_schema: ClassVar[dict[str, Any]] = {"type": "object"}

    def run(self, ctx: ActionContext) -> dict[str, Any]:
        raise NotImplementedError


action_types: Registry[ActionType] = Registry("action type")
