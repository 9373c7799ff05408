"""Validate, save drafts and publish definitions. Shell."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from builder.diff import diff_definitions, summarize
from builder.validate.flows import validate_flow
from builder.validate.forms import validate_form
from runtime.actions import action_types
from runtime.definitions import flow_schema, store
from runtime.definitions.models import Definition
from runtime.errors import Conflict, InvalidDefinition, NotFound, Problem
from runtime.org.models import Role
from runtime.records import indexes
from runtime.records import service as records

SUPPORTED_KINDS = ("forms", "flows")
CANONICAL_KIND = {"forms": "form", "flows": "flow", "templates": "template", "reports": "report"}


def check_kind(kind: str) -> None:
    if kind not in store.KINDS:
        raise NotFound("unknown_kind", f"Unknown definition kind {kind!r}.")
    if kind not in SUPPORTED_KINDS:
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
    bundle: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[Problem]:
    """Every problem of `doc` as a `kind` definition stored under `key`.

    `bundle` (kind → key → definition) holds definitions arriving together, which references
    may name before they are stored: a relation to a form of the same bundle, a flow's form.
    """
    check_kind(kind)
    if not isinstance(doc, Mapping):
        return [Problem("invalid_type", "A definition must be a JSON object.", pointer="")]
    problems: list[Problem] = []
    if doc.get("key") != key:
        problems.append(
            Problem("key_mismatch", f"The definition's key must be {key!r}.", pointer="/key")
        )
    arriving = bundle or {}
    forms = set(store.list_keys(db, app_key=app_key, kind="forms")) | set(arriving.get("forms", {}))
    if kind == "forms":
        problems += validate_form(doc, known_forms=forms | {key})
    elif kind == "flows":
        problems += _validate_flow(db, app_key=app_key, key=key, doc=doc, arriving=arriving)
    return problems


def _validate_flow(
    db: Session,
    *,
    app_key: str,
    key: str,
    doc: Mapping[str, Any],
    arriving: Mapping[str, Mapping[str, Any]],
) -> list[Problem]:
    form_key = doc.get("form")
    form_doc = arriving.get("forms", {}).get(form_key) if isinstance(form_key, str) else None
    if form_doc is None and isinstance(form_key, str):
        stored = store.get_published(db, app_key=app_key, kind="forms", key=form_key)
        form_doc = stored.doc if stored is not None else None
    problems: list[Problem] = []
    if form_doc is None:
        message = f"The flow routes records of the form {form_key!r}, which this app does not have."
        problems.append(Problem("unknown_form", message, pointer="/form"))
    flows = set(store.list_keys(db, app_key=app_key, kind="flows")) | set(arriving.get("flows", {}))
    roles = set(db.scalars(select(Role.key)))
    actions = {entry.key: entry.config_schema for entry in action_types}
    return problems + validate_flow(
        doc,
        form_doc=form_doc,
        known_flows=flows | {key},
        known_roles=roles,
        action_schemas=actions,
    )


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
    based_on: str | None = None,
) -> Definition:
    store.load_app(db, app_key=app_key)
    raise_if_invalid(validate(db, app_key=app_key, kind=kind, key=key, doc=doc))
    return store.save_draft(
        db,
        app_key=app_key,
        kind=kind,
        key=key,
        doc=doc,
        user_id=user_id,
        now=now,
        based_on=based_on,
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
    bundle: Mapping[str, Mapping[str, Any]] | None = None,
) -> tuple[Definition, bool]:
    """Publish `doc` (or the draft) as the next version; (row, created). Unchanged → latest."""
    draft = store.get_draft(db, app_key=app_key, kind=kind, key=key)
    if doc is None:
        if draft is None:
            raise Conflict("nothing_to_publish", f"{app_key}/{kind}/{key} has no draft.")
        doc = draft.doc
    raise_if_invalid(validate(db, app_key=app_key, kind=kind, key=key, doc=doc, bundle=bundle))
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
    indexes.create_statistics(db, doc=doc)


def duplicate(
    db: Session,
    *,
    app_key: str,
    kind: str,
    key: str,
    new_key: str,
    user_id: int | None,
    now: datetime,
) -> tuple[Definition, list[Problem]]:
    """A draft `new_key` holding `key`'s current document (its draft, else its latest version),
    and the copy's problems. A flow draft saved with problems (decision 0011) is copied with
    them, as a draft that fits the flow meta-schema is saved; anything else must validate."""
    check_kind(kind)
    if store.current_doc(db, app_key=app_key, kind=kind, key=new_key) is not None:
        message = f"{app_key}/{kind}/{new_key} exists already."
        raise Conflict("key_taken", message, [Problem("key_taken", message, field="key")])
    doc = store.current_doc(db, app_key=app_key, kind=kind, key=key)
    if doc is None:
        raise NotFound("definition_not_found", f"No {kind} definition {key!r} in {app_key}.")
    copy = {**doc, "key": new_key}
    if kind == "flows" and flow_schema.flow_validator().is_valid(copy):
        store.load_app(db, app_key=app_key)
        problems = validate(db, app_key=app_key, kind=kind, key=new_key, doc=copy)
        row = store.save_draft(
            db, app_key=app_key, kind=kind, key=new_key, doc=copy, user_id=user_id, now=now
        )
        return row, problems
    row = save_draft(
        db, app_key=app_key, kind=kind, key=new_key, doc=copy, user_id=user_id, now=now
    )
    return row, []


def uses(db: Session, *, app_key: str, kind: str, key: str) -> list[str]:
    """What keeps a definition from being deleted: records of a form, flows routing it,
    instances of a flow (their history names its versions), flows starting it as a subflow."""
    from runtime.flows.models import FlowInstance  # the shell's models, only for this check
    from runtime.records.models import Record

    found: list[str] = []
    if kind == "forms":
        count = db.scalar(
            select(func.count(Record.id)).where(Record.app_key == app_key, Record.form_key == key)
        )
        if count:
            found.append(f"{count} record(s)")
    if kind == "flows":
        count = db.scalar(
            select(func.count(FlowInstance.id)).where(
                FlowInstance.app_key == app_key, FlowInstance.flow_key == key
            )
        )
        if count:
            found.append(f"{count} run(s)")
    if kind == "forms":
        for form_key in store.list_keys(db, app_key=app_key, kind="forms"):
            doc = store.current_doc(db, app_key=app_key, kind="forms", key=form_key) or {}
            if form_key != key and any(
                (field.get("config") or {}).get("form") == key for field in doc.get("fields") or ()
            ):
                found.append(f"form {form_key} (relation)")
    for flow_key in store.list_keys(db, app_key=app_key, kind="flows"):
        if kind == "flows" and flow_key == key:
            continue
        doc = store.current_doc(db, app_key=app_key, kind="flows", key=flow_key) or {}
        if kind == "forms" and doc.get("form") == key:
            found.append(f"flow {flow_key}")
        if kind == "flows" and any(
            node.get("type") == "subflow" and (node.get("config") or {}).get("flow") == key
            for node in doc.get("nodes") or ()
        ):
            found.append(f"flow {flow_key} (subflow)")
    return found


def delete(db: Session, *, app_key: str, kind: str, key: str) -> int:
    """Delete a definition, its draft and every version; refused (409) while in use."""
    check_kind(kind)
    rows = list(
        db.scalars(
            select(Definition).where(
                Definition.app_key == app_key, Definition.kind == kind, Definition.key == key
            )
        )
    )
    if not rows:
        raise NotFound("definition_not_found", f"No {kind} definition {key!r} in {app_key}.")
    in_use = uses(db, app_key=app_key, kind=kind, key=key)
    if in_use:
        message = f"{app_key}/{kind}/{key} is in use: {', '.join(in_use)}."
        raise Conflict("in_use", message, [Problem("in_use", message, params={"uses": in_use})])
    if kind == "forms":  # its field indexes go with it
        latest = max(rows, key=lambda row: row.version)
        fields = [
            {k: v for k, v in f.items() if k != "indexed"} for f in latest.doc.get("fields", [])
        ]
        indexes.sync_indexes(
            db, app_key=app_key, form_key=key, doc={**latest.doc, "fields": fields}
        )
    for row in rows:
        db.delete(row)
    db.flush()
    return len(rows)
