"""Record request/response shapes. Pure."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from runtime.db.types import iso_utc
from runtime.records.models import Record


class RecordOut(BaseModel):
    id: int
    app: str
    form: str
    form_version: int
    version: int
    data: dict[str, Any]
    owner: str | None = None
    created_at: str
    updated_at: str

    @classmethod
    def of(cls, record: Record, owner: str | None = None) -> RecordOut:
        return cls(
            id=record.id,
            app=record.app_key,
            form=record.form_key,
            form_version=record.form_version,
            version=record.version,
            data=record.data,
            owner=owner if owner is not None else record.data.get("owner"),
            created_at=iso_utc(record.created_at) or "",
            updated_at=iso_utc(record.updated_at) or "",
        )


class RecordPage(BaseModel):
    items: list[RecordOut]
    next_cursor: str | None = None


class TimelineOut(BaseModel):
    record_id: int
    items: list[dict[str, Any]] = Field(default_factory=list)
