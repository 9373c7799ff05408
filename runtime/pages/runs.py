"""Run log pages: an automation's runs, one run's steps, automation items of a timeline. Shell."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from runtime.automation import runlog
from runtime.http.deps import DB, OptionalUser, RecordIdPath, SlugPath, request_locale
from runtime.i18n import text, texts
from runtime.pages import render

router = APIRouter(include_in_schema=False)
# As the other pages (runtime/pages/api.py): times shown in the organisation's zone.
DISPLAY_ZONE = ZoneInfo(os.environ.get("FORMWORK_TIMEZONE", "Asia/Shanghai"))
VALUE_WIDTH = 400  # characters of a step's input or output shown on the page

WORDS = {
    "runs": {"zh-CN": "运行记录", "en": "Runs"},
    "run": {"zh-CN": "运行", "en": "Run"},
    "all_statuses": {"zh-CN": "全部状态", "en": "All statuses"},
    "filter": {"zh-CN": "筛选", "en": "Filter"},
    "record": {"zh-CN": "记录", "en": "Record"},
    "status": {"zh-CN": "状态", "en": "Status"},
    "started": {"zh-CN": "开始", "en": "Started"},
    "finished": {"zh-CN": "结束", "en": "Finished"},
    "duration": {"zh-CN": "耗时", "en": "Duration"},
    "trigger": {"zh-CN": "触发", "en": "Trigger"},
    "steps": {"zh-CN": "步骤", "en": "Steps"},
    "error": {"zh-CN": "错误", "en": "Error"},
    "no_runs": {"zh-CN": "暂无运行记录", "en": "No runs yet"},
    "next_page": {"zh-CN": "下一页", "en": "Next page"},
    "what_it_did": {"zh-CN": "执行结果", "en": "What it did"},
    "all_steps": {"zh-CN": "全部步骤", "en": "All steps"},
    "input": {"zh-CN": "输入", "en": "Input"},
    "output": {"zh-CN": "输出", "en": "Output"},
    "event_chain": {"zh-CN": "事件链", "en": "Event chain"},
    "caused_by": {"zh-CN": "起因", "en": "caused by"},
    "depth": {"zh-CN": "深度", "en": "depth"},
    "event": {"zh-CN": "事件", "en": "event"},
    "outbox": {"zh-CN": "外发队列", "en": "Outbox"},
    "attempts": {"zh-CN": "次尝试", "en": "attempts"},
    "automation": {"zh-CN": "自动化", "en": "Automation"},
    "run_of": {"zh-CN": "运行", "en": "run"},
    "loop_guard": {"zh-CN": "循环保护：未启动", "en": "Loop guard: not started"},
    "failed_start": {"zh-CN": "启动失败", "en": "Failed to start"},
    "by_event": {"zh-CN": "事件触发", "en": "an event"},
    "by_schedule": {"zh-CN": "定时触发", "en": "a time trigger"},
    "by_subflow": {"zh-CN": "父流程启动", "en": "its parent flow"},
    "by_person": {"zh-CN": "人工提交", "en": "a person"},
    "by_flow": {"zh-CN": "其他流程", "en": "another flow"},
    "parent": {"zh-CN": "父流程", "en": "Parent run"},
    "values": {"zh-CN": "条件取值", "en": "Condition values"},
    "record_created": {"zh-CN": "新建", "en": "created"},
    "record_updated": {"zh-CN": "修改", "en": "updated"},
    "record_deleted": {"zh-CN": "删除", "en": "deleted"},
}
STATUS_WORDS = {
    "new": {"zh-CN": "新建", "en": "new"},
    "running": {"zh-CN": "运行中", "en": "running"},
    "returned": {"zh-CN": "已退回", "en": "returned"},
    "approved": {"zh-CN": "已通过", "en": "approved"},
    "rejected": {"zh-CN": "已驳回", "en": "rejected"},
    "completed": {"zh-CN": "已完成", "en": "completed"},
    "withdrawn": {"zh-CN": "已撤回", "en": "withdrawn"},
    "failed": {"zh-CN": "失败", "en": "failed"},
}


def words(locale: str) -> dict[str, str]:
    found = texts(WORDS, locale)
    found.update({f"status_{k}": v for k, v in texts(STATUS_WORDS, locale).items()})
    return found


def local_time(iso: str | None) -> str:
    """UTC ISO text → 'YYYY-MM-DD HH:MM:SS' in the organisation's zone ('' for None)."""
    if not iso:
        return ""
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return moment.astimezone(DISPLAY_ZONE).strftime("%Y-%m-%d %H:%M:%S")


