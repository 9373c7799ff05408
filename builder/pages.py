"""Builder pages: the shell (`/builder`), the form designer page, the draft preview. Shell."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from builder import publish as publishing
from runtime.definitions import store
from runtime.flows.models import FlowInstance
from runtime.forms import render as form_render
from runtime.http.deps import DB, AdminUser, OptionalUser, SlugPath, request_locale
from runtime.http.payload import require_text
from runtime.i18n import text, texts
from runtime.org.models import User
from runtime.pages import render as page_render

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/apps", tags=["definitions"])

TEMPLATES = Path(__file__).parent / "templates"
SHOWN_KINDS = ("forms", "flows")

# The shell's words (the designer's own live in static/js/form-designer/words.js).
WORDS = {
    "builder": {"zh-CN": "设计器", "en": "Builder"},
    "forms": {"zh-CN": "表单", "en": "Forms"},
    "flows": {"zh-CN": "流程与自动化", "en": "Flows and automations"},
    "draft": {"zh-CN": "草稿", "en": "draft"},
    "published": {"zh-CN": "已发布 v{version}", "en": "published v{version}"},
    "running": {"zh-CN": "{count} 个运行中", "en": "{count} running"},
    "none_yet": {"zh-CN": "暂无", "en": "None yet"},
    "new_form": {"zh-CN": "新建表单", "en": "New form"},
    "form_key": {"zh-CN": "标识（英文小写、数字、下划线）", "en": "Key (a-z, 0-9, _)"},
    "key_short": {"zh-CN": "标识，如 visit_log", "en": "key, e.g. visit_log"},
    "form_title": {"zh-CN": "名称", "en": "Title"},
    "create": {"zh-CN": "创建", "en": "Create"},
    "export": {"zh-CN": "导出应用包", "en": "Export bundle"},
    "import": {"zh-CN": "导入应用包", "en": "Import bundle"},
    "import_done": {
        "zh-CN": "已导入：发布 {published} 项，未变 {unchanged} 项",
        "en": "Imported: {published} published, {unchanged} unchanged",
    },
    "bad_key": {
        "zh-CN": "标识须以小写字母开头，只含小写字母、数字和下划线。",
        "en": "A key starts with a-z and holds only a-z, 0-9 and _.",
    },
    "key_taken": {"zh-CN": "该标识已被使用。", "en": "This key is already used."},
    "duplicate": {"zh-CN": "复制", "en": "Duplicate"},
    "delete": {"zh-CN": "删除", "en": "Delete"},
    "duplicate_ask": {
        "zh-CN": "复制 {key} 为新的草稿，新标识：",
        "en": "Copy {key} into a new draft with the key:",
    },
    "delete_ask": {
        "zh-CN": "删除 {key} 及其全部版本？此操作不能撤销。",
        "en": "Delete {key} and all its versions? This cannot be undone.",
    },
    "deleted": {"zh-CN": "已删除 {key}。", "en": "{key} deleted."},
    "admin_only": {
        "zh-CN": "只有管理员可以使用设计器。",
        "en": "Only administrators may use the builder.",
    },
    "open": {"zh-CN": "打开", "en": "Open"},
    "records": {"zh-CN": "记录", "en": "Records"},
    "new_app": {"zh-CN": "新建应用", "en": "New app"},
    "app_key": {"zh-CN": "应用标识，如 service", "en": "app key, e.g. service"},
    "app_title": {"zh-CN": "应用名称", "en": "App title"},
    "app_created": {"zh-CN": "已创建应用 {key}。", "en": "App {key} created."},
    "new_flow": {"zh-CN": "新建流程/自动化", "en": "New flow or automation"},
    "flow_form": {"zh-CN": "作用于表单", "en": "On the form"},
    "key_example_flow": {"zh-CN": "标识，如 visit_approval", "en": "key, e.g. visit_approval"},
}


@cache
def environment() -> Environment:
    # Our templates first, then the end-user pages' (for layout.html); user data autoescaped.
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(TEMPLATES), FileSystemLoader(page_render.TEMPLATES)]),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["t"] = text
    return env


def words_for(locale: str) -> dict[str, str]:
    return texts(WORDS, locale)


def _page(name: str, *, locale: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    common = texts(page_render.WORDS, locale)
    html = (
        environment()
        .get_template(name)
        .render(locale=locale, w=common, b=words_for(locale), **context)
    )
    return HTMLResponse(html, status_code=status_code)


def _gate(request: Request, user: User | None) -> Response | None:
    """Anonymous callers go to the login page; signed-in non-admins get a 403 page."""
    if user is None:
        return RedirectResponse(f"/login?next={quote(str(request.url.path))}", status_code=303)
    if not user.is_admin:
        locale = request_locale(request)
        return _page("builder_denied.html", locale=locale, user=user, status_code=403)
    return None


def _status(db: Session, *, app_key: str, kind: str, key: str) -> dict[str, Any]:
    """Draft / latest published version (and its title) of one definition."""
    draft = store.get_draft(db, app_key=app_key, kind=kind, key=key)
    published = store.get_published(db, app_key=app_key, kind=kind, key=key)
    row = draft or published
    doc = row.doc if row is not None else {}
    return {
        "key": key,
        "title": doc.get("title") or key,
        "has_draft": draft is not None,
        "version": published.version if published else None,
        "summary": published.summary if published else "",
    }


def _running(db: Session, *, app_key: str) -> dict[str, int]:
    rows = db.execute(
        select(FlowInstance.flow_key, func.count())
        .where(FlowInstance.app_key == app_key, FlowInstance.status == "running")
        .group_by(FlowInstance.flow_key)
    )
    return {key: int(count) for key, count in rows}


@router.get("/builder", response_class=HTMLResponse)
def builder_home(request: Request, db: DB, user: OptionalUser) -> Response:
    denied = _gate(request, user)
    if denied is not None:
        return denied
    apps = []
    for app in store.list_apps(db):
        running = _running(db, app_key=app.key)
        kinds = {
            kind: [
                _status(db, app_key=app.key, kind=kind, key=key)
                for key in store.list_keys(db, app_key=app.key, kind=kind)
            ]
            for kind in SHOWN_KINDS
        }
        for flow in kinds["flows"]:
            flow["running"] = running.get(flow["key"], 0)
        apps.append({"key": app.key, "title": app.manifest.get("title", app.key), **kinds})
    return _page("builder.html", locale=request_locale(request), user=user, apps=apps)


@router.get("/builder/{app}/forms/{key}", response_class=HTMLResponse)
def form_designer(
    app: SlugPath,
    key: SlugPath,
    request: Request,
    db: DB,
    user: OptionalUser,
    title: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """The designer on the draft (else the latest version); an unknown key opens an empty form."""
    denied = _gate(request, user)
    if denied is not None:
        return denied
    app_row = store.load_app(db, app_key=app)
    info = _status(db, app_key=app, kind="forms", key=key)
    doc = store.current_doc(db, app_key=app, kind="forms", key=key)
    is_new = doc is None
    if doc is None:
        name = (title or "").strip() or key
        doc = {"format": 1, "key": key, "title": {"zh-CN": name, "en": name}, "fields": []}
    forms = [
        {"key": k, "title": _status(db, app_key=app, kind="forms", key=k)["title"]}
        for k in store.list_keys(db, app_key=app, kind="forms")
    ]
    boot = {
        "app": app,
        "key": key,
        "definition": doc,
        "revision": None if is_new else store.revision(doc),
        "is_new": is_new,
        "has_draft": info["has_draft"],
        "version": info["version"],
        "forms": forms,
    }
    return _page(
        "form_designer.html",
        locale=request_locale(request),
        user=user,
        app_key=app,
        app_title=app_row.manifest.get("title", app),
        form_title=doc.get("title") or key,
        boot=boot,
    )


@api_router.post("/{app}/forms/{key}/preview", response_class=HTMLResponse)
def preview_form(
    app: SlugPath,
    key: SlugPath,
    body: Annotated[Any, Body()],
    request: Request,
    db: DB,
    _user: AdminUser,
) -> HTMLResponse:
    """Render a draft form (sent, validated, never stored) as the real form renderer draws it."""
    require_text(body)
    store.load_app(db, app_key=app)
    publishing.raise_if_invalid(
        publishing.validate(db, app_key=app, kind="forms", key=key, doc=body)
    )
    html = form_render.render_form(
        _as_mapping(body),
        locale=request_locale(request),
        action_url="about:blank",
        idempotency_key="preview",
    )
    return HTMLResponse(html)


def _as_mapping(body: Any) -> Mapping[str, Any]:
    if not isinstance(body, Mapping):  # validate() already refused anything else
        raise TypeError("a definition is an object")
    return body
