"""The one place errors become HTTP answers: `{"errors": [{"field", "code", "message"}]}`. Shell."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from runtime.errors import FormworkError, Problem, TooManyRequests

log = logging.getLogger(__name__)

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}


def error_body(problems: tuple[Problem, ...] | list[Problem]) -> dict[str, Any]:
    return {"errors": [p.to_json() for p in problems]}


def _formwork_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, FormworkError)  # noqa: S101 - registered for this type only
    headers = {}
    if isinstance(error, TooManyRequests):
        headers["Retry-After"] = str(error.retry_after)
    return JSONResponse(error_body(error.to_problems()), status_code=error.status, headers=headers)


def _validation_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)  # noqa: S101
    problems = []
    for item in error.errors():
        loc = [str(part) for part in item.get("loc", ()) if part not in ("body", "query", "path")]
        problems.append(
            Problem(
                str(item.get("type", "invalid")),
                str(item.get("msg", "Invalid input.")),
                field=".".join(loc) or None,
            )
        )
    return JSONResponse(error_body(problems), status_code=422)


def _http_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)  # noqa: S101
    code = HTTP_CODES.get(error.status_code, "http_error")
    return JSONResponse(
        error_body([Problem(code, str(error.detail))]),
        status_code=error.status_code,
        headers=getattr(error, "headers", None),
    )


def _stale(_request: Request, _error: Exception) -> JSONResponse:
    message = "The record was changed by someone else; reload and try again."
    return JSONResponse(error_body([Problem("stale_version", message)]), status_code=409)


def _integrity(_request: Request, error: Exception) -> JSONResponse:
    log.info("integrity error answered as 409", extra={"error": str(error)[:200]})
    message = "This conflicts with data stored meanwhile; reload and try again."
    return JSONResponse(error_body([Problem("conflict", message)]), status_code=409)


def _data_error(_request: Request, error: Exception) -> JSONResponse:
    # Backstop: input checks should refuse such values first; the database never answers 500.
    log.warning("database refused a value", extra={"error": str(error)[:200]})
    message = "A value could not be stored (out of range or not valid text)."
    return JSONResponse(error_body([Problem("invalid_value", message)]), status_code=422)


def install(app: FastAPI) -> None:
    app.add_exception_handler(FormworkError, _formwork_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(StaleDataError, _stale)
    app.add_exception_handler(IntegrityError, _integrity)
    app.add_exception_handler(DataError, _data_error)
