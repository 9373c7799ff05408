"""Error types shared by every layer. Pure."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input or a definition.

    `field` names a record field (input problems); `pointer` is a JSON pointer into a definition.
    """

    code: str
    message: str
    field: str | None = None
    pointer: str | None = None
    params: dict[str, object] = dataclasses.field(default_factory=dict, compare=False)

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "field": self.field if self.field is not None else self.pointer,
            "code": self.code,
            "message": self.message,
        }
        if self.pointer is not None:
            out["pointer"] = self.pointer
        return out


class FormworkError(Exception):
    """Base error: a stable code, a human message and the problems behind it."""

    status = 400

    def __init__(self, code: str, message: str, problems: Iterable[Problem] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.problems = tuple(problems)

    def to_problems(self) -> tuple[Problem, ...]:
        return self.problems or (Problem(self.code, self.message),)


class Unauthorized(FormworkError):
    status = 401


class PermissionDenied(FormworkError):
    status = 403


class NotFound(FormworkError):
    status = 404


class Conflict(FormworkError):
    status = 409


class PayloadTooLarge(FormworkError):
    status = 413


class InvalidInput(FormworkError):
    status = 422


class InvalidDefinition(FormworkError):
    status = 422


class ExpressionError(FormworkError):
    """A formula or condition failed to parse or to evaluate (including budget overruns)."""

    status = 422


class TooManyRequests(FormworkError):
    status = 429

    def __init__(self, code: str, message: str, retry_after: int = 1) -> None:
        super().__init__(code, message)
        self.retry_after = retry_after


class ActionFailed(FormworkError):
    """An action failed inside a job; `retryable` tells the runner whether to try again."""

    status = 500

    def __init__(self, code: str, message: str, *, retryable: bool) -> None:
        super().__init__(code, message)
        self.retryable = retryable
