"""Flow instances and their trace rows. Shell."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from runtime.db.base import Base
from runtime.db.types import JSONDoc, UTCDateTime, utcnow


class FlowInstance(Base):
    """One run of a published flow version on one record; `state` is the engine's JSON."""

    __tablename__ = "flow_instances"
    __table_args__ = (
        Index("ix_flow_instances_record", "record_id", "status"),
        Index("ix_flow_instances_parent", "parent_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    app_key: Mapped[str] = mapped_column(String(64))
    flow_key: Mapped[str] = mapped_column(String(64))
    flow_version: Mapped[int] = mapped_column(Integer)
    definition_id: Mapped[int] = mapped_column(ForeignKey("definitions.id", ondelete="RESTRICT"))
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    submitter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16))
    state: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    trace_count: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A subflow's parent instance and the key of the parent's subflow node that waits for it.
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("flow_instances.id", ondelete="SET NULL")
    )
    parent_key: Mapped[str | None] = mapped_column(String(128))

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's convention


class FlowTrace(Base):
    """One trace entry: a node entered or left, a condition's value, an approver, an effect."""

    __tablename__ = "flow_traces"
    __table_args__ = (Index("ix_flow_traces_instance", "instance_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("flow_instances.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    node: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    data: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
