"""Tasks: what a person has to decide (approve), read (cc) or do (todo). Shell."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from runtime.db.base import Base
from runtime.db.types import JSONDoc, UTCDateTime, utcnow

# The columns a new flow task is written with (prepared INSERTs of the flow shell and actions).
NEW_TASK_COLUMNS = (
    "instance_id",
    "key",
    "node",
    "kind",
    "assignee_id",
    "status",
    "due_at",
    "created_at",
    "version",
)


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("instance_id", "key"),
        # The todo list: one person's open (or done) tasks, newest first.
        Index("ix_tasks_inbox", "assignee_id", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("flow_instances.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    node: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # approve | cc | todo
    assignee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))  # open | done | cancelled
    outcome: Mapped[str | None] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text)
    attachments: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONDoc)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # A todo (create_task action): what to do and how urgent (high | normal | low).
    title: Mapped[str | None] = mapped_column(String(500))
    priority: Mapped[str | None] = mapped_column(String(16))

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's convention
