"""Definition endpoints: apps, drafts, publish, versions, diff, bundles. Shell."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Query, Response

from builder import bundle as bundles
from builder import publish as publishing
from builder.diff import diff_definitions
from runtime.db.types import iso_utc
from runtime.definitions import flow_schema, store
from runtime.definitions.models import Definition
from runtime.errors import InvalidInput, NotFound, Problem
from runtime.http.deps import (
    DB,
    MAX_DB_INT,
    SLUG_PATTERN,
    AdminUser,
    CurrentUser,
    SlugPath,
    VersionPath,
    commit,
    now_utc,
)
from runtime.http.payload import require_text
from runtime.org import service as org

router = APIRouter(prefix="/api/apps", tags=["definitions"])
SLUG = re.compile(SLUG_PATTERN)


def _version_out(
    row: Definition, *, with_doc: bool = False, names: Mapping[int, str] | None = None
) -> dict[str, Any]:
    """A definition row; `names` (user id → username) adds who saved or published it."""
    out: dict[str, Any] = {
        "app": row.app_key,
        "kind": row.kind,
        "key": row.key,
        "version": row.version,
        "status": row.status,
        "summary": row.summary,
        "created_at": iso_utc(row.created_at),
    }
    if names is not None:
        out["created_by"] = names.get(row.created_by_id) if row.created_by_id else None
    if with_doc:
        out["definition"] = row.doc
        out["revision"] = store.revision(row.doc)
    return out


@router.get("")
def list_apps(db: DB, _user: CurrentUser) -> dict[str, Any]:
    items = []
    for app in store.list_apps(db):
        kinds = {kind: store.list_keys(db, app_key=app.key, kind=kind) for kind in store.KINDS}
        items.append({"key": app.key, "manifest": app.manifest, **kinds})
    return {"items": items}


@router.post("/import", status_code=201)
def import_bundle(
    body: Annotated[dict[str, Any], Body()], db: DB, user: AdminUser
) -> dict[str, Any]:
    require_text(body)
    report = bundles.apply(db, bundles.from_json(body), user_id=user.id, now=now_utc())
    commit(db)
    return {"app": report.app, "published": report.published, "unchanged": report.unchanged}


@router.get("/{app}/export")
def export_bundle(app: SlugPath, db: DB, _user: CurrentUser) -> dict[str, Any]:
    return bundles.to_json(bundles.export(db, app_key=app))


@router.get("/{app}/{kind}/{key}")
def get_definition(
    app: SlugPath, kind: SlugPath, key: SlugPath, db: DB, _user: CurrentUser
) -> dict[str, Any]:
    """The draft when there is one, else the latest published version."""
    store.load_app(db, app_key=app)
    if kind not in store.KINDS:
        raise NotFound("unknown_kind", f"Unknown definition kind {kind!r}.")
    row = store.get_draft(db, app_key=app, kind=kind, key=key) or store.get_published(
        db, app_key=app, kind=kind, key=key
    )
    if row is None:
        raise NotFound("definition_not_found", f"No {kind} definition {key!r} in {app}.")
    return _version_out(row, with_doc=True)


@router.put("/{app}/{kind}/{key}")
def put_draft(
    app: SlugPath,
    kind: SlugPath,
    key: SlugPath,
    body: Annotated[Any, Body()],
    db: DB,
    user: AdminUser,
    if_match: Annotated[str | None, Header(max_length=200)] = None,
) -> dict[str, Any]:
    """Save the draft. A flow draft whose shape fits the meta-schema is saved even with semantic
    problems (a half-built flow): they come back as `problems` and publishing refuses them.
    Anything else with problems (a shape error, a form) is refused with 422 as before.

    `If-Match: <revision>` (what the designers send): the save is refused with 409
    `draft_changed` when the draft (or, without one, the published version) is no longer the
    document that revision names; without the header the last save wins (scripts, `apply`)."""
    require_text(body)
    based_on = if_match.strip().removeprefix("W/").strip('"') if if_match is not None else None
    if (
        kind == "flows"
        and isinstance(body, Mapping)
        and flow_schema.flow_validator().is_valid(body)
    ):
        store.load_app(db, app_key=app)
        problems = publishing.validate(db, app_key=app, kind=kind, key=key, doc=body)
        if any(problem.code == "key_mismatch" for problem in problems):
            publishing.raise_if_invalid(problems)
        row = store.save_draft(
            db,
            app_key=app,
            kind=kind,
            key=key,
            doc=body,
            user_id=user.id,
            now=now_utc(),
            based_on=based_on,
        )
    else:
        problems = []
        row = publishing.save_draft(
            db,
            app_key=app,
            kind=kind,
            key=key,
            doc=body,
            user_id=user.id,
            now=now_utc(),
            based_on=based_on,
        )
    commit(db)
    return {**_version_out(row, with_doc=True), "problems": [p.to_json() for p in problems]}


@router.post("/{app}/{kind}/{key}/duplicate", status_code=201)
def duplicate_definition(
    app: SlugPath,
    kind: SlugPath,
    key: SlugPath,
    body: Annotated[dict[str, Any], Body()],
    db: DB,
    user: AdminUser,
) -> dict[str, Any]:
    """A new draft `{"key": …}` holding this definition's current document (not published)."""
    require_text(body)
    new_key = body.get("key")
    if not isinstance(new_key, str) or not SLUG.match(new_key):
        message = "The new key starts with a-z and holds only a-z, 0-9 and _."
        raise InvalidInput("invalid_key", message, [Problem("invalid_key", message, field="key")])
    row, problems = publishing.duplicate(
        db, app_key=app, kind=kind, key=key, new_key=new_key, user_id=user.id, now=now_utc()
    )
    commit(db)
    return {**_version_out(row, with_doc=True), "problems": [p.to_json() for p in problems]}


