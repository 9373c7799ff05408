"""The public form's view of one field: widget choice, attributes and labels. Pure."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from runtime.fields.base import field_types
from runtime.i18n import Messages, message, text

# The widgets the public page knows; anything else renders as a text input.
WIDGETS = frozenset(
    {
        "text", "textarea", "number", "money", "percent", "date", "datetime", "email", "tel",
        "url", "select", "radio", "multiselect", "checkbox", "boolean", "rating", "region",
        "user", "department", "line_items", "attachment", "formula", "serial", "rich_text",
    }
)  # fmt: skip
WIDGET_ALIASES = {
    "phone": "tel", "mobile": "tel", "telephone": "tel", "datetime-local": "datetime",
    "long_text": "textarea", "multiline": "textarea", "integer": "number", "decimal": "number",
    "currency": "money", "checkboxes": "checkbox", "multi_select": "multiselect",
    "tags": "multiselect", "bool": "boolean", "switch": "boolean", "toggle": "boolean",
    "stars": "rating", "address": "region", "member": "user", "users": "user",
    "departments": "department", "table": "line_items", "subform": "line_items",
    "sub_table": "line_items", "file": "attachment", "files": "attachment",
    "image": "attachment", "images": "attachment", "computed": "formula",
    "auto_number": "serial", "sequence": "serial", "richtext": "rich_text",
    "upload": "attachment", "user_picker": "user", "department_picker": "department",
    "record_picker": "text",
}  # fmt: skip
NOT_RENDERED = frozenset({"formula", "serial"})
GROUP_WIDGETS = frozenset({"radio", "checkbox", "multiselect", "rating"})
# Widgets labelled by a <span id> + aria-labelledby instead of <label for>.
SPAN_LABELLED = GROUP_WIDGETS | {"line_items", "attachment"}
MULTI_WIDGETS = frozenset({"checkbox", "multiselect"})
WIDE_WIDGETS = frozenset({"textarea", "rich_text", "line_items"})
INPUT_ATTRS: dict[str, dict[str, str]] = {
    "text": {"type": "text"},
    # Text, not type=number: browsers silently drop "1,234.5" or full-width digits that the
    # server's number parser accepts.
    "number": {"type": "text", "inputmode": "decimal"},
    "money": {"type": "text", "inputmode": "decimal"},
    "percent": {"type": "text", "inputmode": "decimal"},
    "date": {"type": "date"},
    "datetime": {"type": "datetime-local"},
    "email": {"type": "email", "autocomplete": "email", "inputmode": "email"},
    "tel": {"type": "tel", "autocomplete": "tel", "inputmode": "tel"},
    "url": {"type": "url", "inputmode": "url"},
    "region": {"type": "text", "autocomplete": "address-level1"},
    "user": {"type": "text", "autocomplete": "off"},
    "department": {"type": "text", "autocomplete": "off"},
}
# Browser autofill hints by conventional field key (DESIGN §7 lead fields).
AUTOCOMPLETE_BY_KEY = {"name": "name", "company": "organization", "title": "organization-title"}
CURRENCY_SIGNS = {"CNY": "¥", "RMB": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}

MESSAGES: Messages = {
    "select_placeholder": {"zh-CN": "请选择", "en": "Select…"},
    "region_placeholder": {"zh-CN": "省/市/区", "en": "Province / City / District"},
    "region_placeholder_city": {"zh-CN": "省/市", "en": "Province / City"},
    "region_placeholder_province": {"zh-CN": "省", "en": "Province"},
    "user_placeholder": {"zh-CN": "用户名", "en": "Username"},
    "department_placeholder": {"zh-CN": "部门", "en": "Department"},
    "attachment_unavailable": {
        "zh-CN": "公开表单暂不支持上传附件。",
        "en": "File uploads are not available on public forms yet.",
    },
    "add_row": {"zh-CN": "添加一行", "en": "Add row"},
    "remove_row": {"zh-CN": "删除", "en": "Remove"},
    "actions": {"zh-CN": "操作", "en": "Actions"},
    "rating_value": {"zh-CN": "{n} 星", "en": "{n} star(s)"},
    "yes": {"zh-CN": "是", "en": "Yes"},
}
_DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}")


class FieldContext:
    """What every field view needs: the locale, submitted values and problems."""

    def __init__(
        self,
        locale: str,
        values: Mapping[str, Any],
        errors: Mapping[str, list[str]],
        use_defaults: bool,
    ) -> None:
        self.locale = locale
        self.values = values
        self.errors = errors
        self.use_defaults = use_defaults

    def value(self, field: Mapping[str, Any]) -> Any:
        key = field["key"]
        if key in self.values:
            return self.values[key]
        default = field.get("default")
        if self.use_defaults and not isinstance(default, Mapping):  # {"formula": ...} is server's
            return default
        return None


def field_view(field: Mapping[str, Any], ctx: FieldContext) -> dict[str, Any] | None:
    """The template's view of one field, or None when the public page does not show it."""
    widget = _widget(field)
    if field.get("hidden") or widget in NOT_RENDERED:
        return None
    key = str(field["key"])
    config: Mapping[str, Any] = field.get("config") or {}
    locale = ctx.locale
    options = _options(config, locale)
    suggestions: list[dict[str, str]] = []
    if widget in {"select", "radio"} and config.get("allow_other"):
        widget, suggestions = "text", options  # options become suggestions of a free text input
    if widget in {"select", "radio", "checkbox", "multiselect"} and not options:
        widget = "text"  # a choice without options (free tags) is typed in
    dom_id = f"fw-f-{key}"
    errors = ctx.errors.get(key, [])
    help_text = text(field.get("help"), locale)
    describedby = [f"{dom_id}-help"] if help_text else []
    if errors:
        describedby.append(f"{dom_id}-error")
    value = ctx.value(field)
    view: dict[str, Any] = {
        "key": key,
        "widget": widget,
        "id": dom_id,
        "label": text(field.get("label"), locale) or key,
        "help": help_text,
        "placeholder": text(field.get("placeholder"), locale),
        "required": bool(field.get("required")),
        "readonly": bool(field.get("readonly")),
        "errors": errors,
        "describedby": " ".join(describedby),
        "visible_when": field.get("visible_when"),
        "required_when": field.get("required_when"),
        "readonly_when": field.get("readonly_when"),
        "wide": widget in WIDE_WIDGETS,
        "group": widget in SPAN_LABELLED,
        "multiple": widget in MULTI_WIDGETS,
        "value": _as_text(value),
        "selected": _as_list(value),
        "options": options,
        "suggestions": suggestions,
        "attrs": {},
        "prefix": "",
        "suffix": "",
        "note": "",
    }
    _widget_details(view, field, config, value, locale)
    return view


