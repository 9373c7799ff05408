"""Attachment upload (streamed raw body) and download endpoints. Shell."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Header, Path, Request
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from runtime.errors import FormworkError, InvalidInput, NotFound, PayloadTooLarge, Problem
from runtime.fields import field_types
from runtime.fields.attachment import DEFAULT_ACCEPT, check_upload
from runtime.fields.base import ValueProblem
from runtime.files import service as files
from runtime.files import storage
from runtime.files.schemas import FileOut
from runtime.http.deps import (
    DB,
    MAX_DB_INT,
    CurrentUser,
    SettingsDep,
    SlugPath,
    commit,
    now_utc,
    request_locale,
)
from runtime.http.errors import error_body
from runtime.records import service as records
from runtime.tasks import service as tasks

log = logging.getLogger(__name__)

router = APIRouter(tags=["files"])

EMPTY_FILE = {"en": "The file is empty.", "zh-CN": "文件为空。"}
UPLOAD_DESCRIPTION = """
Upload one file for an attachment field of the latest published form.

The body is the **raw file bytes** (not multipart), so the server can stream it to disk and
stop as soon as the field's size limit is exceeded, without buffering. Send the file name,
percent-encoded UTF-8 allowed, in `X-Filename` and the file's media type in `Content-Type`;
send `Content-Length` when known so an oversized file is refused before any byte is read.

The answer is the canonical attachment value `{id, name, size, content_type, sha256}`: put it
into the record's attachment field (a list of such values) when creating or updating it.
"""
_EXAMPLE = Problem("file_too_large", "“scan.pdf” is larger than 20 MB.", field="receipts")
_ERRORS = {"content": {"application/json": {"example": error_body([_EXAMPLE])}}}
RAW_BODY = {
    "requestBody": {
        "required": True,
        "description": "The raw file bytes.",
        "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
    }
}


def _declared_size(request: Request) -> int:
    declared = request.headers.get("content-length", "")
    return int(declared) if declared.isdigit() else 0


def _refusal(problem: ValueProblem, field_key: str, locale: str) -> FormworkError:
    found = field_types.load("attachment").problem(
        problem.code, field_key, locale, **problem.params
    )
    error_type = PayloadTooLarge if problem.code == "file_too_large" else InvalidInput
    return error_type(problem.code, found.message, [found])


def _accepted(config: Mapping[str, Any]) -> str:
    return ", ".join(sorted(ext.lower() for ext in config.get("accept", DEFAULT_ACCEPT)))


async def _receive(
    request: Request,
    writer: storage.BlobWriter,
    check: Callable[[int], None],
    field_key: str,
    locale: str,
) -> None:
    """Stream the body into `writer`, re-checking the limit before each chunk is written."""
    try:
        async for chunk in request.stream():
            if not chunk:
                continue
            try:
                check(writer.size + len(chunk))
            except ValueProblem as problem:
                raise _refusal(problem, field_key, locale) from None
            await run_in_threadpool(writer.write, chunk)
    except ClientDisconnect as error:
        raise FormworkError("client_disconnected", "The upload was interrupted.") from error


@router.post(
    "/api/apps/{app}/forms/{form}/fields/{field}/files",
    status_code=201,
    summary="Upload an attachment (raw body)",
    description=UPLOAD_DESCRIPTION,
    responses={404: _ERRORS, 413: _ERRORS, 422: _ERRORS},
    openapi_extra=RAW_BODY,
)
async def upload_file(
    app: SlugPath,
    form: SlugPath,
    field: SlugPath,
    request: Request,
    db: DB,
    user: CurrentUser,
    settings: SettingsDep,
    x_filename: Annotated[
        str | None, Header(description="File name; percent-encoded UTF-8 allowed.")
    ] = None,
) -> FileOut:
    locale = request_locale(request)
    version = await run_in_threadpool(records.load_form, db, app_key=app, form_key=form)
    config = files.load_attachment_field(version, field_key=field).get("config") or {}
    return await _store_upload(
        request, db, user.id, settings.files_dir, config, field, locale, x_filename
    )


TASK_UPLOAD_DESCRIPTION = """
Upload one file to attach to a decision on an open task (the assignee only).

