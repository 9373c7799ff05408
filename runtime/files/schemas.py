"""Stored file response shapes: the canonical attachment value. Pure."""

from __future__ import annotations

from pydantic import BaseModel

from runtime.files.models import StoredFile


class FileOut(BaseModel):
    """One attachment value, as a record's attachment field stores it."""

    id: str
    name: str
    size: int
    content_type: str
    sha256: str

    @classmethod
    def of(cls, row: StoredFile) -> FileOut:
        return cls(
            id=row.id,
            name=row.name,
            size=row.size,
            content_type=row.content_type,
            sha256=row.sha256,
        )
