"""Approver resolution: specs + record + submitter + directory → usernames. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from runtime.flows.state import copy_json
from runtime.org.directory import Directory

EMPTY_POLICIES = ("auto_approve", "to_admin", "fail")
ADMIN_ROLE = "admin"


@dataclass(frozen=True, slots=True)
class Resolution:
    """Who the specs named, in order without repeats, and what each spec resolved to."""

    users: tuple[str, ...]
    per_spec: tuple[dict[str, Any], ...]  # [{"spec": {...}, "users": [...]}]
    policy: str | None = None  # the empty-approver policy applied, if any
    failed: bool = False  # empty and the policy is `fail` (or `to_admin` found no admin)


def _as_users(value: Any) -> list[str]:
    if isinstance(value, str) and value:
        return [value]
    if isinstance(value, list | tuple):
        return [item for item in value if isinstance(item, str) and item]
    return []


def resolve_spec(
    spec: Mapping[str, Any],
    *,
    record: Mapping[str, Any],
    submitter: str | None,
    directory: Directory,
    chosen: Sequence[str] = (),
) -> list[str]:
    """The users one approver spec names (decision 0005), possibly none."""
    kind = spec.get("type")
    if kind == "users":
        return _as_users(spec.get("users"))
    if kind == "role":
        return list(directory.members_of_role.get(str(spec.get("role")), ()))
    if kind == "submitter":
        return _as_users(submitter)
    if kind == "field":
        return _as_users(record.get(str(spec.get("field"))))
    if kind == "chosen_by_previous":
        return list(chosen)
    if kind != "department_head":
        return []
    # DESIGN §6: the submitter's manager; with `field`, the manager of the user in that field
    # (an owner's manager, for automations that run without a submitter).
    person = _as_users(record.get(str(spec["field"]))) if spec.get("field") else [submitter]
    if person and person[0]:
        chain = directory.head_chain(person[0])
        if spec.get("to_top"):
            return chain
        levels = spec.get("levels", 1)
        if isinstance(levels, int) and 1 <= levels <= len(chain):
            return [chain[levels - 1]]
    return []


def resolve(
    specs: Sequence[Mapping[str, Any]],
    *,
    record: Mapping[str, Any],
    submitter: str | None,
    directory: Directory,
    chosen: Sequence[str] = (),
    empty: str | None = None,
) -> Resolution:
    """Resolve every spec; when nobody is found apply the `empty` policy (None: no policy)."""
    users: dict[str, None] = {}
    per_spec: list[dict[str, Any]] = []
    for spec in specs:
        found = resolve_spec(
            spec, record=record, submitter=submitter, directory=directory, chosen=chosen
        )
        # A copy: the trace must not share objects with the (compiled, shared) definition.
        per_spec.append(
            {"spec": {key: copy_json(value) for key, value in spec.items()}, "users": found}
        )
        # Availability: someone on leave is replaced by their backup (DESIGN §6).
        present = [directory.available(user) if directory.on_leave else user for user in found]
        users.update(dict.fromkeys(user for user in present if user is not None))
    if users or empty is None:
        return Resolution(tuple(users), tuple(per_spec))
    # DESIGN §6: empty approver → auto-approve, to admin, or fail
    if empty == "to_admin":
        admins = tuple(dict.fromkeys(directory.members_of_role.get(ADMIN_ROLE, ())))
        return Resolution(admins, tuple(per_spec), policy=empty, failed=not admins)
    if empty == "auto_approve":
        return Resolution((), tuple(per_spec), policy=empty)
    return Resolution((), tuple(per_spec), policy="fail", failed=True)
