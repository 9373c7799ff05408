"""Sequence enrolment: may a record enter a sequence (again), and as which enrolment. Pure.

A flow with `sequence` {reenroll, min_gap} is a sequence; each start is an enrolment of the
record, numbered 1, 2, … per (sequence, record). `reenroll`:
- `never` (the default): one enrolment per record;
- `after_finished`: again once the last enrolment has ended — finished or exited;
- `always`: at each start; a running enrolment is asked to exit first.
`min_gap` is the least time from the last enrolment's end (its start, while it still runs) to
the next one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from runtime.definitions.durations import DurationError, parse_duration

REENROLL = ("never", "after_finished", "always")


@dataclass(frozen=True, slots=True)
class Last:
    """The record's latest enrolment in the sequence."""

    number: int
    running: bool
    enrolled_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True, slots=True)
class Verdict:
    number: int | None  # the new enrolment's number; None: not enrolled
    reason: str | None = None  # why not: already_enrolled | still_running | too_soon
    exit_running: bool = False  # `always`: the running enrolment exits first
    not_before: datetime | None = None  # too_soon: when the gap has passed

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"reason": self.reason}
        if self.not_before is not None:
            out["not_before"] = self.not_before.isoformat()
        return out


def is_sequence(doc: Mapping[str, Any]) -> bool:
    return isinstance(doc.get("sequence"), Mapping)


def decide(setting: Mapping[str, Any], last: Last | None, now: datetime) -> Verdict:
    """Whether the record enrols now, given the sequence's setting and its last enrolment."""
    if last is None:
        return Verdict(1)
    policy = setting.get("reenroll") or "never"
    if policy not in REENROLL or policy == "never":
        return Verdict(None, "already_enrolled")
    if policy == "after_finished" and last.running:
        return Verdict(None, "still_running")
    since = last.enrolled_at if last.running or last.ended_at is None else last.ended_at
    ready = since + gap(setting)
    if now < ready:
        return Verdict(None, "too_soon", not_before=ready)
    return Verdict(last.number + 1, exit_running=last.running)


def gap(setting: Mapping[str, Any]) -> timedelta:
    """`min_gap` (nothing when missing; a negative or broken one counts as none)."""
    text = setting.get("min_gap")
    if not isinstance(text, str):
        return timedelta(0)
    try:
        found = parse_duration(text)
    except DurationError:
        return timedelta(0)
    return max(found, timedelta(0))
