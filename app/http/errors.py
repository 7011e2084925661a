"""Every error answer of the service: one JSON body, one `Retry-After` policy, written by handlers and middlewares.

The body is `{"error": <stable code>, "detail": <what was wrong>}`; under Stargate's paths (`/v2/...`,
`/api/rest/v2/...`) it is exactly Stargate's `ApiError` (`description`, `code`, `grpcStatus`, `internalTxId`), and
under `/v1/auth` exactly its `{"description", "code"}`: clients that map errors onto Stargate's model refuse unknown
fields. Our stable code is in the `X-Error-Code` header of every error answer (STARGATE_ERROR_CODE_IN_BODY puts it
back in Stargate's bodies too). A 503 always says when to come back (`Retry-After`), and no other status does: a
4xx will not get better by waiting, and a 504 was already a wait.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Mapping
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import orjson
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import Scope, Send

from app.encoding import dumps
from app.exceptions import CallerUnauthorized, DatabaseError, ServiceError
from app.http.observability import Observe
from app.routes.stargate.paths import STARGATE_PATHS

if TYPE_CHECKING:
    from app.config import Settings

log = logging.getLogger("app.errors")

RETRY_AFTER_SECONDS = 1
ERROR_CODE_HEADER = "X-Error-Code"
# Stargate's gRPC mapper (StatusRuntimeExceptionMapper): Cassandra refusing a statement, by our error code, is its
# gRPC status and the prefix of its description.
GRPC_REFUSALS = {
    "invalid_query": ("INVALID_ARGUMENT", "Invalid argument for gRPC operation"),
    "already_exists": ("ALREADY_EXISTS", "Resource already exists"),
}
# Stargate's auth API (v1, as Astra served it): its errors are `{"description", "code"}` only.
AUTH_PATHS = ("/v1/auth", "/api/rest/v1/auth")
# The `error` codes of plain HTTP errors; anything not listed is "http_error".
HTTP_ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
    503: "overloaded",
}


def error_body(error: str, detail: object) -> dict[str, object]:
    return {"error": error, "detail": detail}


class _Shape:
    """Whether Stargate's bodies carry our `error` code too (STARGATE_ERROR_CODE_IN_BODY), and how error lines write
    a path (ACCESS_LOG_PATHS, as the access line does): one process serves one configuration, set as its app is made
    (`configure`), so the middlewares' answers follow it as well."""

    code_in_body = False
    log_path: Callable[[Scope], str] = Observe().path


def configure(settings: Settings) -> None:
    _Shape.code_in_body = settings.stargate_error_code_in_body
    _Shape.log_path = Observe(paths=settings.access_log_paths).path


def stargate_body(status: int, error: str, detail: object, grpc_status: str | None = None) -> dict[str, object]:
    """Stargate's `ApiError` with our `error` code beside it: the bulk ingest's report (our own extension)."""
    return {**api_error(status, detail, grpc_status), "error": error}


def api_error(status: int, detail: object, grpc_status: str | None = None) -> dict[str, object]:
    """Stargate's `ApiError`, exactly (nulls included, as it serialises them): `grpcStatus` is set only where
    Stargate's gRPC mapper would set it."""
    return {"description": _text(detail), "code": status, "grpcStatus": grpc_status, "internalTxId": None}


def _text(detail: object) -> str:
    if isinstance(detail, str):
        return detail
    if isinstance(detail, list):  # validation problems: one line each
        return "; ".join(str(p.get("msg", p)) if isinstance(p, dict) else str(p) for p in detail)
    return str(detail)


def _body(path: str, status: int, error: str, detail: object, grpc_status: str | None = None) -> bytes:
    body: dict[str, object]
    if path.startswith(STARGATE_PATHS):
        body = api_error(status, detail, grpc_status)
    elif path.rstrip("/") in AUTH_PATHS or path.startswith(tuple(p + "/" for p in AUTH_PATHS)):
        body = {"description": _text(detail), "code": status}
    else:
        return _dumps(error_body(error, detail))
    if _Shape.code_in_body:
        body["error"] = error
    return _dumps(body)


def _dumps(body: dict[str, object]) -> bytes:
    try:
        return dumps(body)
    except orjson.JSONEncodeError:  # a detail quoting client text that is not UTF-8 (a lone surrogate): escape it
        return dumps({key: _utf8(value) for key, value in body.items()})


