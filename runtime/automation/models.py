"""Events (the transactional outbox of changes), their handling log, in-app notifications. Shell."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from runtime.db.base import Base
from runtime.db.types import JSONDoc, UTCDateTime


class Event(Base):
    """Something happened to a record (created, updated …), written in the same transaction.

    Delivery is at least once (a dispatcher reads pending rows); handling is exactly once per
    (event, handler) through `event_handlings`. `cause_id`/`depth` chain events an automation
    caused, so a rule that re-triggers itself is stopped (decision 0008).
    """

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_pending", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    app_key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))  # record_created | _updated | _deleted
    form_key: Mapped[str | None] = mapped_column(String(64))
    record_id: Mapped[int | None] = mapped_column(
        ForeignKey("records.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    cause_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    depth: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # pending | done
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EventHandling(Base):
    """One handler's verdict on one event: the unique pair makes handling exactly once."""

    __tablename__ = "event_handlings"
    # The outcome index: incidents list failed starts newest first (decision 0008).
    __table_args__ = (
        UniqueConstraint("event_id", "handler"),
        Index("ix_event_handlings_outcome", "outcome", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    handler: Mapped[str] = mapped_column(String(200))  # flow:<app>/<key>
    outcome: Mapped[str] = mapped_column(String(16))  # started | skipped | loop_guard | failed
    instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("flow_instances.id", ondelete="SET NULL")
    )
    detail: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Notification(Base):
    """An in-app notification; `key` makes the action that sends it idempotent."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user", "user_id", "read_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    app_key: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[int | None] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("flow_instances.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboxItem(Base):
    """Work that leaves the process (an HTTP call …), written with the step that asked for it.

    A worker claims due items (a lease), calls out with the item's key as Idempotency-Key, and
    reports the result to the waiting flow as `action_done`. Failures retry with backoff; the
    last one leaves the item `failed` — an incident an operator sees and can retry.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_try_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(32))  # http
    instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("flow_instances.id", ondelete="SET NULL")
    )
    action_key: Mapped[str | None] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    status: Mapped[str] = mapped_column(String(16))  # pending | working | done | failed
    attempts: Mapped[int] = mapped_column(Integer)
    next_try_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TriggerFiring(Base):
    """A time trigger fired for one record and one occurrence (its date value): once ever."""

    __tablename__ = "trigger_firings"
    __table_args__ = (UniqueConstraint("app_key", "flow_key", "record_id", "occurrence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    app_key: Mapped[str] = mapped_column(String(64))
    flow_key: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    occurrence: Mapped[str] = mapped_column(String(64))
    instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("flow_instances.id", ondelete="SET NULL")
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime)
