"""ISO-8601 durations of flow definitions (`PT15M`, `P1D`, `-P1D`, `P2W`). Pure.

Only exact lengths are accepted: days, hours, minutes and seconds (which alone may have a
fraction), or weeks alone. Years and months have no fixed length, so `P1M` is refused rather than
guessed. The subset is the one the engine's `runtime.flows.durations` reads.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

_INTEGER = r"\d+"
_DECIMAL = r"\d+(?:\.\d+)?"  # only seconds take a fraction, as the engine reads them
_DURATION = re.compile(
    rf"""
    (?P<sign>-)?P
    (?:
        (?P<weeks>{_INTEGER})W
      |
        (?:(?P<days>{_INTEGER})D)?
        (?:T
            (?:(?P<hours>{_INTEGER})H)?
            (?:(?P<minutes>{_INTEGER})M)?
            (?:(?P<seconds>{_DECIMAL})S)?
        )?
    )
    """,
    re.VERBOSE,
)
_UNITS = ("weeks", "days", "hours", "minutes", "seconds")
_SECONDS = {"weeks": 604_800, "days": 86_400, "hours": 3_600, "minutes": 60, "seconds": 1}
MAX_LENGTH = 64
MAX_SECONDS = Decimal(timedelta.max.days) * 86_400


class DurationError(ValueError):
    """The text is not a duration this parser accepts."""


def parse_duration(text: str) -> timedelta:
    """The `timedelta` of an ISO-8601 duration; raise `DurationError` when it is not one."""
    if not isinstance(text, str) or len(text) > MAX_LENGTH:
        raise DurationError(f"{text!r} is not an ISO-8601 duration")
    match = _DURATION.fullmatch(text)
    if match is None or text.endswith("T") or not any(match.group(unit) for unit in _UNITS):
        date_part = text.partition("T")[0]
        if "Y" in date_part or "M" in date_part:
            raise DurationError(f"{text!r} uses years or months, which have no fixed length")
        raise DurationError(
            f"{text!r} is not an ISO-8601 duration such as PT15M, PT4H, P1D, P1DT12H or P2W"
        )
    total = Decimal(0)
    for unit in _UNITS:
        raw = match.group(unit)
        if raw is not None:
            total += Decimal(raw) * _SECONDS[unit]
    if total > MAX_SECONDS:
        raise DurationError(f"{text!r} is too long")
    seconds = int(total)
    microseconds = int(((total - seconds) * 1_000_000).to_integral_value())
    delta = timedelta(seconds=seconds, microseconds=microseconds)
    return -delta if match.group("sign") else delta


def is_duration(text: object) -> bool:
    """Whether `parse_duration` accepts `text`."""
    if not isinstance(text, str):
        return False
    try:
        parse_duration(text)
    except DurationError:
        return False
    return True


def format_duration(delta: timedelta) -> str:
    """The ISO-8601 text of `delta` (`P1DT2H`, `-PT30M`, `PT0S`); `parse_duration` reads it back."""
    sign = "-" if delta < timedelta(0) else ""
    delta = abs(delta)
    days, rest = delta.days, delta.seconds
    hours, rest = divmod(rest, 3_600)
    minutes, seconds = divmod(rest, 60)
    time = ""
    if hours:
        time += f"{hours}H"
    if minutes:
        time += f"{minutes}M"
    if seconds or delta.microseconds:
        fraction = f".{delta.microseconds:06d}".rstrip("0") if delta.microseconds else ""
        time += f"{seconds}{fraction}S"
    if not days and not time:
        return "PT0S"
    return f"{sign}P{f'{days}D' if days else ''}{f'T{time}' if time else ''}"
