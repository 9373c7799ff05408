"""Validate, save drafts and publish definitions. Shell."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from builder.diff import diff_definitions, summarize
from builder.validate.forms import validate_form
from runtime.definitions import store
from runtime.definitions.models import Definition
from runtime.errors import Conflict, InvalidDefinition, NotFound, Problem
from runtime.records import indexes
from runtime.records import service as records

Validator = Callable[..., list[Problem]]
VALIDATORS: dict[str, Validator] = {"forms": validate_form}
CANONICAL_KIND = {"forms": "form", "flows": "flow", "templates": "template", "reports": "report"}


def check_kind(kind: str) -> None:
    if kind not in store.KINDS:
        raise NotFound("unknown_kind", f"Unknown definition kind {kind!r}.")
    if kind not in VALIDATORS:
        message = f"{kind} definitions are not supported by this version yet."
        raise InvalidDefinition(
            "unsupported_kind", message, [Problem("unsupported_kind", message, pointer="")]
        )


def validate(
    db: Session,
    *,
    app_key: str,
    kind: str,
    key: str,
    doc: Any,
    sibling_forms: Collection[str] = (),
) -> list[Problem]:
    """Every problem of `doc` as a `kind` definition stored under `key`."""
    check_kind(kind)
    if not isinstance(doc, Mapping):
        return [Problem("invalid_type", "A definition must be a JSON object.", pointer="")]
    problems: list[Problem] = []
    if doc.get("key") != key:
        problems.append(
            Problem("key_mismatch", f"The definition's key must be {key!r}.", pointer="/key")
        )
    # Relations may point at stored forms, at this one, or at forms arriving in the same bundle.
    known = set(store.list_keys(db, app_key=app_key, kind="forms")) | {key, *sibling_forms}
    problems += VALIDATORS[kind](doc, known_forms=known)
    return problems


def raise_if_invalid(problems: list[Problem]) -> None:
    if problems:
        raise InvalidDefinition(
            "invalid_definition", f"The definition has {len(problems)} problem(s).", problems
        )


def save_draft(
    db: Session,
    *,
    app_key: str,
    kind: str,
    key: str,
    doc: Any,
    user_id: int | None,
    now: datetime,
) -> Definition:
    store.load_app(db, app_key=app_key)
    raise_if_invalid(validate(db, app_key=app_key, kind=kind, key=key, doc=doc))
    return store.save_draft(
        db, app_key=app_key, kind=kind, key=key, doc=doc, user_id=user_id, now=now
    )


def publish(
    db: Session,
    *,
    app_key: str,
    kind: str,
    key: str,
    user_id: int | None,
    now: datetime,
    doc: Mapping[str, Any] | None = None,
    sibling_forms: Collection[str] = (),
) -> tuple[Definition, bool]:
    """Publish `doc` (or the draft) as the next version; (row, created). Unchanged → latest."""
    draft = store.get_draft(db, app_key=app_key, kind=kind, key=key)
    if doc is None:
        if draft is None:
            raise Conflict("nothing_to_publish", f"{app_key}/{kind}/{key} has no draft.")
        doc = draft.doc
    raise_if_invalid(
        validate(db, app_key=app_key, kind=kind, key=key, doc=doc, sibling_forms=sibling_forms)
    )
    latest = store.get_published(db, app_key=app_key, kind=kind, key=key)
    if latest is not None and latest.doc == dict(doc):
        if draft is not None:
            db.delete(draft)
        return latest, False
    summary = summarize(diff_definitions(latest.doc if latest else {}, doc))
    row = store.publish(
        db, app_key=app_key, kind=kind, key=key, doc=doc, summary=summary, user_id=user_id, now=now
    )
    if draft is not None:
        db.delete(draft)
        db.flush()
    if kind == "forms":
        _derive_form_structures(db, app_key=app_key, key=key, doc=doc, previous=latest)
    return row, True


def _derive_form_structures(
    db: Session,
    *,
    app_key: str,
    key: str,
    doc: Mapping[str, Any],
    previous: Definition | None,
) -> None:
    """Bring lookup keys and field indexes in line with the newly published form."""
    if records.lookup_fields(doc) != records.lookup_fields(previous.doc if previous else {}):
        records.rebuild_keys(db, form=records.load_form(db, app_key=app_key, form_key=key))
    indexes.sync_indexes(db, app_key=app_key, form_key=key, doc=doc)
