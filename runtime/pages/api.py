"""End-user pages: home (apps), record list, create / edit, detail with timeline. Shell."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from runtime.automation import timeline as automation_timeline
from runtime.automation.models import Notification
from runtime.definitions import store
from runtime.fields import format_value
from runtime.flows import service as flows
from runtime.http.deps import DB, OptionalUser, RecordIdPath, SlugPath, request_locale
from runtime.org.models import User
from runtime.pages import records_pages, render, runs
from runtime.records import search
from runtime.records import service as records
from runtime.records.models import Record

router = APIRouter(include_in_schema=False)
DISPLAY_ZONE = records_pages.DISPLAY_ZONE


def _login_redirect(request: Request) -> Response:
    # The query too, so a shared list link (sort, search, filter) survives the login.
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if len(target) > 500:  # the login form's limit for `next`
        target = request.url.path
    return RedirectResponse(f"/login?next={quote(target)}", status_code=303)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, db: DB, user: OptionalUser) -> Response:
    if user is None:
        return _login_redirect(request)
    apps = []
    for app in store.list_apps(db):
        forms = []
        for key in store.list_keys(db, app_key=app.key, kind="forms"):
            row = store.get_published(db, app_key=app.key, kind="forms", key=key)
            if row is not None:
                forms.append(
                    {
                        "key": key,
                        "title": row.doc.get("title"),
                        "public": bool((row.doc.get("public") or {}).get("enabled")),
                    }
                )
        apps.append({"key": app.key, "title": app.manifest.get("title", app.key), "forms": forms})
    return HTMLResponse(
        render.page("home.html", locale=request_locale(request), user=user, apps=apps)
    )


@router.get("/apps/{app}/{form}", response_class=HTMLResponse)
def record_list(
    app: SlugPath,
    form: SlugPath,
    request: Request,
    db: DB,
    user: OptionalUser,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
    sort: Annotated[str | None, Query(max_length=80)] = None,
    q: Annotated[str | None, Query(max_length=search.MAX_SEARCH_LENGTH)] = None,
    filter: Annotated[str | None, Query(max_length=search.MAX_FILTER_LENGTH)] = None,
) -> Response:
    """Records of a form: sort, search, filter and pages, all kept in the URL (decision 0012)."""
    if user is None:
        return _login_redirect(request)
    locale = request_locale(request)
    context, status = records_pages.list_page(
        db,
        app=app,
        form=form,
        user=user,
        locale=locale,
        sort=sort,
        search_text=q,
        filter_text=filter,
        cursor=cursor,
    )
    return HTMLResponse(
        render.page("records.html", locale=locale, user=user, **context), status_code=status
    )


@router.get("/apps/{app}/{form}/new", response_class=HTMLResponse)
def record_new(
    app: SlugPath, form: SlugPath, request: Request, db: DB, user: OptionalUser
) -> Response:
    """Create a record through the rendered form."""
    return _record_form(request, db, user, app, form, None)


@router.get("/apps/{app}/{form}/{record_id}/edit", response_class=HTMLResponse)
def record_edit(
    app: SlugPath,
    form: SlugPath,
    record_id: RecordIdPath,
    request: Request,
    db: DB,
    user: OptionalUser,
) -> Response:
    """Edit a record through the rendered form; an open flow's field permissions apply."""
    return _record_form(request, db, user, app, form, record_id)


def _record_form(
    request: Request, db: DB, user: User | None, app: str, form: str, record_id: int | None
) -> Response:
    if user is None:
        return _login_redirect(request)
    locale = request_locale(request)
    context = records_pages.form_page(
        db, app=app, form=form, user=user, locale=locale, record_id=record_id
    )
    return HTMLResponse(render.page("record_form.html", locale=locale, user=user, **context))


@router.get("/apps/{app}/{form}/{record_id}", response_class=HTMLResponse)
def record_detail(
    app: SlugPath,
    form: SlugPath,
    record_id: RecordIdPath,
    request: Request,
    db: DB,
    user: OptionalUser,
) -> Response:
    if user is None:
        return _login_redirect(request)
    return HTMLResponse(_detail(db, app, form, record_id, request_locale(request), user))


