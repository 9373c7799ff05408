"""Stored files: rows, upload field lookup and content checks. Shell."""

from __future__ import annotations

import contextlib
import logging
import re
import unicodedata
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session, sessionmaker

from runtime.db.engine import unit_of_work
from runtime.errors import InvalidInput, NotFound, Problem
from runtime.fields.attachment import extension
from runtime.files import storage
from runtime.files.models import FileLink, StoredFile
from runtime.org.models import User
from runtime.records.models import Record
from runtime.records.service import FormVersion

log = logging.getLogger(__name__)

# An upload nothing used after this long is collected; blobs no row names wait this long too
# (an upload writes its blob before its row commits).
UNUSED_AFTER = timedelta(days=1)
BLOB_GRACE = timedelta(hours=1)

DEFAULT_CONTENT_TYPE = "application/octet-stream"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# Kinds of active content sniffed from the first bytes, whatever the declared type, and the
# extensions a file of that kind must carry (and the field must allow) to be accepted.
ACTIVE_KIND_EXTENSIONS: Mapping[str, frozenset[str]] = {
    "html": frozenset({".html", ".htm", ".xhtml"}),
    "svg": frozenset({".svg"}),
    "executable": frozenset({".exe", ".dll", ".msi"}),
}
_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<iframe")
# Served as application/octet-stream: a browser would run them in our origin.
ACTIVE_CONTENT_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "image/svg+xml",
        "text/xml",
        "application/xml",
        "text/javascript",
        "application/javascript",
        "application/x-javascript",
        "text/ecmascript",
        "application/ecmascript",
        "application/x-shockwave-flash",
        "text/xsl",
        "multipart/x-mixed-replace",
    }
)


def create_file(
    db: Session,
    *,
    name: str,
    size: int,
    content_type: str,
    sha256: str,
    user_id: int | None,
    now: datetime,
) -> StoredFile:
    """Add a row for a stored blob; every upload gets its own row and a new uuid4 id."""
    row = StoredFile(
        id=str(uuid.uuid4()),
        name=name,
        size=size,
        content_type=content_type,
        sha256=sha256,
        created_by_id=user_id,
        created_at=now,
    )
    db.add(row)
    db.flush()
    return row


def get_file(db: Session, *, file_id: str) -> StoredFile | None:
    if not 0 < len(file_id) <= 36:
        return None
    return db.get(StoredFile, file_id)


def load_file(db: Session, *, file_id: str) -> StoredFile:
    row = get_file(db, file_id=file_id)
    if row is None:
        raise NotFound("file_not_found", f"There is no file {file_id!r}.")
    return row


def may_download(db: Session, *, stored: StoredFile, user: User) -> bool:
    """A file is as visible as what uses it.

    Its uploader and admins always see it; anyone else through a link: a task decision (the
    flow's history is visible to every user), or a live record's attachment field that no open
    flow hides from them. A file nothing uses is its uploader's alone.
    """
    from runtime.flows import service as flows  # flows import records, which import this

    if user.is_admin or stored.created_by_id == user.id:
        return True
    links = db.execute(
        select(FileLink.record_id, FileLink.field_key, FileLink.task_id, Record.deleted_at)
        .outerjoin(Record, Record.id == FileLink.record_id)
        .where(FileLink.file_id == stored.id)
    ).all()
    if any(link.task_id is not None for link in links):
        return True
    on_records = [link for link in links if link.record_id is not None and link.deleted_at is None]
    if not on_records:
        return False
    hidden = flows.hidden_fields_by_record(
        db, record_ids=[link.record_id for link in on_records], user=user
    )
    return any(link.field_key not in hidden.get(link.record_id, set()) for link in on_records)


