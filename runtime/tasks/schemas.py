"""Todo request shapes: complete, transfer, add signer (decision 0007). Pure."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from runtime.errors import InvalidInput
from runtime.http.deps import MAX_DB_INT
from runtime.http.payload import require_text

USERNAME = r"^[A-Za-z0-9_]{1,64}$"
NODE_ID = r"^[a-z][a-z0-9_]{0,63}$"
MAX_COMMENT = 2000
MAX_SIGNERS = 20
_USERNAME = re.compile(USERNAME)


def _clean(value: Any) -> Any:
    """Refuse NUL characters and lone surrogates the way every other payload does."""
    try:
        require_text(value)
    except InvalidInput as error:
        raise ValueError(error.message) from error
    return value


class _Body(BaseModel):
    """Unknown keys are bad input (a typo must not be silently ignored)."""

    model_config = ConfigDict(extra="forbid")


class TaskComplete(_Body):
    outcome: Literal["approve", "reject", "return", "done"]  # done: a todo
    comment: str = Field(default="", max_length=MAX_COMMENT)
    to_node: str | None = Field(default=None, pattern=NODE_ID)
    data: dict[str, Any] | None = None
    version: int | None = Field(default=None, ge=1, le=MAX_DB_INT)
    # Files uploaded beforehand (an attachment field's upload endpoint); ids only are trusted.
    attachments: list[str] = Field(default_factory=list, max_length=10)

    @field_validator("comment", "data")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return _clean(value)


class TaskTransfer(_Body):
    user: str = Field(pattern=USERNAME)


class TaskAddSigner(_Body):
    users: list[str] = Field(min_length=1, max_length=MAX_SIGNERS)
    position: Literal["before", "after"]

    @field_validator("users")
    @classmethod
    def _usernames(cls, value: list[str]) -> list[str]:
        if not all(_USERNAME.match(name) for name in value):
            raise ValueError("users must be usernames (letters, digits and _).")
        return list(dict.fromkeys(value))