Raw body as for form attachments (`X-Filename`, `Content-Type`, `Content-Length`); the limits
are an attachment field's defaults. Send the answer's `id` in `attachments` when completing the
task.
"""


@router.post(
    "/api/tasks/{task_id}/files",
    status_code=201,
    summary="Upload a file for a task decision (raw body)",
    description=TASK_UPLOAD_DESCRIPTION,
    responses={403: _ERRORS, 404: _ERRORS, 409: _ERRORS, 413: _ERRORS, 422: _ERRORS},
    openapi_extra=RAW_BODY,
)
async def upload_task_file(
    task_id: Annotated[int, Path(ge=1, le=MAX_DB_INT)],
    request: Request,
    db: DB,
    user: CurrentUser,
    settings: SettingsDep,
    x_filename: Annotated[
        str | None, Header(description="File name; percent-encoded UTF-8 allowed.")
    ] = None,
) -> FileOut:
    # Only the assignee of the open task may attach files to its decision.
    await run_in_threadpool(
        tasks.load_open_task, db, task_id=task_id, user=user, expected_version=None
    )
    locale = request_locale(request)
    return await _store_upload(
        request, db, user.id, settings.files_dir, {}, "attachments", locale, x_filename
    )


async def _store_upload(
    request: Request,
    db: Session,
    user_id: int,
    files_dir: Any,
    config: Mapping[str, Any],
    field: str,
    locale: str,
    x_filename: str | None,
) -> FileOut:
    """Check, stream to disk and register one uploaded file under `config`'s limits."""
    name = files.clean_filename(x_filename)
    content_type = files.clean_content_type(request.headers.get("content-type"))

    def check(size: int) -> None:
        check_upload(config, filename=name, content_type=content_type, size=size)

    try:  # DESIGN §2: refuse by name, type and declared size before reading a byte
        check(_declared_size(request))
    except ValueProblem as problem:
        raise _refusal(problem, field, locale) from None
    with storage.BlobWriter(files_dir) as writer:
        await _receive(request, writer, check, field, locale)
        if writer.size == 0:
            message = EMPTY_FILE.get(locale, EMPTY_FILE["en"])
            raise InvalidInput("empty_file", message, [Problem("empty_file", message, field=field)])
        if files.is_refused_content(name, writer.head):
            raise _refusal(
                ValueProblem("file_type_not_allowed", name=name, accept=_accepted(config)),
                field,
                locale,
            )
        blob = await run_in_threadpool(writer.finish)
    # The blob is in place before the row commits: a failed commit leaves an unreferenced
    # blob (harmless, content-addressed), never a row without content.
    return await run_in_threadpool(
        _save_row, db, name=name, content_type=content_type, blob=blob, user_id=user_id
    )


def _save_row(
    db: Session, *, name: str, content_type: str, blob: storage.Blob, user_id: int
) -> FileOut:
    row = files.create_file(
        db,
        name=name,
        size=blob.size,
        content_type=content_type,
        sha256=blob.sha256,
        user_id=user_id,
        now=now_utc(),
    )
    out = FileOut.of(row)  # before the commit expires the row
    commit(db)
    return out


def content_disposition(name: str) -> str:
    """`attachment` with an ASCII fallback and the RFC 5987 UTF-8 name."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


@router.get(
    "/api/files/{file_id}",
    summary="Download a stored file",
    response_class=FileResponse,
    responses={200: {"content": {"application/octet-stream": {}}}, 404: _ERRORS},
)
def download_file(file_id: str, db: DB, user: CurrentUser, settings: SettingsDep) -> FileResponse:
    """A file is as visible as the record field or task decision using it (decision 0009)."""
    row = files.load_file(db, file_id=file_id)
    if not files.may_download(db, stored=row, user=user):
        # The same answer as an unknown id: whether a file exists is not for everyone to know.
        raise NotFound("file_not_found", f"There is no file {file_id!r}.")
    path = storage.blob_path(settings.files_dir, row.sha256)
    if not path.is_file():
        log.error("stored file has no blob", extra={"file_id": row.id, "sha256": row.sha256})
        raise NotFound("file_content_missing", "The file's content is missing.")
    return FileResponse(
        path,
        media_type=files.served_content_type(row.content_type),
        headers={
            "Content-Disposition": content_disposition(row.name),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, no-cache",
        },
    )