def _widget_details(
    view: dict[str, Any],
    field: Mapping[str, Any],
    config: Mapping[str, Any],
    value: Any,
    locale: str,
) -> None:
    widget = view["widget"]
    attrs = dict(INPUT_ATTRS.get(widget, {}))
    if widget == "text" and view["key"] in AUTOCOMPLETE_BY_KEY:
        attrs["autocomplete"] = AUTOCOMPLETE_BY_KEY[view["key"]]
    if widget in {"text", "textarea", "rich_text"} and isinstance(config.get("max_length"), int):
        attrs["maxlength"] = str(config["max_length"])
    if widget == "number":
        if config.get("decimals", 0) == 0 or field.get("type") == "integer":
            attrs["inputmode"] = "numeric"
        view["suffix"] = str(config.get("unit") or "")
    if widget == "money":
        currency = str(config.get("currency", "CNY"))
        view["prefix"] = CURRENCY_SIGNS.get(currency, currency)
    if widget == "percent":
        view["suffix"] = "%"
    if widget == "date" and _DATE_RE.match(view["value"]):
        view["value"] = view["value"][:10]
    if widget == "datetime" and _DATETIME_RE.match(view["value"]):
        view["value"] = view["value"][:16].replace(" ", "T")
    if widget in {"region", "user", "department"} and not view["placeholder"]:
        level = config.get("level") if widget == "region" else None
        code = f"{widget}_placeholder" + (f"_{level}" if level in {"province", "city"} else "")
        view["placeholder"] = _message(code, locale)
    if widget == "select":
        view["empty_label"] = _message("select_placeholder", locale)
    if widget == "boolean":
        view["checked"] = value is True or view["value"].lower() in {"true", "on", "1", "yes"}
        view["option_label"] = text(config.get("true_label"), locale) or _message("yes", locale)
    if widget == "rating":
        top = config.get("max", 5)
        top = top if isinstance(top, int) and 1 <= top <= 10 else 5
        view["options"] = [
            {"value": str(n), "label": _message("rating_value", locale, n=n)}
            for n in range(1, top + 1)
        ]
    if widget == "attachment":
        view["note"] = _message("attachment_unavailable", locale)
    if widget == "line_items":
        view.update(_line_items(config, value, locale))
    if view["suggestions"]:
        attrs["list"] = f"{view['id']}-options"
    view["attrs"] = attrs


