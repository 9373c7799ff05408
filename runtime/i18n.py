"""Locales and message lookup (zh-CN and en). Pure."""

from __future__ import annotations

from collections.abc import Mapping

LOCALES = ("zh-CN", "en")
DEFAULT_LOCALE = "zh-CN"

Messages = Mapping[str, Mapping[str, str]]


def pick_locale(requested: str | None) -> str:
    """Map a `?lang=` value or an Accept-Language header to one of LOCALES."""
    if not requested:
        return DEFAULT_LOCALE
    for part in requested.split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return DEFAULT_LOCALE


def text(label: Mapping[str, str] | str | None, locale: str) -> str:
    """Pick the label for `locale`, falling back to the other locale, then ''."""
    if label is None:
        return ""
    if isinstance(label, str):
        return label
    return label.get(locale) or label.get(DEFAULT_LOCALE) or label.get("en") or ""


def texts(words: Mapping[str, Mapping[str, str] | str], locale: str) -> dict[str, str]:
    """A page's word table (key → {locale: text}) in `locale`."""
    return {key: text(value, locale) for key, value in words.items()}


def message(messages: Messages, code: str, locale: str, **params: object) -> str:
    """Format the message for `code` in `locale`; unknown codes fall back to the code itself."""
    by_locale = messages.get(code)
    if by_locale is None:
        return code
    template = by_locale.get(locale) or by_locale.get("en") or code
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template
