"""The flow designer page: /builder/{app}/flows/{key}, its definition, palette and fields. Shell.

The page is server-rendered once (runtime/pages/templates/flow_designer.html); everything after
that goes through the definitions API (draft PUT, publish, diff, simulate).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from builder import pages
from builder import publish as publishing
from builder.palette import flow_palette
from runtime.definitions import store
from runtime.errors import NotFound
from runtime.http.deps import DB, OptionalUser, SlugPath, request_locale
from runtime.i18n import texts
from runtime.org import service as org
from runtime.org.models import Role, User
from runtime.pages import render

router = APIRouter(include_in_schema=False)

WORDS = {
    # The shell's own words for the same things (one name for the builder everywhere).
    **{key: pages.WORDS[key] for key in ("builder", "draft", "published")},
    "flow_designer": {"zh-CN": "流程设计", "en": "Flow designer"},
    "new": {"zh-CN": "未发布", "en": "not published"},
    "loading": {"zh-CN": "正在加载设计器…", "en": "Loading the designer…"},
}


def _field_info(field: Mapping[str, Any]) -> dict[str, Any]:
    """Key, type, label, and when the field has them: options, a formula's result type."""
    config = field.get("config") or {}
    item: dict[str, Any] = {
        "key": field.get("key"),
        "type": field.get("type"),
        "label": field.get("label") or field.get("key"),
    }
    if isinstance(config.get("options"), list):
        item["options"] = config["options"]
    if field.get("type") == "formula" and isinstance(config.get("result"), str):
        item["result"] = config["result"]
    return item


def form_fields(doc: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The form's fields as the designer needs them (conditions, samples, permissions): key,
    type, label, options, a formula's result type, and a line-items field's columns."""
    fields = []
    for field in (doc or {}).get("fields") or ():
        item = _field_info(field)
        columns = (field.get("config") or {}).get("columns")
        if field.get("type") == "line_items" and isinstance(columns, list):
            item["columns"] = [_field_info(c) for c in columns if isinstance(c, Mapping)]
        fields.append(item)
    return fields


def people(db: Session) -> dict[str, list[dict[str, Any]]]:
    """Active users (username, name, roles) and roles (key, name) for the approver pickers."""
    found = org.directory(db)
    roles_of: dict[str, list[str]] = {}
    for role, members in found.members_of_role.items():
        for username in members:
            roles_of.setdefault(username, []).append(role)
    users = db.execute(
        select(User.username, User.name).where(User.is_active.is_(True)).order_by(User.username)
    ).all()
    roles = db.execute(select(Role.key, Role.name).order_by(Role.key)).all()
    return {
        "users": [
            {"username": u.username, "name": u.name, "roles": sorted(roles_of.get(u.username, []))}
            for u in users
        ],
        "roles": [{"key": r.key, "name": r.name} for r in roles],
    }


def new_flow(key: str, *, title: str | None, form: str | None) -> dict[str, Any]:
    """An empty flow to start from: a start and an end node, nothing in between yet."""
    name = (title or "").strip() or key
    doc: dict[str, Any] = {"format": 1, "key": key, "title": {"zh-CN": name, "en": name}}
    if form:
        doc["form"] = form
    doc["nodes"] = [
        {
            "id": "start",
            "type": "start",
            "label": {"zh-CN": "开始", "en": "Start"},
            "position": {"x": 0, "y": 120},
            "config": {},
        },
        {
            "id": "end",
            "type": "end",
            "label": {"zh-CN": "结束", "en": "End"},
            "position": {"x": 480, "y": 120},
            "config": {"outcome": "completed"},
        },
    ]
    doc["edges"] = []
    return doc


def _version(db: DB, app: str, key: str, *, title: str | None, form: str | None) -> dict[str, Any]:
    """The draft, else the latest published version, else a new flow (not stored until saved)."""
    draft = store.get_draft(db, app_key=app, kind="flows", key=key)
    published = store.get_published(db, app_key=app, kind="flows", key=key)
    row = draft or published
    if row is None:
        forms = store.list_keys(db, app_key=app, kind="forms")
        if form is not None and form not in forms:
            raise NotFound("form_not_found", f"No form {form!r} in {app}.")
        return {
            "definition": new_flow(key, title=title, form=form or (forms[0] if forms else None)),
            "status": "new",
            "version": None,
            "published_version": None,
        }
    return {
        "definition": row.doc,
        "revision": store.revision(row.doc),
        "status": row.status,
        "version": row.version,
        "published_version": published.version if published is not None else None,
    }


@router.get("/builder/{app}/flows/{key}", response_class=HTMLResponse)
def flow_designer(
    app: SlugPath,
    key: SlugPath,
    request: Request,
    db: DB,
    user: OptionalUser,
    title: Annotated[str | None, Query(max_length=200)] = None,
    form: Annotated[str | None, Query(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)] = None,
) -> Response:
    """The designer, for admins only: like the whole /builder area (decision 0011), anonymous
    callers go to the login page and other signed-in users get the shell's 403 page."""
    if user is None or not user.is_admin:
        return pages._gate(request, user) or Response(status_code=403)
    locale = request_locale(request)
    app_row = store.load_app(db, app_key=app)
    current = _version(db, app, key, title=title, form=form)
    form_key = current["definition"].get("form")
    form_doc = (
        store.current_doc(db, app_key=app, kind="forms", key=form_key)
        if isinstance(form_key, str)
        else None
    )
    # A draft may be stored with problems (decision 0011): the designer draws them at once.
    problems = (
        publishing.validate(db, app_key=app, kind="flows", key=key, doc=current["definition"])
        if current["status"] == "draft"
        else []
    )
    boot = {
        "app": app,
        "key": key,
        **current,
        "form": form_key,
        "fields": form_fields(form_doc),
        "palette": flow_palette(),
        "can_edit": True,
        "directory": people(db),
        "problems": [problem.to_json() for problem in problems],
    }
    words = texts(WORDS, locale)
    published = current["published_version"]
    state = words["published"].format(version=published) if published is not None else words["new"]
    return HTMLResponse(
        render.page(
            "flow_designer.html",
            locale=locale,
            user=user,
            fw=words,
            app_key=app,
            app_title=app_row.manifest.get("title", app),
            flow_title=current["definition"].get("title") or key,
            flow_key=key,
            state=state,
            is_draft=current["status"] == "draft",
            boot=boot,
        )
    )
