"""Public form submissions: idempotency, dedupe, capture of UTM and referrer. Shell."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session

from runtime.db.prepared import InsertMany, Prepared, pipelined
from runtime.errors import InvalidInput, Problem
from runtime.records import bulk
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
SUBMISSION_COLUMNS = (
    "app_key",
    "form_key",
    "idempotency_key",
    "payload_sha256",
    "record_id",
    "outcome",
    "created_at",
)
_INSERT_SUBMISSION = Prepared(insert(PublicSubmission), columns=SUBMISSION_COLUMNS)
_INSERT_SUBMISSIONS = InsertMany(PublicSubmission, columns=SUBMISSION_COLUMNS)


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


@dataclass(frozen=True, slots=True)
class Draft:
    """A checked submission not stored yet: its canonical data and how to store it."""

    form: records.FormVersion
    raw: Mapping[str, Any]
    data: dict[str, Any]
    idempotency_key: str | None
    digest: str
    writable: frozenset[str]
    locale: str
    now: datetime

    @property
    def policy(self) -> str:
        """What a duplicate of an existing record does: create, skip or update."""
        dedupe = (self.form.doc.get("public") or {}).get("dedupe") or {}
        return str(dedupe.get("policy", "create"))


def check(
    db: Session,
    *,
    form: records.FormVersion,
    raw: Mapping[str, Any],
    idempotency_key: str | None,
    locale: str,
    now: datetime,
) -> Outcome | Draft:
    """Validate a submission (`InvalidInput` with every problem); writes nothing.

    An idempotency key seen before answers with that submission's outcome instead.
    """
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
    writable = frozenset(public_fields(form.doc)) | set(capture_targets(form.doc).values())
    # Validate once; the same canonical data finds duplicates and becomes the record.
    data = records.check_new(db, form=form, raw=raw, now=now, locale=locale, writable=set(writable))
    return Draft(form, raw, data, idempotency_key, digest, writable, locale, now)


def store(db: Session, draft: Draft) -> Outcome:
    """Store a checked submission: a new record, or the duplicate's as the form's policy says."""
    form, now = draft.form, draft.now
    existing = records.find_by_keys(db, form=form, data=draft.data)
    if existing is not None and draft.policy == "skip":
        outcome = Outcome(existing.id, "skipped")
    elif existing is not None and draft.policy == "update":
        changes = {k: v for k, v in draft.raw.items() if v not in (None, "", [])}
        records.update_record(
            db,
            record=existing,
            raw=changes,
            expected_version=None,
            actor=None,
            now=now,
            locale=draft.locale,
            via="public_form",
            writable=set(draft.writable),
        )
        outcome = Outcome(existing.id, "updated")
    else:
        record_id = records.insert_data(db, form=form, data=draft.data, now=now, via="public_form")
        outcome = Outcome(record_id, "created")
    if draft.idempotency_key:
        _INSERT_SUBMISSION.run(db.connection(), _submission_row(draft, outcome))
    return outcome


def store_many(db: Session, drafts: Sequence[Draft]) -> list[Outcome]:
    """Store the new records of a batch together (PostgreSQL; `runtime.records.bulk`).

    Takes the longest prefix of `drafts` in which every draft creates a record — no existing
    duplicate under a skip or update policy, no duplicate of an earlier draft of the batch, no
    idempotency key an earlier draft carries — and writes it with one statement per table;
    returns one outcome per draft taken. The caller submits the rest again from the start
    (`check`, then `store`), one by one and in order, so each sees everything stored before it,
    as if all had come one at a time.
    """
    items = [bulk.NewRecord(d.form, d.data, d.now) for d in drafts]
    existing, ids = bulk.look_up(db, items)
    claimed: set[tuple[str, str, str, str]] = set()
    keys: set[tuple[str, str, str]] = set()
    taken: list[Draft] = []
    for draft, item, found in zip(drafts, items, existing, strict=True):
        lookups = bulk.lookup_claims(item)
        key = (draft.form.app_key, draft.form.form_key, draft.idempotency_key or "")
        if draft.policy != "create" and (found is not None or lookups & claimed):
            break
        if draft.idempotency_key and key in keys:
            break
        claimed |= lookups
        keys.add(key)
        taken.append(draft)
    ids = ids[: len(taken)]
    rows = bulk.rows_for(db, items[: len(taken)], ids, via="public_form")
    outcomes = [Outcome(record_id, "created") for record_id in ids]
    submissions = [
        _submission_row(draft, outcome)
        for draft, outcome in zip(taken, outcomes, strict=True)
        if draft.idempotency_key
    ]
    connection = db.connection()
    with pipelined(connection):
        bulk.write(db, rows)
        _INSERT_SUBMISSIONS.run(connection, submissions)
    return outcomes


def _submission_row(draft: Draft, outcome: Outcome) -> dict[str, Any]:
    return {
        "app_key": draft.form.app_key,
        "form_key": draft.form.form_key,
        "idempotency_key": draft.idempotency_key,
        "payload_sha256": draft.digest,
        "record_id": outcome.record_id,
        "outcome": outcome.outcome,
        "created_at": draft.now,
    }
