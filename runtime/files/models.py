"""Stored files (attachments, generated documents) addressed by id, checked by sha256. Shell."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from runtime.db.base import Base
from runtime.db.types import UTCDateTime, utcnow


class StoredFile(Base):
    __tablename__ = "files"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(127))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FileLink(Base):
    """Where a stored file is used: a record's attachment field, or a task decision.

    Downloads follow the links (a file is as visible as what uses it); a file nothing uses is
    its uploader's until the garbage collector removes it (decision 0009).
    """

    __tablename__ = "file_links"
    __table_args__ = (
        Index("ix_file_links_file", "file_id"),
        Index("ix_file_links_record", "record_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[str] = mapped_column(ForeignKey("files.id", ondelete="CASCADE"))
    record_id: Mapped[int | None] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    field_key: Mapped[str | None] = mapped_column(String(64))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
