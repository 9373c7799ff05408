"""Public form submissions: idempotency, dedupe, capture of UTM and referrer. Shell."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session

from runtime.db.prepared import Prepared
from runtime.errors import InvalidInput, Problem
from runtime.records import service as records
from runtime.records.models import PublicSubmission

PEOPLE_TYPES = frozenset({"user", "department"})
_EARLIER = Prepared(
    select(
        PublicSubmission.payload_sha256, PublicSubmission.record_id, PublicSubmission.outcome
    ).where(
        PublicSubmission.app_key == bindparam("app"),
        PublicSubmission.form_key == bindparam("form"),
        PublicSubmission.idempotency_key == bindparam("key"),
    )
)
_INSERT_SUBMISSION = Prepared(
    insert(PublicSubmission),
    columns=(
        "app_key",
        "form_key",
        "idempotency_key",
        "payload_sha256",
        "record_id",
        "outcome",
        "created_at",
    ),
)


@dataclass(frozen=True, slots=True)
class Outcome:
    record_id: int | None
    outcome: str  # created | updated | skipped | ignored (honeypot)
    replayed: bool = False


def public_fields(doc: Mapping[str, Any]) -> list[str]:
    """Field keys a public visitor may fill: `public.fields`, else the plain visible inputs."""
    public = doc.get("public") or {}
    listed = public.get("fields")
    if listed:
        return [str(key) for key in listed]
    return [
        f["key"]
        for f in doc.get("fields", [])
        if not f.get("hidden")
        and not f.get("readonly")
        and f["type"] not in PEOPLE_TYPES
        and f["type"] not in ("formula", "serial", "attachment")
    ]


def public_doc(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The form as the public sees it: only public fields (the renderer draws what it gets)."""
    keys = set(public_fields(doc))
    fields = [f for f in doc.get("fields", []) if f["key"] in keys]
    layout = doc.get("layout")
    out = {**doc, "fields": fields}
    if layout:
        out["layout"] = _filter_layout(layout, keys)
    return out


def _filter_layout(items: list[Any], keys: set[str]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if isinstance(item, str):
            if item in keys:
                out.append(item)
        elif item.get("type") == "tabs":
            tabs = [
                {**tab, "items": _filter_layout(tab.get("items", []), keys)}
                for tab in item.get("tabs", [])
            ]
            out.append({**item, "tabs": [t for t in tabs if t["items"]]})
        else:
            inner = _filter_layout(item.get("items", []), keys)
            if inner:
                out.append({**item, "items": inner})
    return out


def capture_targets(doc: Mapping[str, Any]) -> dict[str, str]:
    """Capture mapping: query parameter (or 'referrer') → hidden field key."""
    return dict((doc.get("public") or {}).get("capture") or {})


def payload_hash(raw: Mapping[str, Any]) -> str:
    text = json.dumps(raw, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def submit(
    db: Session,
    *,
    form: records.FormVersion,
    raw: Mapping[str, Any],
    idempotency_key: str | None,
    locale: str,
    now: datetime,
) -> Outcome:
    """Store one public submission exactly once per idempotency key."""
    digest = payload_hash(raw) if idempotency_key else ""
    if idempotency_key:
        earlier = _EARLIER.first(
            db.connection(), {"app": form.app_key, "form": form.form_key, "key": idempotency_key}
        )
        if earlier is not None:
            earlier_digest, earlier_record, earlier_outcome = earlier
            if earlier_digest != digest:
                message = "This idempotency key was used with another payload."
                raise InvalidInput(
                    "idempotency_key_reused",
                    message,
                    [Problem("idempotency_key_reused", message, field="Idempotency-Key")],
                )
            return Outcome(earlier_record, earlier_outcome, replayed=True)
    writable = set(public_fields(form.doc)) | set(capture_targets(form.doc).values())
    # Validate once; the same canonical data finds duplicates and becomes the record.
    data = records.check_new(db, form=form, raw=raw, now=now, locale=locale, writable=writable)
    existing = records.find_by_keys(db, form=form, data=data)
    policy = ((form.doc.get("public") or {}).get("dedupe") or {}).get("policy", "create")
    if existing is not None and policy == "skip":
        outcome = Outcome(existing.id, "skipped")
    elif existing is not None and policy == "update":
        changes = {k: v for k, v in raw.items() if v not in (None, "", [])}
        records.update_record(
            db,
            record=existing,
            raw=changes,
            expected_version=None,
            actor=None,
            now=now,
            locale=locale,
            via="public_form",
            writable=writable,
        )
        outcome = Outcome(existing.id, "updated")
    else:
        record_id = records.insert_data(db, form=form, data=data, now=now, via="public_form")
        outcome = Outcome(record_id, "created")
    if idempotency_key:
        _INSERT_SUBMISSION.run(
            db.connection(),
            {
                "app_key": form.app_key,
                "form_key": form.form_key,
                "idempotency_key": idempotency_key,
                "payload_sha256": digest,
                "record_id": outcome.record_id,
                "outcome": outcome.outcome,
                "created_at": now,
            },
        )
    return outcome
