"""Public form pages (form, thank-you, error) as text; re-exports `embed_script`. Pure."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from runtime.errors import Problem
from runtime.fields.base import COMMON_MESSAGES
from runtime.forms.embed import embed_script
from runtime.forms.widgets import FieldContext, field_view
from runtime.i18n import LOCALES, Messages, message, pick_locale, text

__all__ = ["embed_script", "render_error", "render_form", "render_record_form", "render_thanks"]

TEMPLATES_DIR = Path(__file__).parent / "templates"
HONEYPOT_NAME = "website"
IDEMPOTENCY_NAME = "_idempotency_key"
RESERVED_NAMES = frozenset({HONEYPOT_NAME, IDEMPOTENCY_NAME})

MESSAGES: Messages = {
    "submit": {"zh-CN": "提交", "en": "Submit"},
    "thank_you": {
        "zh-CN": "感谢提交！我们会尽快与您联系。",
        "en": "Thank you! We will be in touch soon.",
    },
    "thanks_title": {"zh-CN": "提交成功", "en": "Submitted"},
    "error_title": {"zh-CN": "出错了", "en": "Something went wrong"},
    "form_errors": {
        "zh-CN": "提交未成功，请检查以下问题：",
        "en": "The form could not be submitted. Please check the following:",
    },
    "field_errors": {
        "zh-CN": "请修正下方标出的 {count} 项。",
        "en": "Please correct the {count} highlighted field(s) below.",
    },
    "honeypot": {"zh-CN": "请勿填写此项", "en": "Leave this field empty"},
    "tab_invalid": {"zh-CN": "（有待修正项）", "en": " (needs corrections)"},
}


@cache
def _environment() -> jinja2.Environment:
    # Templates are ours; user-authored strings only arrive as context values (autoescaped).
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(["html"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_form(
    form: Mapping[str, Any],
    *,
    locale: str,
    action_url: str,
    values: Mapping[str, Any] | None = None,
    problems: Sequence[Problem] = (),
    hidden: Mapping[str, str] | None = None,
    embed: bool = False,
    static_url: str = "/static",
    idempotency_key: str,
) -> str:
    """Render the public form page; `values` and `problems` come from a failed submit."""
    locale = _locale(locale)
    fields = {f["key"]: f for f in form.get("fields", []) if isinstance(f, Mapping) and "key" in f}
    use_defaults = values is None
    field_errors, form_errors = _split_problems(problems, fields)
    ctx = FieldContext(locale, values or {}, field_errors, use_defaults)
    blocks = _layout_blocks(form, fields, ctx)
    rendered = {f["key"] for block in blocks for s in _block_sections(block) for f in s["fields"]}
    public = form.get("public") or {}
    capture = [
        {"name": name, "value": "" if value is None else str(value)}
        for name, value in (hidden or {}).items()
        if name not in rendered and name not in RESERVED_NAMES
    ]
    invalid_count = sum(1 for key in field_errors if key in rendered)
    return _render(
        "form.html",
        locale=locale,
        embed=embed,
        static_url=static_url.rstrip("/"),
        page_title=text(form.get("title"), locale),
        title=text(form.get("title"), locale),
        description=text(form.get("description"), locale),
        action_url=action_url,
        blocks=blocks,
        capture=capture,
        form_errors=form_errors,
        field_errors_note=_message("field_errors", locale, count=invalid_count)
        if invalid_count
        else "",
        honeypot_name=HONEYPOT_NAME,
        honeypot_label=_message("honeypot", locale),
        idempotency_name=IDEMPOTENCY_NAME,
        idempotency_key=idempotency_key,
        submit_label=text(public.get("submit_label"), locale) or _message("submit", locale),
        form_errors_title=_message("form_errors", locale),
        tab_invalid_label=_message("tab_invalid", locale),
    )


def render_thanks(
    form: Mapping[str, Any], *, locale: str, embed: bool = False, static_url: str = "/static"
) -> str:
    """Render the thank-you page shown after a successful submit."""
    locale = _locale(locale)
    public = form.get("public") or {}
    title = text(form.get("title"), locale)
    return _render(
        "thanks.html",
        locale=locale,
        embed=embed,
        static_url=static_url.rstrip("/"),
        page_title=title or _message("thanks_title", locale),
        title=title,
        heading=_message("thanks_title", locale),
        thank_you=text(public.get("thank_you"), locale) or _message("thank_you", locale),
    )


def render_error(*, locale: str, status: int, message: str, static_url: str = "/static") -> str:
    """Render an error page (unknown form, disabled form, rate limit…)."""
    locale = _locale(locale)
    heading = _message("error_title", locale)
    return _render(
        "error.html",
        locale=locale,
        embed=False,
        static_url=static_url.rstrip("/"),
        page_title=f"{status} · {heading}",
        heading=heading,
        status=status,
        message=message,
    )


def render_record_form(
    form: Mapping[str, Any],
    *,
    locale: str,
    values: Mapping[str, Any] | None,
    submit_label: str,
    readonly: Collection[str] = (),
    hidden: Collection[str] = (),
) -> str:
    """Render the form's fields alone for a signed-in user's create / edit page.

    The same widgets, layout and conditions as the public page, without its chrome, honeypot and
    idempotency key; the page's script sends the values to the records API. `values` None means
    a new record (defaults apply); `readonly` keys render disabled, `hidden` keys not at all.
    """
    locale = _locale(locale)
    fields: dict[str, Mapping[str, Any]] = {}
    for f in form.get("fields", []):
        if not isinstance(f, Mapping) or "key" not in f or f["key"] in hidden:
            continue
        fields[f["key"]] = {**f, "readonly": True} if f["key"] in readonly else f
    ctx = FieldContext(locale, values or {}, {}, values is None)
    return _render(
        "form.html",
        layout="_fragment.html",
        mode="record",
        locale=locale,
        embed=False,
        static_url="/static",
        page_title="",
        title="",
        description="",
        action_url="",
        blocks=_layout_blocks(form, fields, ctx),
        capture=[],
        form_errors=[],
        field_errors_note="",
        honeypot_name="",
        honeypot_label="",
        idempotency_name="",
        idempotency_key="",
        submit_label=submit_label,
        form_errors_title=_message("form_errors", locale),
        tab_invalid_label=_message("tab_invalid", locale),
    )


def _render(template: str, **context: Any) -> str:
    return _environment().get_template(template).render(**context)


def _locale(locale: str) -> str:
    return locale if locale in LOCALES else pick_locale(locale)


def _message(code: str, locale: str, **params: object) -> str:
    return message(MESSAGES, code, locale, **params)


def _field_of(name: str, fields: Mapping[str, Any]) -> str | None:
    """The field a problem names: `items`, `items.0.product` and `items[0][product]` → items."""
    if name in fields:
        return name
    head = re.split(r"[.\[/]", name, maxsplit=1)[0]
    return head if head in fields else None


def _split_problems(
    problems: Sequence[Problem], fields: Mapping[str, Any]
) -> tuple[dict[str, list[str]], list[str]]:
    by_field: dict[str, list[str]] = {}
    form_level: list[str] = []
    for problem in problems:
        key = _field_of(problem.field, fields) if problem.field else None
        if key is None:
            form_level.append(problem.message)
        else:
            by_field.setdefault(key, []).append(problem.message)
    return by_field, form_level


def _layout_blocks(
    form: Mapping[str, Any], fields: Mapping[str, Mapping[str, Any]], ctx: FieldContext
) -> list[dict[str, Any]]:
    """Blocks of sections, or of tabs (a tabs item: one panel of sections per tab, each with a
    heading, so the page reads top to bottom without script; the page script makes a tab strip).
    """
    placed: set[str] = set()
    blocks: list[dict[str, Any]] = []
    loose: list[str] = []

    def flush_loose() -> None:
        if loose:
            blocks.append(_plain_block([_section({}, list(loose), fields, ctx)]))
            loose.clear()

    layout = form.get("layout") or []
    for position, item in enumerate(layout):
        if isinstance(item, str):
            loose.append(item)
            placed.add(item)
            continue
        if not isinstance(item, Mapping):
            continue
        flush_loose()
        if item.get("type") == "tabs":
            group = sum(1 for b in blocks if b["tabs"]) + 1
            tabs = [
                _tab(tab, index, _tab_sections(tab, fields, ctx, placed), ctx)
                for index, tab in enumerate(item.get("tabs", []))
            ]
            tabs = [t for t in tabs if t["sections"]]
            if tabs:
                blocks.append(
                    {
                        "title": "",
                        "sections": [],
                        "tabs": tabs,
                        "id": f"fw-tabs-{group}",
                        "position": position,  # lets the designer's preview open its tab
                    }
                )
        else:
            keys = [k for k in item.get("items", []) if isinstance(k, str)]
            placed.update(keys)
            blocks.append(_plain_block([_section(item, keys, fields, ctx)]))
    flush_loose()
    # Fields the layout forgot still render (a dropped required field would block every submit).
    rest = [key for key in fields if key not in placed]
    if rest:
        blocks.append(_plain_block([_section({}, rest, fields, ctx)]))
    for block in blocks:
        block["sections"] = [s for s in block["sections"] if s["fields"]]
    return [b for b in blocks if b["sections"] or b["tabs"]]


def _plain_block(sections: list[dict[str, Any]]) -> dict[str, Any]:
    return {"title": "", "sections": sections, "tabs": [], "id": "", "position": -1}


def _block_sections(block: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every section of a block, those inside its tabs included."""
    return [*block["sections"], *(s for tab in block["tabs"] for s in tab["sections"])]


