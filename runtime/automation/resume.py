"""An operator's retry of a failed step: the flow goes on from the action that failed. Shell.

When an action fails its node (a refused call, a failing `update_fields`), the action node's
error entry in the trace keeps the token that failed (its attempt, branches, trail) and the
nodes of the tokens that ended with it. Retrying gives the engine a `retry` event with that
token: the instance is running again at the same node, the action runs again under the same
key — so its idempotency key, its outbox item and the rows it keys by it are the same — and
the flow goes on to its end. A call whose retries ran out leaves its token waiting at the node;
retrying it sends the `retry` event to that token. Either way the trace, and so the run log,
shows the retry and what followed as new steps of the same run.

Tokens that ended with the failure come back too when they held nothing to re-create (a wait
for a signal, such as a sequence's exit branch, or for another call). An instance whose other
branches held tasks or timers is not resumed: the failure cancelled them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from runtime.automation import events
from runtime.automation.models import OutboxItem
from runtime.flows import service as flows
from runtime.flows.models import FlowInstance, FlowTrace

ACTION_FAILED = "action_failed"


@dataclass(frozen=True, slots=True)
class FailedStep:
    """The action an instance failed at, from its last error entry."""

    instance_id: int
    seq: int
    node: str
    key: str
    error: str
    token: dict[str, Any] | None  # None: traced before tokens were recorded
    others: tuple[dict[str, Any], ...]  # the tokens that ended with it
    attempts: int  # how often this action failed (the first time and after each retry)

    @property
    def resumable(self) -> bool:
        return self.token is not None and not self.lost_branches

    @property
    def lost_branches(self) -> bool:
        """Whether a token that ended with the failure held tasks or timers (cancelled then)."""
        return any(
            not isinstance(other, dict)
            or (other.get("data") or {}).get("timers")
            or any(
                task.get("status") == "open"
                for task in ((other.get("data") or {}).get("tasks") or {}).values()
            )
            for other in self.others
        )


def failed_steps(db: Session, instance_ids: list[int]) -> dict[int, FailedStep]:
    """Per instance, the failed action its last error entry names (none: another error)."""
    if not instance_ids:
        return {}
    rows = db.execute(
        select(FlowTrace.instance_id, FlowTrace.seq, FlowTrace.node, FlowTrace.data)
        .where(FlowTrace.instance_id.in_(instance_ids), FlowTrace.kind == "error")
        .order_by(FlowTrace.instance_id, FlowTrace.seq)
    )
    last: dict[int, tuple[int, str | None, dict[str, Any]]] = {}
    failures: dict[tuple[int, str], int] = {}
    for instance_id, seq, node, data in rows:
        last[instance_id] = (seq, node, data)
        if data.get("code") == ACTION_FAILED:
            pair = (instance_id, str(data.get("key")))
            failures[pair] = failures.get(pair, 0) + 1
    found = {}
    for instance_id, (seq, node, data) in last.items():
        if data.get("code") != ACTION_FAILED or node is None or not data.get("key"):
            continue
        result = data.get("result") or {}
        token = data.get("token")
        key = str(data["key"])
        found[instance_id] = FailedStep(
            instance_id,
            seq,
            node,
            key,
            str(result.get("error") or ACTION_FAILED),
            dict(token) if isinstance(token, dict) else None,
            tuple(other for other in data.get("others") or () if isinstance(other, dict)),
            failures.get((instance_id, key), 1),
        )
    return found


def retried_since(db: Session, *, instance_id: int, seq: int) -> bool:
    """Whether an operator retried the instance after its trace entry `seq`."""
    found = db.scalar(
        select(FlowTrace.id)
        .where(
            FlowTrace.instance_id == instance_id,
            FlowTrace.kind == "retry",
            FlowTrace.seq > seq,
        )
        .limit(1)
    )
    return found is not None


def waiting_node(instance: FlowInstance, key: str) -> str | None:
    """The node where a token of a running instance waits for the action `key`."""
    if instance.status != "running":
        return None
    for token in instance.state.get("tokens", ()):
        if (token.get("data") or {}).get("action_key") == key:
            return str(token["node"])
    return None


def resume(
    db: Session, *, instance: FlowInstance, step: FailedStep, by: str | None, now: datetime
) -> str:
    """Run the failed action of a failed instance again and go on; the instance's status."""
    reopen_items(db, instance_id=instance.id, action_key=step.key, now=now)
    db.flush()
    # Running again: it has not finished (it will say when it does).
    db.execute(
        update(FlowInstance)
        .where(FlowInstance.id == instance.id)
        .values(finished_at=None)
        .execution_options(synchronize_session=False)
    )
    set_committed_value(instance, "finished_at", None)
    event = {
        "type": "retry",
        "node": step.node,
        "key": step.key,
        "by": by,
        "token": step.token,
        "others": list(step.others),
    }
    flows.handle_event(db, instance_id=instance.id, event=event, now=now)
    db.info[events.WRITTEN] = True  # the commit wakes whoever sends what it queued
    return instance.status


def rerun_waiting(
    db: Session, *, instance: FlowInstance, node: str, key: str, by: str | None, now: datetime
) -> None:
    """The token waiting for `key` runs its action again (the trace shows the retry)."""
    event = {"type": "retry", "node": node, "key": key, "by": by}
    flows.handle_event(db, instance_id=instance.id, event=event, now=now)


def reopen_items(db: Session, *, instance_id: int, action_key: str, now: datetime) -> None:
    """The action's failed outbox items are due again, with their attempts back at 0."""
    items = db.scalars(
        select(OutboxItem).where(
            OutboxItem.instance_id == instance_id,
            OutboxItem.action_key == action_key,
            OutboxItem.status == "failed",
        )
    )
    for item in items:
        reopen(item, now)


def reopen(item: OutboxItem, now: datetime) -> None:
    item.status, item.attempts = "pending", 0
    item.next_try_at = min(item.next_try_at, now)  # due at once (its due time has passed)
    item.done_at = item.lease_until = None
