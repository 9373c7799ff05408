"""End-user record pages: the list (sort, search, filter, pages, columns), create and edit. Shell.

The routes live in `runtime/pages/api.py`; this module reads what the templates show.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from markupsafe import Markup
from sqlalchemy.orm import Session

from runtime.definitions import store
from runtime.errors import InvalidInput
from runtime.fields import format_value
from runtime.flows import service as flows
from runtime.forms import render as form_render
from runtime.i18n import text, texts
from runtime.org.models import User
from runtime.records import query as q
from runtime.records import search
from runtime.records import service as records

# Times on pages are shown in the organisation's zone (stored and sent as UTC).
DISPLAY_ZONE = ZoneInfo(os.environ.get("FORMWORK_TIMEZONE", "Asia/Shanghai"))
DEFAULT_COLUMNS = 6
PAGE_SIZE = 50
# Field types a list cell cannot show as one line of text.
NOT_COLUMNS = frozenset({"line_items", "attachment", "rich_text"})
# Field types the filter bar does not offer (the list query has no operators for them).
NOT_FILTERS = frozenset({"line_items", "attachment"})

WORDS = {
    "new": {"zh-CN": "新建", "en": "New"},
    "edit": {"zh-CN": "编辑", "en": "Edit"},
    "new_title": {"zh-CN": "新建{form}", "en": "New {form}"},
    "edit_title": {"zh-CN": "编辑 {title}", "en": "Edit {title}"},
    "create": {"zh-CN": "创建", "en": "Create"},
    "save": {"zh-CN": "保存", "en": "Save"},
    "cancel": {"zh-CN": "取消", "en": "Cancel"},
    "search": {"zh-CN": "搜索", "en": "Search"},
    "search_placeholder": {"zh-CN": "搜索文本字段…", "en": "Search text fields…"},
    "filters": {"zh-CN": "筛选", "en": "Filters"},
    "columns": {"zh-CN": "列", "en": "Columns"},
    "created_at": {"zh-CN": "创建时间", "en": "Created"},
    "first_page": {"zh-CN": "回到第一页", "en": "Back to first page"},
    "next_page": {"zh-CN": "下一页", "en": "Next page"},
    "total": {"zh-CN": "共 {count} 条", "en": "{count} in all"},
    "matching": {"zh-CN": "匹配 {count} 条", "en": "{count} matching"},
    "clear_query": {"zh-CN": "清除搜索和筛选", "en": "Clear search and filters"},
    "empty": {"zh-CN": "暂无记录", "en": "No records yet"},
    "no_match": {"zh-CN": "没有符合条件的记录", "en": "No records match"},
    "bad_query": {
        "zh-CN": "链接中的排序、搜索、筛选或翻页参数无效：",
        "en": "The sort, search, filter or page in this link is not valid:",
    },
    "sort_by": {"zh-CN": "按 {label} 排序", "en": "Sort by {label}"},
    "locked_some": {
        "zh-CN": "审批进行中：只能修改当前审批节点允许你修改的字段。",
        "en": "An approval is in progress: you may change only the fields its step allows you to.",
    },
    "locked_all": {
        "zh-CN": "审批进行中：这条记录现在不能由你修改。",
        "en": "An approval is in progress: you cannot change this record now.",
    },
}


def words(locale: str) -> dict[str, str]:
    return texts(WORDS, locale)


def list_url(base: str, **params: str | None) -> str:
    """`base` with the given query parameters (empty ones left out)."""
    kept = {key: value for key, value in params.items() if value}
    return f"{base}?{urlencode(kept)}" if kept else base


def column_fields(doc: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The fields a list may show as columns, in form order."""
    return [
        f for f in doc.get("fields", []) if not f.get("hidden") and f["type"] not in NOT_COLUMNS
    ]


def filter_fields(doc: Mapping[str, Any], locale: str) -> list[dict[str, Any]]:
    """What the filter bar offers: key, type, label, options (a formula's result type)."""
    out = []
    for f in doc.get("fields", []):
        if f.get("hidden") or f["type"] in NOT_FILTERS:
            continue
        config = f.get("config") or {}
        item: dict[str, Any] = {
            "key": f["key"],
            "type": f["type"],
            "label": text(f.get("label"), locale) or f["key"],
        }
        if isinstance(config.get("options"), list):
            item["options"] = [
                {"value": o.get("value"), "label": text(o.get("label"), locale) or o.get("value")}
                if isinstance(o, Mapping)
                else {"value": o, "label": str(o)}
                for o in config["options"]
            ]
        if f["type"] == "formula" and config.get("result"):
            item["result"] = config["result"]
        out.append(item)
    return out


def _sort_state(sort: str | None, key: str) -> str | None:
    current = sort or "-id"
    if current.lstrip("-+") != key:
        return None
    return "desc" if current.startswith("-") else "asc"


def _header(
    base: str,
    key: str,
    label: str,
    sort: str | None,
    search_text: str | None,
    filter_text: str | None,
) -> dict[str, Any]:
    state = _sort_state(sort, key)
    target = f"-{key}" if state == "asc" else key
    return {
        "key": key,
        "label": label,
        "sort": state,
        "url": list_url(base, sort=target, q=search_text, filter=filter_text),
    }