def _tab(
    tab: Mapping[str, Any], index: int, sections: list[dict[str, Any]], ctx: FieldContext
) -> dict[str, Any]:
    sections = [s for s in sections if s["fields"]]
    key = tab.get("key")
    return {
        "key": key if isinstance(key, str) else f"tab_{index + 1}",
        "index": index,
        "title": text(tab.get("title"), ctx.locale),
        "sections": sections,
        "invalid": any(f["errors"] for s in sections for f in s["fields"]),
    }


def _tab_sections(
    tab: Mapping[str, Any],
    fields: Mapping[str, Mapping[str, Any]],
    ctx: FieldContext,
    placed: set[str],
) -> list[dict[str, Any]]:
    sections: list[dict[str, Any]] = []
    loose: list[str] = []
    for item in tab.get("items", []):
        if isinstance(item, str):
            loose.append(item)
            placed.add(item)
        elif isinstance(item, Mapping):
            if loose:
                sections.append(_section({}, loose, fields, ctx))
                loose = []
            keys = [k for k in item.get("items", []) if isinstance(k, str)]
            placed.update(keys)
            sections.append(_section(item, keys, fields, ctx))
    if loose:
        sections.append(_section({}, loose, fields, ctx))
    return sections


def _section(
    section: Mapping[str, Any],
    keys: Sequence[str],
    fields: Mapping[str, Mapping[str, Any]],
    ctx: FieldContext,
) -> dict[str, Any]:
    columns = section.get("columns", 1)
    columns = columns if isinstance(columns, int) and 1 <= columns <= 4 else 1
    views = []
    for key in keys:
        field = fields.get(key)
        view = None if field is None else field_view(field, ctx)
        if field is not None and view is not None:
            view["required_message"] = _required_message(field, ctx.locale)
            views.append(view)
    return {
        "title": text(section.get("title"), ctx.locale),
        "columns": columns,
        "fields": views,
    }


def _required_message(field: Mapping[str, Any], locale: str) -> str:
    """What the page script shows when this field may be required and is left empty: the
    field's `required_message`, else the server's standard text (the server decides anyway)."""
    if not field.get("required") and field.get("required_when") is None:
        return ""
    own = field.get("required_message")
    mine = text(own, locale) if isinstance(own, Mapping) else ""
    return mine or message(COMMON_MESSAGES, "required", locale)