def compact(value: Any) -> str:
    """A step's input or output in one line of JSON, cut to a readable length."""
    if value is None:
        return ""
    shown = json.dumps(value, ensure_ascii=False, default=str)
    return shown if len(shown) <= VALUE_WIDTH else shown[: VALUE_WIDTH - 1] + "…"


def duration(ms: int | None) -> str:
    if ms is None:
        return ""
    if ms < 1000:
        return f"{ms} ms"
    seconds = ms / 1000
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def _login(request: Request) -> Response:
    return RedirectResponse(f"/login?next={quote(str(request.url.path))}", status_code=303)


@router.get("/apps/{app}/flows/{key}/runs", response_class=HTMLResponse)
def run_list(
    app: SlugPath,
    key: SlugPath,
    request: Request,
    db: DB,
    user: OptionalUser,
    status: Annotated[str | None, Query(max_length=16)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    if user is None:
        return _login(request)
    locale = request_locale(request)
    page = runlog.list_runs(
        db, app_key=app, flow_key=key, viewer=user, status=status or None, cursor=cursor
    )
    items = [
        {
            **run,
            "started": local_time(run["started_at"]),
            "took": duration(run["duration_ms"]),
        }
        for run in page["items"]
    ]
    next_link = None
    if page["next_cursor"]:
        query = {"cursor": page["next_cursor"], **({"status": status} if status else {})}
        next_link = f"?{urlencode(query)}"
    return HTMLResponse(
        render.page(
            "runs.html",
            locale=locale,
            user=user,
            rw=words(locale),
            app_key=app,
            flow=page["flow"],
            items=items,
            status=status or "",
            statuses=runlog.STATUSES,
            next_link=next_link,
        )
    )


@router.get("/runs/{instance_id}", response_class=HTMLResponse)
def run_detail(instance_id: RecordIdPath, request: Request, db: DB, user: OptionalUser) -> Response:
    if user is None:
        return _login(request)
    locale = request_locale(request)
    run = runlog.load_run(db, instance_id=instance_id, viewer=user, locale=locale)
    steps = [
        {
            **step,
            "label_text": text(step.get("label"), locale) or step.get("node") or "",
            "time": local_time(step.get("at")),
            "input_text": compact(step.get("input")),
            "output_text": compact(step.get("output")),
            "error_text": compact(step.get("error")),
            "routine": step["kind"] in ("entered", "left"),
        }
        for step in run["steps"]
    ]
    return HTMLResponse(
        render.page(
            "run.html",
            locale=locale,
            user=user,
            rw=words(locale),
            run=run,
            steps=steps,
            chain=[chain_line(event, locale) for event in run["chain"]],
            started=local_time(run["started_at"]),
            finished=local_time(run["finished_at"]),
            took=duration(run["duration_ms"]),
        )
    )


def chain_line(event: Mapping[str, Any], locale: str) -> dict[str, Any]:
    """One event of a chain for a page: what changed, by whom, and the runs it started."""
    said = words(locale)
    changes = ", ".join(
        f"{c.get('field')}: {_value(c.get('from'))} → {_value(c.get('to'))}"
        for c in event.get("changes") or []
    )
    return {
        "id": event["id"],
        "text": f"{said.get(event['kind'], event['kind'])} #{event.get('record_id')}"
        + (f" ({changes})" if changes else ""),
        "depth": event.get("depth"),
        "actor": event.get("actor") or event.get("via") or "",
        "runs": [h for h in event.get("handled_by") or [] if h.get("instance_id")],
    }


def _value(value: Any) -> str:
    return "∅" if value is None else str(value)


def timeline_item(item: dict[str, Any], locale: str) -> dict[str, Any]:
    """An automation item of a record's timeline, ready for record.html."""
    out = dict(item)
    out["at"] = local_time(item.get("at"))[:16]
    out["flow_text"] = text(item.get("flow_title"), locale) or item.get("flow")
    out["chain_lines"] = [chain_line(event, locale) for event in item.get("chain") or []]
    return out
