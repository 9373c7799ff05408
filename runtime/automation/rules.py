"""Before-save rules: flows with a `before_save` trigger, run in memory on the values to save.

The engine starts the rule on the proposed record (nothing is stored: no instance, no trace
row); every `block` action it reaches refuses the save with its message — 422 with one problem
per rule, on the rule's field. Rules are evaluated after the form's own validation.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from runtime.definitions import store
from runtime.errors import InvalidInput, Problem
from runtime.expr.conditions import evaluate_condition
from runtime.flows import effects as fx
from runtime.flows import engine
from runtime.flows import service as flows
from runtime.i18n import DEFAULT_LOCALE
from runtime.org import service as org


def check(
    db: Session,
    *,
    app_key: str,
    form_key: str,
    values: Mapping[str, Any],
    operation: str,
    actor: str | None,
    now: datetime,
    locale: str,
) -> None:
    """Raise `InvalidInput` when a before-save rule of the form blocks `operation` of `values`."""
    rules = _rules(db, app_key, form_key, operation)
    if not rules:
        return
    directory = org.directory(db)
    problems: list[Problem] = []
    for rule in rules:
        condition = rule.doc["trigger"].get("condition")
        if condition and not _holds(condition, values, now):
            continue
        started = engine.start(
            rule.doc, record=dict(values), submitter=actor, now=now, directory=directory
        )
        for effect in started.effects:
            if isinstance(effect, fx.RunAction) and effect.action == "block":
                message = _text(effect.params.get("message"), locale)
                field = effect.params.get("field")
                problems.append(
                    Problem("blocked", message, field=field if isinstance(field, str) else None)
                )
    if problems:
        raise InvalidInput("blocked", problems[0].message, problems)


def _rules(
    db: Session, app_key: str, form_key: str, operation: str
) -> tuple[flows.PublishedFlow, ...]:
    """The form's before-save rules for `operation`, kept until any definition changes (every
    save asks, most forms have none)."""

    def build() -> tuple[flows.PublishedFlow, ...]:
        return tuple(
            flow
            for flow in flows.published_flows(db, app_key=app_key)
            if flow.doc.get("form") == form_key
            and (flow.doc.get("trigger") or {}).get("type") == "before_save"
            and operation in ((flow.doc["trigger"].get("on")) or ("create", "update"))
        )

    key = ("before_save", app_key, form_key, operation)
    return store.PUBLISHED.get(db.connection(), key, build)


def _holds(condition: Mapping[str, Any], values: Mapping[str, Any], now: datetime) -> bool:
    return evaluate_condition(condition, values, now=now)


def _text(message: Any, locale: str) -> str:
    if isinstance(message, Mapping):
        chosen = message.get(locale) or message.get(DEFAULT_LOCALE)
        return str(chosen or next(iter(message.values()), ""))
    return str(message or "")
