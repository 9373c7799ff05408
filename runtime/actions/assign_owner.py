"""assign_owner: pick a user through an assignment policy and write it into a user field. Shell.

The policy decides (runtime/assignment, pure); this module reads what it needs: the available
candidates (active users), a turn from a persisted counter per flow node (round robin: the
counter is one atomic upsert, so two records assigned at once get different turns), and the
open load per candidate (live records of the form they own). The decision and its reasons go
into the result, which the flow's trace keeps.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from runtime.actions.base import ActionContext, ActionType, action_types
from runtime.assignment.policies import Inputs, Policy, policies
from runtime.org import service as org
from runtime.records import service as records
from runtime.records.models import Record, SerialCounter


@action_types.register
class AssignOwner(ActionType):
    key = "assign_owner"
    label: ClassVar[dict[str, str]] = {"zh-CN": "分配负责人", "en": "Assign owner"}
    icon = "people"
    group = "assignment"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["policy", "config"],
        "properties": {
            "policy": {"enum": ["round_robin", "load_balance", "field_map", "skill_match"]},
            "config": {"type": "object"},
            "field": {"type": "string", "default": "owner"},
        },
    }

    def run(self, ctx: ActionContext) -> dict[str, Any]:
        record = ctx.record
        if record is None or record.deleted_at is not None:
            return {"error": "record deleted"}
        policy = policies.get(str(ctx.params.get("policy")))
        if policy is None:
            return {"error": f"unknown assignment policy {ctx.params.get('policy')!r}"}
        config = dict(ctx.params.get("config") or {})
        problems = policy.problems(config)
        if problems:
            return {
                "error": "invalid assignment config",
                "problems": [p.to_json() for p in problems],
            }
        scope = cursor_scope(ctx.instance.app_key, ctx.instance.flow_key, ctx.key)
        inputs = gather(ctx.db, policy, config, record, scope=scope, take_turn=True, now=ctx.now)
        choice = policy.choose(config, inputs)
        if choice.user is None:
            return {"error": "nobody to assign", "why": choice.why}
        field = str(ctx.params.get("field") or "owner")
        records.update_record(
            ctx.db,
            record=record,
            raw={field: choice.user},
            expected_version=None,
            actor=None,
            now=ctx.now,
            via="flow",
        )
        return {
            "assigned": choice.user,
            "field": field,
            "why": choice.why,
            "record": dict(record.data),
        }


def cursor_scope(app_key: str, flow_key: str, action_key: str) -> str:
    """One round-robin counter per flow node (the action key is `node:attempt`)."""
    return f"assign:{app_key}/{flow_key}/{action_key.split(':', 1)[0]}"


def gather(
    db: Session,
    policy: Policy,
    config: Mapping[str, Any],
    record: Record,
    *,
    scope: str,
    take_turn: bool,
    now: datetime,
) -> Inputs:
    """The policy's inputs; `take_turn` advances the round-robin counter (False: only peek)."""
    directory = org.directory(db)
    # Active users only; someone on leave is replaced by their backup (or left out).
    present = (
        directory.available(user)
        for user in policy.candidates(config)
        if user in directory.department_of
    )
    candidates = tuple(dict.fromkeys(user for user in present if user is not None))
    turn = 0
    if policy.uses_turn(config):
        if take_turn:
            turn = records.next_serial(db, scope=scope)
        else:
            current = db.scalar(select(SerialCounter.value).where(SerialCounter.scope == scope))
            turn = int(current or 0) + 1
    loads: dict[str, int] = {}
    if policy.uses_loads(config) and candidates:
        ids = org.user_ids(db)
        names = {ids[user]: user for user in candidates if user in ids}
        rows = db.execute(
            select(Record.owner_id, func.count(Record.id))
            .where(
                Record.app_key == record.app_key,
                Record.form_key == record.form_key,
                Record.deleted_at.is_(None),
                Record.owner_id.in_(list(names)),
            )
            .group_by(Record.owner_id)
        )
        loads = {names[owner]: int(count) for owner, count in rows if owner in names}
    return Inputs(candidates, dict(record.data), turn, loads, now)
