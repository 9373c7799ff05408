"""Phone field: E.164 text ("+8613800138000") through `phonenumbers`. Pure."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, ClassVar

import phonenumbers
from typing_extensions import override

from runtime.fields.base import Checker, FieldType, ValueProblem, field_types
from runtime.fields.common import HALFWIDTH, with_common

MOBILE_TYPES = frozenset(
    {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)
# Chinese mobile numbers as people type them: the common case, answered without a full parse.
_CN_MOBILE = re.compile(r"(?:\+?86|0086)?(1\d{10})")
_PUNCTUATION = str.maketrans("", "", " -()")
_E164_CN_MOBILE = re.compile(r"\+86(1\d{10})")


@lru_cache(maxsize=65536)
def cn_mobile_prefix(prefix: str) -> tuple[bool, bool]:
    """(valid, mobile) for an 11-digit CN number starting with `prefix` (7 digits).

    The validity of a Chinese mobile number depends only on its leading digits (number
    ranges), so one full `phonenumbers` check per 7-digit prefix answers for all numbers.
    """
    number = phonenumbers.parse(prefix + "0000", "CN")
    valid = phonenumbers.is_valid_number(number)
    return valid, phonenumbers.number_type(number) in MOBILE_TYPES


@field_types.register
class Phone(FieldType):
    key = "phone"
    version = 1
    label: ClassVar[dict[str, str]] = {"en": "Phone", "zh-CN": "电话"}
    icon = "phone"
    group = "basic"
    widget = "phone"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "region": {"type": "string", "pattern": "^[A-Z]{2}$", "default": "CN"},
            "mobile_only": {"type": "boolean", "default": False},
        },
    }
    example_config: ClassVar[dict[str, Any]] = {"region": "CN", "mobile_only": True}
    messages = with_common(
        {
            "invalid_phone": {
                "en": "Enter a valid phone number.",
                "zh-CN": "请输入有效的电话号码。",
            },
            "not_mobile": {"en": "Enter a mobile number.", "zh-CN": "请输入手机号码。"},
        }
    )

    @override
    def value_schema(self, config: Mapping[str, Any]) -> dict[str, Any]:
        return {"type": "string", "pattern": r"^\+[1-9]\d{5,14}$"}

    @override
    def compile(self, config: Mapping[str, Any]) -> Checker:
        region = config.get("region", "CN")
        mobile_only = bool(config.get("mobile_only", False))

        def check(raw: Any) -> str:
            if isinstance(raw, int) and not isinstance(raw, bool):
                raw = str(raw)
            if not isinstance(raw, str):
                raise ValueProblem("invalid_type")
            if len(raw) > 40:
                raise ValueProblem("invalid_phone")
            text = raw.translate(HALFWIDTH).strip()
            if region == "CN":
                match = _CN_MOBILE.fullmatch(text.translate(_PUNCTUATION))
                if match is not None:
                    valid, mobile = cn_mobile_prefix(match[1][:7])
                    if valid and mobile:
                        return "+86" + match[1]
            try:
                number = phonenumbers.parse(text, region)
            except phonenumbers.NumberParseException:
                raise ValueProblem("invalid_phone") from None
            if not phonenumbers.is_valid_number(number):
                raise ValueProblem("invalid_phone")
            if mobile_only and phonenumbers.number_type(number) not in MOBILE_TYPES:
                raise ValueProblem("not_mobile")
            return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))

        return check

    @override
    def format(self, value: Any, config: Mapping[str, Any], locale: str) -> str:
        """National style ("138 0013 8000") in the field's region, international elsewhere."""
        if value is None:
            return ""
        region = config.get("region", "CN")
        if region == "CN" and isinstance(value, str):
            # The common case without a full parse: a valid Chinese mobile in E.164 reads
            # "138 0013 8000" (the same text phonenumbers gives; tests compare the two).
            match = _E164_CN_MOBILE.fullmatch(value)
            if match is not None and cn_mobile_prefix(match[1][:7]) == (True, True):
                digits = match[1]
                return f"{digits[:3]} {digits[3:7]} {digits[7:]}"
        try:
            number = phonenumbers.parse(value, None)
        except phonenumbers.NumberParseException:
            return str(value)
        same = phonenumbers.region_code_for_number(number) == region
        style = (
            phonenumbers.PhoneNumberFormat.NATIONAL
            if same
            else phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
        return str(phonenumbers.format_number(number, style))