def collect_garbage(db: Session, *, files_dir: Path, now: datetime) -> tuple[int, int]:
    """Remove uploads nothing used for `UNUSED_AFTER`, then blobs no file row names.

    Returns (rows removed, blobs removed). Blobs are content-addressed and shared by rows with
    the same content, so a blob goes only when no row at all names it, and only once it is older
    than `BLOB_GRACE` (an upload in progress has its blob before its row).
    """
    unused = db.execute(
        delete(StoredFile).where(
            StoredFile.created_at < now - UNUSED_AFTER,
            ~exists().where(FileLink.file_id == StoredFile.id),
        )
    )
    rows = int(getattr(unused, "rowcount", 0) or 0)
    db.flush()
    named = set(db.scalars(select(StoredFile.sha256).distinct()))
    blobs = 0
    cutoff = (now - BLOB_GRACE).timestamp()
    for path in storage.blob_paths(files_dir):
        if path.name in named:
            continue
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                blobs += 1
        except FileNotFoundError:  # removed meanwhile (another collector)
            continue
    if rows or blobs:
        log.info("file garbage collected", extra={"rows": rows, "blobs": blobs})
    return rows, blobs


class Collector:
    """Runs `collect_garbage` at most once per `every`; a background loop offers it each pass."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        files_dir: Path,
        *,
        every: timedelta = timedelta(hours=1),
    ) -> None:
        self.factory = factory
        self.files_dir = files_dir
        self.every = every
        self.last: datetime | None = None

    def maybe_run(self, now: datetime) -> tuple[int, int] | None:
        """(rows, blobs) removed, or None when the last run is less than `every` ago."""
        if self.last is not None and now - self.last < self.every:
            return None
        self.last = now
        with unit_of_work(self.factory) as db:
            return collect_garbage(db, files_dir=self.files_dir, now=now)


def load_attachment_field(form: FormVersion, *, field_key: str) -> Mapping[str, Any]:
    """The top-level attachment field `field_key` of `form` (404 unknown, 422 other type)."""
    for field in form.doc.get("fields", []):
        if field.get("key") == field_key:
            if field.get("type") != "attachment":
                message = f"{field_key} is not an attachment field."
                problem = Problem("not_attachment_field", message, field=field_key)
                raise InvalidInput("not_attachment_field", message, [problem])
            return dict(field)
    raise NotFound("field_not_found", f"{form.app_key}/{form.form_key} has no field {field_key!r}.")


def clean_filename(raw: str | None) -> str:
    """The display name from an X-Filename header: decoded, without path or control characters.

    Returns "" when nothing usable is left; the name is only ever shown, never used as a path.
    """
    if not raw:
        return ""
    with contextlib.suppress(UnicodeError):  # raw UTF-8 header values arrive as latin-1
        raw = raw.encode("latin-1").decode("utf-8")
    name = unquote(raw, encoding="utf-8", errors="replace")
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = _CONTROL.sub("", name).strip()
    return "" if name in {".", ".."} else name


def clean_content_type(raw: str | None) -> str:
    """The media type without parameters, lower case; the default when none was sent."""
    media_type = (raw or "").split(";", 1)[0].strip().lower()
    return media_type or DEFAULT_CONTENT_TYPE


def sniff_active_kind(head: bytes) -> str | None:
    """The kind of active content the first bytes look like ("html", "svg", …), or None."""
    if head.startswith(b"MZ") and b"\x00" in head[:64]:
        return "executable"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n\x0c").lower()
    if text.startswith(b"<?xml") or text.startswith(b"<svg") or text.startswith(b"<!doctype svg"):
        return "svg" if b"<svg" in text else None
    if text.startswith(_HTML_STARTS):
        return "html"
    return None


def is_refused_content(name: str, head: bytes) -> bool:
    """Active content whose name does not say so (HTML inside "invoice.pdf") is refused.

    The name's extension was already checked against the field's allow-list, so an HTML or
    SVG upload only passes where the field allows that type explicitly.
    """
    kind = sniff_active_kind(head)
    return kind is not None and extension(name) not in ACTIVE_KIND_EXTENSIONS[kind]


def served_content_type(content_type: str) -> str:
    """The type to serve a stored file as: active types become application/octet-stream."""
    media_type = clean_content_type(content_type)
    if media_type in ACTIVE_CONTENT_TYPES or media_type.endswith(("+xml", "/xml")):
        return DEFAULT_CONTENT_TYPE
    return media_type
