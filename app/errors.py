"""One place that turns database trouble and bad requests into HTTP answers with a JSON body."""

from __future__ import annotations

import logging

from cassandra import (
    AuthenticationFailed,
    CoordinationFailure,
    OperationTimedOut,
    ReadTimeout,
    Unavailable,
    WriteTimeout,
)
from cassandra.cluster import NoHostAvailable
from cassandra.connection import ConnectionException
from cassandra.protocol import IsBootstrappingErrorMessage, OverloadedErrorMessage
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.metrics import record_driver_error

log = logging.getLogger("app.errors")

RETRY_AFTER_SECONDS = "2"


class StartupError(Exception):
    """The service cannot start; the message is the one line an operator sees."""


class ConfigError(StartupError):
    """The configuration is missing something or contradicts itself."""


class BadPageState(Exception):
    """A page_state token that this service did not issue for this query."""


class DatabaseError(Exception):
    """Database trouble, already classified into an HTTP status."""

    def __init__(self, status: int, error: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.error = error
        self.detail = detail


def classify(exc: BaseException) -> DatabaseError:
    """Map a driver exception onto the answer a client should get (httpx's map_httpcore_exceptions, for Cassandra)."""
    if isinstance(exc, DatabaseError):
        return exc
    answer = _map_driver_exception(exc)
    record_driver_error(exc, answer.error)  # once per raw driver exception: /metrics counts them by type
    return answer


def _map_driver_exception(exc: BaseException) -> DatabaseError:
    if isinstance(exc, (ReadTimeout, WriteTimeout, OperationTimedOut)):
        return DatabaseError(504, "database_timeout", f"Cassandra did not answer in time ({type(exc).__name__})")
    if isinstance(exc, NoHostAvailable):
        return DatabaseError(503, "database_unavailable", "no Cassandra node is reachable")
    if isinstance(exc, Unavailable):
        return DatabaseError(503, "database_unavailable", "not enough replicas alive for the requested consistency")
    if isinstance(exc, (OverloadedErrorMessage, IsBootstrappingErrorMessage)):
        return DatabaseError(503, "database_overloaded", "Cassandra is overloaded; retry later")
    if isinstance(exc, CoordinationFailure):
        detail = f"Cassandra could not complete the request ({type(exc).__name__})"
        return DatabaseError(503, "database_unavailable", detail)
    if isinstance(exc, (ConnectionException, ConnectionError, AuthenticationFailed)):
        return DatabaseError(503, "database_unavailable", "the connection to Cassandra failed")
    return DatabaseError(503, "database_error", f"Cassandra request failed ({type(exc).__name__})")


def error_body(error: str, detail: object) -> dict[str, object]:
    return {"error": error, "detail": detail}


def database_error_response(exc: DatabaseError) -> JSONResponse:
    headers = {"Retry-After": RETRY_AFTER_SECONDS} if exc.status == 503 else None
    return JSONResponse(error_body(exc.error, exc.detail), status_code=exc.status, headers=headers)


async def _on_database_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DatabaseError)
    log.warning("database error on %s %s: %s", request.method, request.url.path, exc.detail)
    return database_error_response(exc)


async def _on_bad_page_state(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(error_body("bad_page_state", str(exc)), status_code=400)


def _media_type_if_not_json(request: Request) -> str | None:
    """The Content-Type of a request body FastAPI did not parse as JSON (so it validated raw bytes), else None."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if request.method not in ("POST", "PUT", "PATCH") or media == "application/json" or media.endswith("+json"):
        return None
    return media or "missing"


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    media = _media_type_if_not_json(request)
    if media is not None and any(err.get("type") == "model_attributes_type" for err in exc.errors()):
        detail = f"the body must be JSON, sent with 'Content-Type: application/json' (Content-Type was {media})"
        return JSONResponse(error_body("unsupported_media_type", detail), status_code=415)
    problems = [
        {"loc": list(err.get("loc", ())), "msg": err.get("msg", ""), "type": err.get("type", "")}
        for err in exc.errors()
    ]
    return JSONResponse(error_body("invalid_request", problems), status_code=422)


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    names = {
        400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
        406: "not_acceptable", 413: "payload_too_large", 415: "unsupported_media_type", 503: "overloaded",
    }
    detail = exc.detail
    if isinstance(exc.__cause__, UnicodeDecodeError):  # FastAPI's 400 "error parsing the body": say which byte
        bad = exc.__cause__
        detail = f"the body is not valid UTF-8 (byte 0x{bad.object[bad.start]:02x} at offset {bad.start})"
    return JSONResponse(
        error_body(names.get(exc.status_code, "http_error"), detail),
        status_code=exc.status_code,
        headers=exc.headers,
    )


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return JSONResponse(error_body("internal_error", "an unexpected error occurred"), status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DatabaseError, _on_database_error)
    app.add_exception_handler(BadPageState, _on_bad_page_state)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_unexpected)
