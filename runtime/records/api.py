"""Record endpoints: create, read, update, delete, list, timeline. Shell."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Query, Request, Response

from runtime.automation import timeline as automation_timeline
from runtime.errors import InvalidInput, Problem
from runtime.flows import service as flows
from runtime.http.deps import (
    DB,
    CurrentUser,
    RecordIdPath,
    SlugPath,
    commit,
    now_utc,
    request_locale,
)
from runtime.http.payload import require_text
from runtime.records import search
from runtime.records import service as records
from runtime.records.schemas import RecordOut, RecordPage, TimelineOut

router = APIRouter(prefix="/api/apps/{app}/forms/{form}/records", tags=["records"])

JSONObject = Annotated[dict[str, Any], Body()]


def _expected_version(if_match: str | None, body: dict[str, Any]) -> int | None:
    raw = body.pop("version", None) if "version" in body else None
    if if_match:
        raw = if_match.strip('W/"')
    if raw is None:
        return None
    try:
        return int(raw)
    except (TypeError, ValueError) as error:
        raise InvalidInput(
            "invalid_version",
            "version must be an integer.",
            [Problem("invalid_version", "version must be an integer.", field="version")],
        ) from error


def _data(body: dict[str, Any]) -> dict[str, Any]:
    """Accept `{"data": {...}}` or the field values at the top level."""
    require_text(body)
    data = body.get("data", body) if set(body) <= {"data", "version"} and "data" in body else body
    if not isinstance(data, dict):
        raise InvalidInput(
            "invalid_body",
            "data must be an object.",
            [Problem("invalid_body", "data must be an object.", field="data")],
        )
    return data


@router.post("", status_code=201)
def create_record(
    app: SlugPath, form: SlugPath, request: Request, body: JSONObject, db: DB, user: CurrentUser
) -> RecordOut:
    version = records.load_form(db, app_key=app, form_key=form)
    now = now_utc()
    record = records.create_record(
        db, form=version, raw=_data(body), actor=user, now=now, locale=request_locale(request)
    )
    # Flows bound to this form start in the same transaction (decision 0007).
    flows.start_for_record(db, record=record, trigger="record_created", actor=user, now=now)
    commit(db)
    return RecordOut.of(record)


@router.get("")
def list_records(
    app: SlugPath,
    form: SlugPath,
    db: DB,
    user: CurrentUser,
    filter: Annotated[str | None, Query()] = None,
    sort: Annotated[str | None, Query(max_length=80)] = None,
    limit: Annotated[int, Query(ge=1, le=records.MAX_PAGE)] = 50,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
    q: Annotated[str | None, Query(max_length=search.MAX_SEARCH_LENGTH)] = None,
) -> RecordPage:
    """`q`: every word contained in one of the form's text-like fields (decision 0012)."""
    version = records.load_form(db, app_key=app, form_key=form)
    condition = search.list_condition(version.doc, filter_text=filter, search=q)
    page = records.list_records(
        db, form=version, condition=condition, sort=sort, limit=limit, cursor=cursor
    )
    hidden = flows.hidden_fields_by_record(db, record_ids=[r.id for r in page.records], user=user)
    return RecordPage(
        items=[_visible(RecordOut.of(r), hidden.get(r.id, set())) for r in page.records],
        next_cursor=page.next_cursor,
    )


def _visible(out: RecordOut, hidden: set[str]) -> RecordOut:
    """The record without the fields an open flow node hides from the caller (decision 0007)."""
    if hidden:
        out.data = flows.without_hidden(out.data, hidden)
    return out


@router.get("/{record_id}")
def get_record(
    app: SlugPath,
    form: SlugPath,
    record_id: RecordIdPath,
    db: DB,
    user: CurrentUser,
    response: Response,
) -> RecordOut:
    record = records.load_record(db, app_key=app, form_key=form, record_id=record_id)
    response.headers["ETag"] = f'"{record.version}"'
    return _visible(RecordOut.of(record), flows.hidden_fields(db, record_id=record.id, user=user))


@router.patch("/{record_id}")
def update_record(
    app: SlugPath,
    form: SlugPath,
    record_id: RecordIdPath,
    request: Request,
    body: JSONObject,
    db: DB,
    user: CurrentUser,
    if_match: Annotated[str | None, Header()] = None,
) -> RecordOut:
    record = records.load_record(db, app_key=app, form_key=form, record_id=record_id)
    expected = _expected_version(if_match, body)
    # An open flow limits who may change what (decision 0007).
    rights = flows.edit_rights(db, record_id=record.id, user=user)
    records.update_record(
        db,
        record=record,
        raw=_data(body),
        expected_version=expected,
        actor=user,
        now=now_utc(),
        locale=request_locale(request),
        writable=rights,
    )
    commit(db)
    return _visible(RecordOut.of(record), flows.hidden_fields(db, record_id=record.id, user=user))


@router.delete("/{record_id}", status_code=204)
def delete_record(
    app: SlugPath,
    form: SlugPath,
    record_id: RecordIdPath,
    db: DB,
    user: CurrentUser,
    if_match: Annotated[str | None, Header()] = None,
) -> Response:
    record = records.load_record(db, app_key=app, form_key=form, record_id=record_id)
    expected = _expected_version(if_match, {})
    records.delete_record(db, record=record, expected_version=expected, actor=user, now=now_utc())
    commit(db)
    return Response(status_code=204)


@router.get("/{record_id}/timeline")
def record_timeline(
    app: SlugPath,
    form: SlugPath,
    record_id: RecordIdPath,
    request: Request,
    db: DB,
    user: CurrentUser,
) -> TimelineOut:
    """Audit entries and what automations did (`"type": "automation"`), newest first."""
    record = records.load_record(db, app_key=app, form_key=form, record_id=record_id)
    items = automation_timeline.record_timeline(
        db, record=record, viewer=user, locale=request_locale(request)
    )
    return TimelineOut(record_id=record.id, items=items)


@router.post("/{record_id}/flows/{flow_key}/start", status_code=201)
def start_flow(
    app: SlugPath,
    form: SlugPath,
    record_id: RecordIdPath,
    flow_key: SlugPath,
    db: DB,
    user: CurrentUser,
) -> dict[str, Any]:
    """The manual button: start a flow whose `starts_on` includes `manual` on this record."""
    record = records.load_record(db, app_key=app, form_key=form, record_id=record_id)
    instance = flows.start_manually(db, record=record, flow_key=flow_key, actor=user, now=now_utc())
    commit(db)
    return flows.instance_view(db, instance=instance, viewer=user)
