"""Definitions in the database: apps, one mutable draft and immutable published versions. Shell.

Validation happens before these functions are called (the builder validates; the runtime only
stores and reads). Published rows are never updated.
"""

from __future__ import annotations

import hashlib
import json
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from runtime.db import generations
from runtime.definitions.models import DRAFT_VERSION, App, Definition
from runtime.errors import Conflict, NotFound

KINDS = ("forms", "flows", "templates", "reports")

DEFINITIONS_SCOPE = "definitions/generation"
generations.watch(DEFINITIONS_SCOPE, (App, Definition))
# What requests derive from published definitions (the latest form version, an app's flows),
# kept per process until a definition changes.
PUBLISHED = generations.TokenCache(DEFINITIONS_SCOPE)


def get_app(db: Session, *, app_key: str) -> App | None:
    return db.scalars(select(App).where(App.key == app_key)).one_or_none()


def load_app(db: Session, *, app_key: str) -> App:
    app = get_app(db, app_key=app_key)
    if app is None:
        raise NotFound("app_not_found", f"No app {app_key!r}.")
    return app


def list_apps(db: Session) -> list[App]:
    return list(db.scalars(select(App).order_by(App.key)))


def save_app(db: Session, *, manifest: Mapping[str, Any], now: datetime) -> App:
    app = get_app(db, app_key=str(manifest["key"]))
    if app is None:
        app = App(key=str(manifest["key"]), manifest=dict(manifest), created_at=now)
        db.add(app)
    else:
        app.manifest = dict(manifest)
    db.flush()
    return app


def revision(doc: Mapping[str, Any]) -> str:
    """A short fingerprint of a definition document, as the designers last saw it.

    A designer sends it back with its next save (`If-Match`); when the stored draft has another
    one, someone (another person, another tab) saved in between and the save is refused instead
    of silently replacing their work. The content decides, not a clock: saving the same document
    twice is no conflict.
    """
    canonical = json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:20]


def get_draft(db: Session, *, app_key: str, kind: str, key: str) -> Definition | None:
    return db.scalars(
        select(Definition).where(
            Definition.app_key == app_key,
            Definition.kind == kind,
            Definition.key == key,
            Definition.version == DRAFT_VERSION,
        )
    ).one_or_none()


def save_draft(
    db: Session,
    *,
    app_key: str,
    kind: str,
    key: str,
    doc: Mapping[str, Any],
    user_id: int | None,
    now: datetime,
    based_on: str | None = None,
) -> Definition:
    """Write the draft. `based_on`: the revision the writer's copy came from; when the draft (or,
    without one, the latest published version) is no longer that document, someone saved in
    between and the save is refused (409 `draft_changed`) instead of replacing their work."""
    draft = get_draft(db, app_key=app_key, kind=kind, key=key)
    if based_on is not None and based_on != "*":
        current = draft or get_published(db, app_key=app_key, kind=kind, key=key)
        if current is not None and revision(current.doc) != based_on:
            raise Conflict(
                "draft_changed",
                f"{app_key}/{kind}/{key} was saved elsewhere since this copy was loaded"
                " (someone else or another tab); reload it before saving.",
            )
    if draft is None:
        draft = Definition(
            app_key=app_key,
            kind=kind,
            key=key,
            version=DRAFT_VERSION,
            status="draft",
            doc=dict(doc),
            created_by_id=user_id,
            created_at=now,
        )
        db.add(draft)
    else:
        draft.doc = dict(doc)
        draft.created_by_id = user_id
        draft.created_at = now
    db.flush()
    return draft


def latest_version(db: Session, *, app_key: str, kind: str, key: str) -> int:
    value = db.scalar(
        select(func.max(Definition.version)).where(
            Definition.app_key == app_key,
            Definition.kind == kind,
            Definition.key == key,
            Definition.status == "published",
        )
    )
    return int(value or 0)