def list_page(
    db: Session,
    *,
    app: str,
    form: str,
    user: User,
    locale: str,
    sort: str | None,
    search_text: str | None,
    filter_text: str | None,
    cursor: str | None,
) -> tuple[dict[str, Any], int]:
    """The record list's template context and HTTP status (422 when the query is not valid)."""
    version = records.load_form(db, app_key=app, form_key=form)
    doc = version.doc
    base = f"/apps/{app}/{form}"
    fields = column_fields(doc)
    problems: list[str] = []
    page_rows: list[Any] = []
    next_cursor = None
    matching = None
    try:
        condition = search.list_condition(doc, filter_text=filter_text, search=search_text)
        page = records.list_records(
            db, form=version, condition=condition, sort=sort, limit=PAGE_SIZE, cursor=cursor
        )
        page_rows, next_cursor = page.records, page.next_cursor
        if condition is not None:
            fields_all = doc.get("fields", [])
            matching = search.count_matching(
                db,
                app_key=app,
                form_key=form,
                types=version.field_types,
                numeric=q.numeric_fields(fields_all),
                condition=condition,
            )
    except InvalidInput as error:
        problems = [p.message for p in error.to_problems()]
    hidden = flows.hidden_fields_by_record(db, record_ids=[r.id for r in page_rows], user=user)
    rows = [
        {
            "id": r.id,
            "cells": [
                ""
                if f["key"] in hidden.get(r.id, set())
                else format_value(f, r.data.get(f["key"]), locale)
                for f in fields
            ],
            "created_at": r.created_at.astimezone(DISPLAY_ZONE).strftime("%Y-%m-%d %H:%M"),
        }
        for r in page_rows
    ]
    headers = [
        {
            **_header(
                base,
                f["key"],
                text(f.get("label"), locale) or f["key"],
                sort,
                search_text,
                filter_text,
            ),
            "sortable": f["type"] not in q.LIST_TYPES,
            "default": index < DEFAULT_COLUMNS,
        }
        for index, f in enumerate(fields)
    ]
    app_row = store.load_app(db, app_key=app)
    total = records.count_records(db, app_key=app, form_key=form)
    say = words(locale)
    context = {
        "app_key": app,
        "form": doc,
        "app_title": app_row.manifest.get("title", app),
        "base": base,
        "headers": headers,
        "id_header": _header(base, "id", "#", sort, search_text, filter_text),
        "created_header": _header(
            base, "created_at", say["created_at"], sort, search_text, filter_text
        ),
        "rows": rows,
        "query": {"sort": sort or "", "q": search_text or "", "filter": filter_text or ""},
        "next_url": list_url(base, sort=sort, q=search_text, filter=filter_text, cursor=next_cursor)
        if next_cursor
        else None,
        "first_url": list_url(base, sort=sort, q=search_text, filter=filter_text)
        if cursor
        else None,
        "total": total,
        "total_text": say["total"].format(count=total),
        "matching": matching,
        "matching_text": ""
        if matching is None
        else say["matching"].format(
            count=f"{search.COUNT_CAP}+" if matching > search.COUNT_CAP else matching
        ),
        "problems": problems,
        "boot": {
            "app": app,
            "form": form,
            "fields": filter_fields(doc, locale),
            "columns": [
                {"key": h["key"], "label": h["label"], "default": h["default"]} for h in headers
            ],
            "filter": filter_text or "",
        },
        "rw": say,
    }
    return context, 422 if problems else 200


def form_page(
    db: Session, *, app: str, form: str, user: User, locale: str, record_id: int | None
) -> dict[str, Any]:
    """The create (no `record_id`) or edit page's template context."""
    version = records.load_form(db, app_key=app, form_key=form)
    doc = version.doc
    say = words(locale)
    form_title = text(doc.get("title"), locale) or form
    base = f"/apps/{app}/{form}"
    app_row = store.load_app(db, app_key=app)
    context: dict[str, Any] = {
        "app_key": app,
        "form": doc,
        "app_title": app_row.manifest.get("title", app),
        "rw": say,
        "note": "",
    }
    # No uploads on these pages yet: attachments stay as they are and show on the detail page.
    attachments = set(version.attachment_keys)
    if record_id is None:
        context["heading"] = say["new_title"].format(form=form_title)
        context["form_html"] = Markup(  # noqa: S704 - our renderer's output, autoescaped
            form_render.render_record_form(
                doc, locale=locale, values=None, submit_label=say["create"], hidden=attachments
            )
        )
        context["cancel_url"] = base
        context["boot"] = {
            "mode": "create",
            "api": f"/api/apps/{app}/forms/{form}/records",
            "list": base,
        }
        return context
    record = records.load_record(db, app_key=app, form_key=form, record_id=record_id)
    hidden = flows.hidden_fields(db, record_id=record.id, user=user)
    rights = flows.edit_rights(db, record_id=record.id, user=user)
    keys = [f["key"] for f in doc.get("fields", [])]
    readonly = set() if rights is None else {key for key in keys if key not in rights}
    if rights is not None:
        context["note"] = say["locked_some"] if rights - hidden else say["locked_all"]
    title = records.title_of(doc, record.data, record.id)
    context["record"] = record
    context["title"] = title
    context["heading"] = say["edit_title"].format(title=title)
    context["form_html"] = Markup(  # noqa: S704 - our renderer's output, autoescaped
        form_render.render_record_form(
            doc,
            locale=locale,
            values=flows.without_hidden(record.data, hidden),
            submit_label=say["save"],
            readonly=readonly,
            hidden=hidden | attachments,
        )
    )
    context["cancel_url"] = f"{base}/{record.id}"
    context["boot"] = {
        "mode": "edit",
        "api": f"/api/apps/{app}/forms/{form}/records/{record.id}",
        "list": base,
        "version": record.version,
        "can_save": rights is None or bool(rights - hidden),
        # The renderer disables read-only inputs; the script also locks line-item tables.
        "readonly": sorted(readonly - hidden),
    }
    return context
