"""Email field: normalised address (domain lower-cased) via `email_validator`. Pure."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, ClassVar

from email_validator import EmailNotValidError, validate_email
from typing_extensions import override

from runtime.fields.base import Checker, FieldType, ValueProblem, field_types
from runtime.fields.common import HALFWIDTH, with_common

MAX_EMAIL = 254
# Plain ASCII addresses (nearly all of them) take a fast path: the local part is checked by
# this dot-atom pattern and the domain by email_validator once per distinct domain.
_PLAIN = re.compile(
    r"(?P<local>[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*)"
    r"@(?P<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})"
)


@lru_cache(maxsize=4096)
def normalised_domain(domain: str) -> str | None:
    """The domain as email_validator normalises it, or None when it is not acceptable."""
    try:
        return str(validate_email("a@" + domain, check_deliverability=False).domain)
    except EmailNotValidError:
        return None


def check_email(raw: Any) -> str:
    """Return the normalised address or raise `invalid_email`."""
    if not isinstance(raw, str):
        raise ValueProblem("invalid_type")
    if len(raw) > MAX_EMAIL + 20:
        raise ValueProblem("invalid_email")
    text = raw.translate(HALFWIDTH).strip()
    plain = _PLAIN.fullmatch(text)
    if plain is not None and len(plain["local"]) <= 64 and len(text) <= MAX_EMAIL:
        domain = normalised_domain(plain["domain"])
        if domain is None:
            raise ValueProblem("invalid_email")
        return plain["local"] + "@" + domain
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        raise ValueProblem("invalid_email") from None
    return str(result.normalized)


@field_types.register
class Email(FieldType):
    key = "email"
    version = 1
    label: ClassVar[dict[str, str]] = {"en": "Email", "zh-CN": "邮箱"}
    icon = "mail"
    group = "basic"
    widget = "email"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {},
    }
    example_config: ClassVar[dict[str, Any]] = {}
    messages = with_common(
        {"invalid_email": {"en": "Enter a valid email address.", "zh-CN": "请输入有效的邮箱地址。"}}
    )

    @override
    def value_schema(self, config: Mapping[str, Any]) -> dict[str, Any]:
        return {"type": "string", "format": "email", "maxLength": MAX_EMAIL}

    @override
    def compile(self, config: Mapping[str, Any]) -> Checker:
        return check_email