def publish(
    db: Session,
    *,
    app_key: str,
    kind: str,
    key: str,
    doc: Mapping[str, Any],
    summary: str,
    user_id: int | None,
    now: datetime,
) -> Definition:
    """Store `doc` as the next published version (the unique constraint guards races)."""
    row = Definition(
        app_key=app_key,
        kind=kind,
        key=key,
        version=latest_version(db, app_key=app_key, kind=kind, key=key) + 1,
        status="published",
        doc=dict(doc),
        summary=summary,
        created_by_id=user_id,
        created_at=now,
    )
    db.add(row)
    db.flush()
    return row


def get_published(
    db: Session, *, app_key: str, kind: str, key: str, version: int | None = None
) -> Definition | None:
    query = select(Definition).where(
        Definition.app_key == app_key,
        Definition.kind == kind,
        Definition.key == key,
        Definition.status == "published",
    )
    if version is None:
        query = query.order_by(Definition.version.desc()).limit(1)
    else:
        query = query.where(Definition.version == version)
    return db.scalars(query).first()


def load_published(
    db: Session, *, app_key: str, kind: str, key: str, version: int | None = None
) -> Definition:
    row = get_published(db, app_key=app_key, kind=kind, key=key, version=version)
    if row is None:
        what = f"{app_key}/{kind}/{key}" + (f" v{version}" if version else "")
        raise NotFound("definition_not_found", f"No published definition {what}.")
    return row


def list_versions(db: Session, *, app_key: str, kind: str, key: str) -> list[Definition]:
    return list(
        db.scalars(
            select(Definition)
            .where(Definition.app_key == app_key, Definition.kind == kind, Definition.key == key)
            .order_by(Definition.version)
        )
    )


def list_keys(db: Session, *, app_key: str, kind: str) -> list[str]:
    return list(
        db.scalars(
            select(Definition.key)
            .where(Definition.app_key == app_key, Definition.kind == kind)
            .distinct()
            .order_by(Definition.key)
        )
    )


def current_doc(db: Session, *, app_key: str, kind: str, key: str) -> dict[str, Any] | None:
    """The draft if there is one, else the latest published version."""
    draft = get_draft(db, app_key=app_key, kind=kind, key=key)
    if draft is not None:
        return dict(draft.doc)
    published = get_published(db, app_key=app_key, kind=kind, key=key)
    return dict(published.doc) if published is not None else None


@dataclass(frozen=True, slots=True)
class Stamp:
    """What identifies a published definition row, read without its document."""

    id: int
    app_key: str
    kind: str
    key: str
    version: int
    created_at: datetime


STAMP_COLUMNS = (
    Definition.id,
    Definition.app_key,
    Definition.kind,
    Definition.key,
    Definition.version,
    Definition.created_at,
)
_PUBLISHED_DOCS: dict[tuple[str, Stamp], Mapping[str, Any]] = {}


def cache_key(db: Session, stamp: Stamp) -> tuple[str, Stamp]:
    """A process-wide cache key for a published row: its database and its stamp.

    Published rows never change, but one process may talk to several databases (tests do), and
    a rolled-back transaction lets SQLite hand out an id again: the database URL and the whole
    stamp keep such rows apart.
    """
    engine = db.get_bind().engine
    url = _URLS.get(engine)
    if url is None:
        url = _URLS[engine] = str(engine.url)  # rendering a URL costs more than the lookup
    return url, stamp


_URLS: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()


def published_doc(db: Session, *, stamp: Stamp) -> Mapping[str, Any]:
    """A published definition's document, read and parsed once per process (read-only)."""
    key = cache_key(db, stamp)
    doc = _PUBLISHED_DOCS.get(key)
    if doc is None:
        doc = db.get_one(Definition, stamp.id).doc
        if len(_PUBLISHED_DOCS) > 512:
            _PUBLISHED_DOCS.clear()
        _PUBLISHED_DOCS[key] = doc
    return doc