def _line_items(config: Mapping[str, Any], value: Any, locale: str) -> dict[str, Any]:
    """Columns, submitted rows and labels of a line-items table (inputs `key[i][column]`)."""
    columns: list[dict[str, Any]] = []
    row_formulas = config.get("row_formulas") or {}
    for column in config.get("columns") or []:
        if not isinstance(column, Mapping) or "key" not in column:
            continue
        widget = _widget(column)
        col_config: Mapping[str, Any] = column.get("config") or {}
        options = _options(col_config, locale)
        if widget in {"formula", "serial"} or column["key"] in row_formulas:
            kind = "computed"  # the server computes it (row formula) and ignores client input
        elif widget in {"select", "radio"} and options:
            kind = "select"
        elif widget in {"number", "money", "percent"}:
            kind = "number"
        else:
            kind = "text"
        columns.append(
            {
                "key": str(column["key"]),
                "label": text(column.get("label"), locale) or str(column["key"]),
                "kind": kind,
                "options": options,
                "required": bool(column.get("required")),
            }
        )
    if isinstance(value, Mapping):  # {"0": {...}, "1": {...}} from a parsed form body
        value = [value[k] for k in sorted(value, key=lambda k: (len(str(k)), str(k)))]
    rows: list[dict[str, str]] = []
    if isinstance(value, list | tuple):
        for row in value:
            if isinstance(row, Mapping):
                rows.append({c["key"]: _as_text(row.get(c["key"])) for c in columns})
    min_rows = config.get("min_rows", 1)
    min_rows = min_rows if isinstance(min_rows, int) and 0 <= min_rows <= 50 else 1
    while len(rows) < max(min_rows, 1):
        rows.append({c["key"]: "" for c in columns})
    return {
        "columns": columns,
        "rows": rows,
        "add_label": _message("add_row", locale),
        "remove_label": _message("remove_row", locale),
        "actions_label": _message("actions", locale),
        "select_label": _message("select_placeholder", locale),
        "min_rows": min_rows,
    }


def _widget(field: Mapping[str, Any]) -> str:
    entry = field_types.get(str(field.get("type", "")))
    if entry is not None and entry.is_computed:
        return "formula"
    registered = entry.widget if entry is not None else None
    candidates = [field.get("widget"), registered if registered != "text" else None]
    candidates += [field.get("type"), registered]
    for candidate in candidates:
        if isinstance(candidate, str):
            name = WIDGET_ALIASES.get(candidate, candidate)
            if name in WIDGETS:
                return name
    return "text"


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ", ".join(_as_text(v) for v in value)
    return str(value)


def _as_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple | set | frozenset):
        return [_as_text(v) for v in value]
    return [_as_text(value)]


def _options(config: Mapping[str, Any], locale: str) -> list[dict[str, str]]:
    out = []
    for option in config.get("options") or []:
        if isinstance(option, Mapping):
            value = _as_text(option.get("value"))
            label = text(option.get("label"), locale) or value
        else:
            value = label = _as_text(option)
        out.append({"value": value, "label": label})
    return out


def _message(code: str, locale: str, **params: object) -> str:
    return message(MESSAGES, code, locale, **params)