@router.delete("/{app}/{kind}/{key}", status_code=204)
def delete_definition(
    app: SlugPath, kind: SlugPath, key: SlugPath, db: DB, _user: AdminUser
) -> Response:
    """Delete a form or flow with its draft and versions; 409 `in_use` while anything uses it."""
    publishing.delete(db, app_key=app, kind=kind, key=key)
    commit(db)
    return Response(status_code=204)


@router.post("/{app}/{kind}/{key}/publish")
def publish(
    app: SlugPath, kind: SlugPath, key: SlugPath, db: DB, user: AdminUser
) -> dict[str, Any]:
    publishing.check_kind(kind)
    row, created = publishing.publish(
        db, app_key=app, kind=kind, key=key, user_id=user.id, now=now_utc()
    )
    commit(db)
    return {**_version_out(row), "created": created}


@router.get("/{app}/{kind}/{key}/versions")
def list_versions(
    app: SlugPath, kind: SlugPath, key: SlugPath, db: DB, _user: CurrentUser
) -> dict[str, Any]:
    rows = store.list_versions(db, app_key=app, kind=kind, key=key)
    if not rows:
        raise NotFound("definition_not_found", f"No {kind} definition {key!r} in {app}.")
    names = {user_id: username for username, user_id in org.user_ids(db).items()}
    return {"items": [_version_out(r, names=names) for r in rows]}


@router.get("/{app}/{kind}/{key}/versions/{version}")
def get_version(
    app: SlugPath, kind: SlugPath, key: SlugPath, version: VersionPath, db: DB, _user: CurrentUser
) -> dict[str, Any]:
    row = store.load_published(db, app_key=app, kind=kind, key=key, version=version)
    return _version_out(row, with_doc=True)


@router.get("/{app}/{kind}/{key}/diff")
def diff_versions(
    app: SlugPath,
    kind: SlugPath,
    key: SlugPath,
    db: DB,
    _user: CurrentUser,
    from_version: Annotated[int, Query(alias="from", ge=1, le=MAX_DB_INT)],
    to_version: Annotated[int | None, Query(alias="to", ge=0, le=MAX_DB_INT)] = None,
) -> dict[str, Any]:
    """Diff two published versions; `to` omitted or 0 means the current draft."""
    before = store.load_published(db, app_key=app, kind=kind, key=key, version=from_version)
    if to_version:
        after_doc = store.load_published(
            db, app_key=app, kind=kind, key=key, version=to_version
        ).doc
    else:
        current = store.current_doc(db, app_key=app, kind=kind, key=key)
        after_doc = current or {}
    return {
        "from": from_version,
        "to": to_version or "draft",
        "diff": diff_definitions(before.doc, after_doc),
    }