def _detail(db: DB, app: str, form: str, record_id: int, locale: str, user: User) -> str:
    record = records.load_record(db, app_key=app, form_key=form, record_id=record_id)
    version = records.load_form(db, app_key=app, form_key=form)
    hidden = flows.hidden_fields(db, record_id=record.id, user=user)
    fields = [f for f in version.doc.get("fields", []) if f["key"] not in hidden]
    by_key = {f["key"]: f for f in fields}
    items = [
        _detail_item(db, app, f, record.data.get(f["key"]), locale)
        for f in fields
        if record.data.get(f["key"]) not in (None, "", [])
    ]
    timeline = automation_timeline.record_timeline(db, record=record, viewer=user, locale=locale)
    order = {f["key"]: index for index, f in enumerate(fields)}
    for index, event in enumerate(timeline):
        if event.get("type") == "automation":  # a run or an incident (runtime/pages/runs.py)
            timeline[index] = runs.timeline_item(event, locale)
            continue
        event["at"] = _local_time(event["at"])
        event["changes"].sort(key=lambda change: order.get(change["field"], len(order)))
        for change in event["changes"]:
            field = by_key.get(change["field"])
            change["label"] = field.get("label", change["field"]) if field else change["field"]
            for side in ("from", "to"):
                value = change[side]
                change[side] = (
                    None
                    if value is None
                    else (format_value(field, value, locale) if field else str(value))
                )
    return render.page(
        "record.html",
        locale=locale,
        user=user,
        app_key=app,
        form=version.doc,
        record=record,
        title=records.title_of(version.doc, record.data, record.id),
        fields=items,
        timeline=timeline,
        rw=runs.words(locale),
        rw_records=records_pages.words(locale),
    )


def _detail_item(
    db: DB, app: str, field: Mapping[str, Any], value: Any, locale: str
) -> dict[str, Any]:
    """What the detail page shows for one field: text, a link, or a table of rows."""
    item: dict[str, Any] = {"key": field["key"], "label": field.get("label")}
    config = field.get("config", {})
    if field["type"] == "line_items":
        columns = config.get("columns", [])
        item["table"] = {
            "columns": [c.get("label", c["key"]) for c in columns],
            "rows": [
                [format_value(c, row.get(c["key"]), locale) for c in columns] for row in value
            ],
        }
    elif field["type"] == "relation" and not config.get("multiple"):
        target = records.get_record(db, app_key=app, form_key=config["form"], record_id=value)
        item["link"] = f"/apps/{app}/{config['form']}/{value}"
        if target is not None:
            target_doc = records.load_form(db, app_key=app, form_key=config["form"]).doc
            item["value"] = records.title_of(target_doc, target.data, target.id)
        else:
            item["value"] = f"#{value}"
    else:
        item["value"] = format_value(field, value, locale)
    return item


def _local_time(iso: str) -> str:
    """UTC ISO text → 'YYYY-MM-DD HH:MM' in the organisation's time zone."""
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return moment.astimezone(DISPLAY_ZONE).strftime("%Y-%m-%d %H:%M")


@router.get("/notifications", response_class=HTMLResponse)
def notifications(request: Request, db: DB, user: OptionalUser) -> Response:
    if user is None:
        return _login_redirect(request)
    rows = db.scalars(
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.id.desc())
        .limit(100)
    )
    items = []
    for n in rows:
        record = db.get(Record, n.record_id) if n.record_id else None
        items.append(
            {
                "id": n.id,
                "title": n.title,
                "body": n.body,
                "read": n.read_at is not None,
                "at": n.created_at.astimezone(DISPLAY_ZONE).strftime("%Y-%m-%d %H:%M"),
                "link": f"/apps/{record.app_key}/{record.form_key}/{record.id}" if record else None,
            }
        )
    return HTMLResponse(
        render.page(
            "notifications.html",
            locale=request_locale(request),
            user=user,
            items=items,
            unread=sum(1 for item in items if not item["read"]),
        )
    )
