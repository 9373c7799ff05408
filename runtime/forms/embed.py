"""The embed script: embed.js with the form's URL filled in, as text. Pure."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

EMBED_JS_PATH = Path(__file__).resolve().parents[2] / "static" / "js" / "pages" / "embed.js"
EMBED_PLACEHOLDER = 'var FORM_URL = "__FORMWORK_FORM_URL__";'


def embed_script(*, form_url: str) -> str:
    """Return embed.js with `form_url` filled in as a safe JavaScript string literal."""
    if not re.match(r"^https?://[^\s/]", form_url):
        raise ValueError("form_url must be an absolute http(s) URL")
    source = _embed_source()
    if source.count(EMBED_PLACEHOLDER) != 1:
        raise RuntimeError(f"{EMBED_JS_PATH} must contain {EMBED_PLACEHOLDER!r} exactly once")
    literal = (
        json.dumps(form_url, ensure_ascii=True)
        .replace("</", "<\\/")
        .replace("<!--", "\\u003c!--")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
    return source.replace(EMBED_PLACEHOLDER, f"var FORM_URL = {literal};")


@cache
def _embed_source() -> str:
    return EMBED_JS_PATH.read_text(encoding="utf-8")
