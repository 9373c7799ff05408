"""Jinja2 rendering of the end-user pages (our templates; user data autoescaped). Pure."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from runtime.i18n import text, texts

TEMPLATES = Path(__file__).parent / "templates"

WORDS = {
    "login": {"zh-CN": "登录", "en": "Log in"},
    "username": {"zh-CN": "用户名", "en": "Username"},
    "password": {"zh-CN": "密码", "en": "Password"},
    "bad_credentials": {"zh-CN": "用户名或密码错误。", "en": "Wrong username or password."},
    "apps": {"zh-CN": "应用", "en": "Apps"},
    "logout": {"zh-CN": "退出", "en": "Log out"},
    "notifications": {"zh-CN": "通知", "en": "Notifications"},
    "todo_link": {"zh-CN": "待办", "en": "To do"},
    "builder_link": {"zh-CN": "设计器", "en": "Builder"},
    "no_notifications": {"zh-CN": "暂无通知", "en": "No notifications"},
    "mark_all_read": {"zh-CN": "全部标为已读", "en": "Mark all as read"},
    "unread": {"zh-CN": "未读", "en": "unread"},
    "records": {"zh-CN": "记录", "en": "Records"},
    "public_form": {"zh-CN": "公开表单", "en": "Public form"},
    "timeline": {"zh-CN": "动态", "en": "Timeline"},
    "created": {"zh-CN": "创建", "en": "created"},
    "updated": {"zh-CN": "修改", "en": "updated"},
    "deleted": {"zh-CN": "删除", "en": "deleted"},
    "next_page": {"zh-CN": "下一页", "en": "Next page"},
    "empty": {"zh-CN": "暂无记录", "en": "No records yet"},
    "search": {"zh-CN": "筛选", "en": "Filter"},
    "system": {"zh-CN": "系统", "en": "system"},
    "public_form_via": {"zh-CN": "公开表单", "en": "public form"},
}


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["t"] = text
    return env


def page(name: str, *, locale: str, **context: Any) -> str:
    words = texts(WORDS, locale)
    return environment().get_template(name).render(locale=locale, w=words, **context)
