"""Helpers shared by field types: parsing, decimals, option lists, config fragments. Pure."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from runtime.errors import InvalidDefinition, Problem
from runtime.fields.base import COMMON_MESSAGES, ValueProblem
from runtime.i18n import Messages

# Full-width ASCII (U+FF01..U+FF5E) and the ideographic space → their ASCII forms.
HALFWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}

MAX_NUMBER_TEXT = 64  # longer number input is rejected before any parsing
PLACES = [Decimal(1).scaleb(-places) for places in range(13)]

_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_GROUPED_NUMBER = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")

LOCALE_LABEL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"zh-CN": {"type": "string"}, "en": {"type": "string"}},
}

OPTIONS_SCHEMA: dict[str, Any] = {
    "type": "array",
    "maxItems": 500,
    "items": {
        "type": "object",
        "additionalProperties": False,
        "required": ["value"],
        "properties": {
            "value": {"type": "string", "minLength": 1, "maxLength": 200},
            "label": LOCALE_LABEL_SCHEMA,
            "color": {"type": "string", "maxLength": 20},
        },
    },
}

DECIMAL_BOUND_SCHEMA: dict[str, Any] = {
    "type": ["number", "string"],
    "pattern": r"^-?\d+(\.\d+)?$",
}

TIMEZONE_SCHEMA: dict[str, Any] = {
    "type": "string",
    "pattern": r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*$",
    "maxLength": 64,
    "default": "Asia/Shanghai",
}


def with_common(messages: Messages) -> dict[str, dict[str, str]]:
    """The type's own messages plus the messages every type may raise."""
    out = {code: dict(texts) for code, texts in COMMON_MESSAGES.items()}
    out.update({code: dict(texts) for code, texts in messages.items()})
    return out


def bad_config(code: str, message: str, pointer: str = "/config") -> InvalidDefinition:
    """An `InvalidDefinition` for a config the schema accepts but compile() cannot use."""
    return InvalidDefinition(code, message, [Problem(code, message, pointer=pointer)])


def reject_input(_raw: Any) -> Any:
    """The checker of a computed type: client input is never accepted."""
    raise ValueProblem("read_only")


def to_decimal(raw: object) -> Decimal:
    """Parse a JSON number or a form string ("1,234.5", "１２３") into a finite Decimal."""
    if isinstance(raw, bool):
        raise ValueProblem("invalid_type")
    if isinstance(raw, int):
        if abs(raw) >= 10**30:
            raise ValueProblem("invalid_number")
        return Decimal(raw)
    if isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            raise ValueProblem("invalid_number")
        return Decimal(repr(raw))
    if isinstance(raw, Decimal):
        if not raw.is_finite():
            raise ValueProblem("invalid_number")
        return raw
    if not isinstance(raw, str):
        raise ValueProblem("invalid_type")
    if len(raw) > MAX_NUMBER_TEXT:
        raise ValueProblem("invalid_number")
    text = raw.translate(HALFWIDTH).strip()
    if "," in text:
        if _GROUPED_NUMBER.fullmatch(text) is None:
            raise ValueProblem("invalid_number")
        text = text.replace(",", "")
    elif _PLAIN_NUMBER.fullmatch(text) is None:
        raise ValueProblem("invalid_number")
    return Decimal(text)


def config_decimal(value: object) -> Decimal | None:
    """A bound from config (JSON number or decimal string) as Decimal, or None."""
    if value is None:
        return None
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))


def quantize(value: Decimal, places: int) -> Decimal:
    """Round half-up to `places` decimal places; huge values are `invalid_number`."""
    try:
        out = value.quantize(PLACES[places], rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise ValueProblem("invalid_number") from None
    return out.copy_abs() if out.is_zero() else out


def decimal_text(value: Decimal) -> str:
    """Plain positional text of a Decimal (never an exponent)."""
    return format(value, "f")


def trim_zeros(value: Decimal) -> str:
    """Decimal text without trailing fractional zeros ("0.7500" → "0.75", "1.00" → "1")."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def grouped(value: Decimal) -> str:
    """Decimal text with thousands separators ("1,234.50")."""
    return format(value, ",f")


def option_label(option: Mapping[str, Any], locale: str) -> str:
    """The option's label in `locale`, falling back to the other locale and then its value."""
    label = option.get("label") or {}
    return str(label.get(locale) or label.get("en") or label.get("zh-CN") or option["value"])


def option_lookup(options: list[Mapping[str, Any]]) -> dict[str, tuple[int, str]]:
    """Map each option value and label (either locale) → (position, value)."""
    lookup: dict[str, tuple[int, str]] = {}
    for position, option in enumerate(options):
        value = str(option["value"])
        for label in (option.get("label") or {}).values():
            lookup.setdefault(str(label), (position, value))
    for position, option in enumerate(options):
        lookup[str(option["value"])] = (position, str(option["value"]))
    return lookup


def canonical_result(result: object) -> object:
    """A formula result as a canonical JSON value (Decimal → decimal text, dates → ISO)."""
    if result is None or isinstance(result, bool | str):
        return result
    if isinstance(result, int):
        return result
    if isinstance(result, float):
        result = Decimal(repr(result))
    if isinstance(result, Decimal):
        return trim_zeros(result)
    if isinstance(result, datetime):
        return result.isoformat().replace("+00:00", "Z")
    if isinstance(result, date):
        return result.isoformat()
    return str(result)


def canonical_decimal(places: int) -> re.Pattern[str]:
    """Matches text already in the stored form of a non-negative decimal with `places` places.

    Checkers return such text unchanged (after their range checks) instead of parsing, rounding
    and printing it again: most values arrive this way, from the API and from stored records.
    """
    whole = r"(?:0|[1-9]\d{0,27})"
    return re.compile(rf"{whole}\.\d{{{places}}}" if places else whole)
