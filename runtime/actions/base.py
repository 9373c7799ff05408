"""The action type interface and its registry. Shell (actions write rows or call out)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy.orm import Session, sessionmaker

from runtime.flows.models import FlowInstance
from runtime.records.models import Record
from runtime.registry import Registry
from runtime.settings import Settings

SETTINGS = "formwork_settings"  # Session.info key: the settings of the process running actions


def bind_settings(factory: sessionmaker[Session], settings: Settings) -> None:
    """Sessions made by `factory` carry `settings`; actions read them through their context."""
    factory.kw.setdefault("info", {})[SETTINGS] = settings


@functools.cache
def _environment() -> Settings:
    """The environment's settings, read once per process (for sessions that carry none)."""
    return Settings.from_env()


def settings_of(db: Session) -> Settings:
    """The settings the session carries (`bind_settings`), else the environment's."""
    found = db.info.get(SETTINGS)
    return found if isinstance(found, Settings) else _environment()


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

    @property
    def settings(self) -> Settings:
        """Base URL, secret, sender…: what the process was configured with (read once)."""
        return settings_of(self.db)


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