def _utf8(value: object) -> object:
    """Client text quoted in a detail, written as `\\ud800` where it is not UTF-8."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, list):
        return [_utf8(item) for item in value]
    if isinstance(value, dict):
        return {key: _utf8(item) for key, item in value.items()}
    return value


def error_headers(status: int, headers: Mapping[str, str] | None = None, error: str | None = None) -> dict[str, str]:
    """The headers of an error answer: the caller's, our stable `error` code, and `Retry-After` on a 503."""
    answer = dict(headers or {})
    if error is not None:
        answer[ERROR_CODE_HEADER] = error
    if status == HTTPStatus.SERVICE_UNAVAILABLE:
        answer.setdefault("Retry-After", str(RETRY_AFTER_SECONDS))
    return answer


def error_response(
    status: int,
    error: str,
    detail: object,
    headers: Mapping[str, str] | None = None,
    *,
    path: str = "",
    grpc_status: str | None = None,
) -> Response:
    """An error answer from a route or an exception handler (`path` picks Stargate's shape for the rows API)."""
    return Response(
        _body(path, status, error, detail, grpc_status),
        status_code=status,
        headers=error_headers(status, headers, error),
        media_type="application/json",
    )


async def send_error(
    send: Send, status: int, error: str, detail: object, headers: Mapping[str, str] | None = None, *, path: str = ""
) -> None:
    """The same answer from a pure ASGI middleware, before the app has said anything."""
    payload = _body(path, status, error, detail)
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    raw += [
        (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in error_headers(status, headers, error).items()
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})


async def _on_service_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, DatabaseError):  # logged once, here; its path as the access line writes it (ACCESS_LOG_PATHS)
        fields = {"method": request.method[:16], "path": _Shape.log_path(request.scope), "error": exc.error}
        log.warning(
            "database error on %s %s: %s", fields["method"], fields["path"], exc.detail, extra={"fields": fields}
        )
    return service_error_response(exc, request.url.path)


def service_error_response(exc: Exception, path: str) -> Response:
    """A `ServiceError` in the shape its path's face answers."""
    assert isinstance(exc, ServiceError)
    grpc_status = exc.grpc_status if isinstance(exc, CallerUnauthorized) else None
    detail = exc.detail
    refusal = GRPC_REFUSALS.get(exc.error)
    if grpc_status is None and refusal is not None and path.startswith(STARGATE_PATHS):
        grpc_status = refusal[0]
        detail = grpc_description(refusal[0], exc.status, refusal[1], detail)
    return error_response(exc.status, exc.error, detail, path=path, grpc_status=grpc_status)


def grpc_description(grpc_status: str, status: int, prefix: str, message: str) -> str:
    """Stargate's description of a gRPC failure, e.g. "Invalid argument for gRPC operation
    (Status.Code.INVALID_ARGUMENT->400): INVALID_ARGUMENT: <Cassandra's message>"."""
    if message.startswith(prefix):
        return message
    return f"{prefix} (Status.Code.{grpc_status}->{status}): {grpc_status}: {message}"


def _media_type_if_not_json(request: Request) -> str | None:
    """The Content-Type of a request body FastAPI did not parse as JSON (so it validated raw bytes), else None."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if request.method not in ("POST", "PUT", "PATCH") or media == "application/json" or media.endswith("+json"):
        return None
    return media or "missing"


async def _on_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    media = _media_type_if_not_json(request)
    if media is not None and any(err.get("type") == "model_attributes_type" for err in exc.errors()):
        detail = f"the body must be JSON, sent with 'Content-Type: application/json' (Content-Type was {media})"
        return error_response(415, "unsupported_media_type", detail, path=request.url.path)
    problems = [
        {"loc": list(err.get("loc", ())), "msg": err.get("msg", ""), "type": err.get("type", "")}
        for err in exc.errors()
    ]
    return error_response(422, "invalid_request", problems, path=request.url.path)


async def _on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    detail: object = exc.detail
    if isinstance(exc.__cause__, UnicodeDecodeError):  # FastAPI's 400 "error parsing the body": say which byte
        bad = exc.__cause__
        detail = f"the body is not valid UTF-8 (byte 0x{bad.object[bad.start]:02x} at offset {bad.start})"
    code = HTTP_ERROR_CODES.get(exc.status_code, "http_error")
    return error_response(exc.status_code, code, detail, exc.headers, path=request.url.path)


async def _on_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method[:16], _Shape.log_path(request.scope))
    return error_response(500, "internal_error", "an unexpected error occurred", path=request.url.path)


Handler = Callable[[Request, Any], Coroutine[Any, Any, Response]]
EXCEPTION_HANDLERS: dict[int | type[Exception], Handler] = {
    ServiceError: _on_service_error,
    RequestValidationError: _on_validation_error,
    HTTPException: _on_http_error,
    Exception: _on_unexpected,
}
