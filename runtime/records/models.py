"""Records, their field-level audit trail, serial counters, public submissions. Shell."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from runtime.db.base import Base
from runtime.db.types import JSONDoc, UTCDateTime, utcnow


class Record(Base):
    __tablename__ = "records"
    __table_args__ = (
        Index("ix_records_form_live", "app_key", "form_key", "deleted_at", "id"),
        Index("ix_records_form_created", "app_key", "form_key", "created_at", "id"),
        Index("ix_records_form_updated", "app_key", "form_key", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    app_key: Mapped[str] = mapped_column(String(64))
    form_key: Mapped[str] = mapped_column(String(64))
    form_version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's convention


class RecordEvent(Base):
    """One audit entry: who did what to a record, with the field-level changes."""

    __tablename__ = "record_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # created | updated | deleted | restored
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    via: Mapped[str] = mapped_column(String(32), default="api")  # api | public_form | import | ui
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SerialCounter(Base):
    """The last number handed out per serial scope (e.g. 'crm/quote/number/QT-20261122-')."""

    __tablename__ = "serial_counters"

    scope: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class PublicSubmission(Base):
    """Idempotency log of public form posts: same key → same record."""

    __tablename__ = "public_submissions"
    __table_args__ = (UniqueConstraint("app_key", "form_key", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    app_key: Mapped[str] = mapped_column(String(64))
    form_key: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str] = mapped_column(String(128))
    payload_sha256: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[int | None] = mapped_column(ForeignKey("records.id", ondelete="SET NULL"))
    outcome: Mapped[str] = mapped_column(String(16))  # created | updated | skipped
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecordKey(Base):
    """Indexed copies of a record's lookup values (dedupe keys), kept in step by the service.

    `records.data` is JSON; looking a phone number up inside it scans every row. This table
    makes "which live lead has this phone?" an index lookup on SQLite and PostgreSQL alike.
    """

    __tablename__ = "record_keys"
    __table_args__ = (Index("ix_record_keys_lookup", "app_key", "form_key", "field_key", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)
    app_key: Mapped[str] = mapped_column(String(64))
    form_key: Mapped[str] = mapped_column(String(64))
    field_key: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(String(255))
