"""Timer rows: one per scheduled deadline, reminder or wait. Shell."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from runtime.db.base import Base
from runtime.db.types import JSONDoc, UTCDateTime


class Timer(Base):
    __tablename__ = "timers"
    __table_args__ = (
        UniqueConstraint("instance_id", "key"),
        Index("ix_timers_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("flow_instances.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))  # pending | fired | cancelled
    payload: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
