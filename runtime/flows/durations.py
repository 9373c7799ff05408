"""ISO-8601 durations and record dates for the flow engine (deadlines, waits). Pure."""

# Private to the engine: the validator may carry its own parser; both read the same subset.

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

_DURATION = re.compile(
    r"(?P<sign>[-+])?P(?:(?P<weeks>\d+)W|(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?)"
)


def parse_duration(text: str) -> timedelta:
    """`PnW` or `PnDTnHnMnS` (optionally signed: `-P1D`) as a timedelta; raise ValueError."""
    match = _DURATION.fullmatch(text) if isinstance(text, str) else None
    parts = match.groupdict() if match is not None else {}
    has_date = bool(parts.get("weeks") or parts.get("days"))
    has_time = any(parts.get(name) for name in ("hours", "minutes", "seconds"))
    if match is None or not (has_date or has_time) or (text.endswith("T")):
        raise ValueError(f"not an ISO-8601 duration: {text!r}")
    delta = timedelta(
        weeks=int(parts["weeks"] or 0),
        days=int(parts["days"] or 0),
        hours=int(parts["hours"] or 0),
        minutes=int(parts["minutes"] or 0),
        seconds=float(parts["seconds"] or 0),
    )
    return -delta if parts["sign"] == "-" else delta


def parse_moment(value: Any) -> datetime | None:
    """A record date (`YYYY-MM-DD`, midnight UTC) or date-time (naive = UTC); None if neither."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def moment_from(
    spec: Mapping[str, Any], record: Mapping[str, Any], now: datetime
) -> tuple[datetime | None, str | None]:
    """When `{after}` / `{duration}` / `{field, offset}` falls: (moment, None) or (None, error)."""
    try:
        if "after" in spec or "duration" in spec:
            return now + parse_duration(str(spec.get("after", spec.get("duration")))), None
        if "field" in spec:
            base = parse_moment(record.get(str(spec["field"])))
            if base is None:
                return None, f"field {spec['field']!r} holds no date"
            return base + parse_duration(str(spec.get("offset") or "P0D")), None
    except ValueError as error:
        return None, str(error)
    return None, "no duration or field"
