"""The service's edges as pure ASGI middlewares: nothing here buffers a body, so streams stay streams.

Outermost first: `Observability` (request id, one JSON log line, metrics), `BodyLimit` (413 past MAX_BODY_BYTES),
`AdmissionControl` (queue briefly, then 503). Each reads its knobs from the lifespan's settings in the request's
state, so it follows whatever configuration the process started with.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import re
import time

from fastapi import FastAPI
from prometheus_client import Counter, Histogram
from starlette.exceptions import HTTPException
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Settings
from app.deps import settings_in_scope
from app.encoding import dumps
from app.errors import error_body
from app.limits import RETRY_AFTER_SECONDS, SCOPE_KEY, Admission, Limits, Shed, Ticket, on_shed
from app.logs import request_id
from app.metrics import IN_FLIGHT, LATENCY, REQUESTS, SHED
from app.routes.metrics import router as metrics_router

access_log = logging.getLogger("app.access")

# Probes, metrics and docs are never queued or shed: an overloaded process must still say how it is.
UNLIMITED_PATHS = frozenset({"/healthz", "/readyz", "/metrics", "/docs", "/docs/oauth2-redirect", "/redoc",
                             "/openapi.json"})
SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:/+=@-]{1,128}$")
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
DEFAULT_MAX_BODY_BYTES = 262_144
# Request ids: a random per-process prefix and a counter. Unique across workers and restarts in practice, and
# a fraction of uuid4's cost, which the point-read profile showed at ~6% of the service's CPU.
_ID_PREFIX = os.urandom(6).hex()
_ID_COUNTER = itertools.count(1)


def new_request_id() -> str:
    return f"{_ID_PREFIX}-{next(_ID_COUNTER):x}"


async def send_json(send: Send, status: int, body: dict[str, object], headers: dict[str, str] | None = None) -> None:
    """A complete JSON answer from a middleware, before the app has said anything."""
    payload = dumps(body)
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})


class RouteTemplates:
    """Route templates (bounded label values) for answers given before routing (413, 503), from the app's schema."""

    def __init__(self) -> None:
        self._compiled: list[tuple[re.Pattern[str], str]] | None = None

    def __call__(self, scope: Scope) -> str:
        route = scope.get("route")
        if route is not None and isinstance(getattr(route, "path", None), str):
            return str(route.path)
        if self._compiled is None:
            app = scope.get("app")
            paths = list(app.openapi().get("paths", {})) if isinstance(app, FastAPI) else []
            self._compiled = [(compile_path(p)[0], p) for p in [*paths, "/metrics"]]
        return next((path for regex, path in self._compiled if regex.match(scope["path"])), "unmatched")


class Observability:
    """Request id in and out, one JSON access line per request, request count/latency/in-flight metrics."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.route_template = RouteTemplates()
        # The labelled children, looked up once per (method, route, status): `labels()` takes a lock and checks
        # its arguments on every call. Bounded like the labels themselves.
        self._series: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-request-id"), "")
        rid = incoming if SANE_REQUEST_ID.match(incoming) else new_request_id()
        token = request_id.set(rid)
        started = time.perf_counter()
        first_byte: float | None = None
        status: int | None = None

        async def send_observed(message: Message) -> None:
            nonlocal status, first_byte
            if message["type"] == "http.response.start":
                status = int(message["status"])
                first_byte = time.perf_counter()
                message = {**message, "headers": [*message.get("headers", []), (b"x-request-id", rid.encode())]}
            await send(message)

        IN_FLIGHT.inc()
        try:
            await self.app(scope, receive, send_observed)
        except asyncio.CancelledError:
            status = status or 499  # nginx's "client closed request": nothing was answered
            raise
        except BaseException:
            status = status or 500
            raise
        finally:
            IN_FLIGHT.dec()
            self._record(scope, rid, status or 500, started, first_byte)
            request_id.reset(token)

    def _record(self, scope: Scope, rid: str, status: int, started: float, first_byte: float | None) -> None:
        elapsed = time.perf_counter() - started
        method = scope["method"] if scope["method"] in METHODS else "OTHER"
        route = self.route_template(scope)
        key = (method, route, status)
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = (REQUESTS.labels(method, route, str(status)),
                                          LATENCY.labels(method, route, str(status)))
        series[0].inc()
        series[1].observe(elapsed)
        # A 503 is a shed or an outage, both counted in /metrics and (outages) logged where they are mapped: one
        # warning line per shed request would cost the most exactly when the process has the least to spare.
        level = logging.WARNING if status >= 500 and status != 503 else logging.INFO
        if not access_log.isEnabledFor(level):
            return
        fields = {
            "method": scope["method"][:16],
            "route": route,
            "path": scope["path"][:512],
            "status": status,
            "duration_ms": round(elapsed * 1000, 3),
            "first_byte_ms": None if first_byte is None else round((first_byte - started) * 1000, 3),
            "request_id": rid,
        }
        access_log.log(level, "request", extra={"fields": fields})


class BodyLimit:
    """413 for a body over MAX_BODY_BYTES: at once from Content-Length, or as soon as the counted bytes pass it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        settings = settings_in_scope(scope)
        limit = settings.max_body_bytes if settings else DEFAULT_MAX_BODY_BYTES
        declared = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        if declared is not None:
            try:
                length = int(declared)
            except ValueError:
                await send_json(send, 400, error_body("bad_request", "Content-Length is not a number"))
                return
            if length > limit:
                detail = f"the request body is {length} bytes; the limit is {limit} (MAX_BODY_BYTES)"
                await send_json(send, 413, error_body("payload_too_large", detail), {"Connection": "close"})
                return
        received = 0

        async def receive_limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # FastAPI re-raises an HTTPException met while reading the body: the error handler answers.
                    raise HTTPException(413, f"the request body is over the limit of {limit} bytes (MAX_BODY_BYTES)")
            return message

        await self.app(scope, receive_limited, send)


class AdmissionControl:
    """A slot per request (MAX_CONCURRENT_REQUESTS), a short bounded queue, then 503 with Retry-After."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._limits: Limits | None = None

    def _limits_for(self, settings: Settings) -> Limits:
        # One set of gates per app and process, made on first use: the settings come from the lifespan.
        if self._limits is None or self._limits.settings is not settings:
            self._limits = Limits.from_settings(settings)
        return self._limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        settings = settings_in_scope(scope)
        if scope["type"] != "http" or scope["path"] in UNLIMITED_PATHS or settings is None:
            await self.app(scope, receive, send)
            return
        limits = self._limits_for(settings)
        if not await limits.requests.enter():
            SHED.labels("requests").inc()
            detail = (
                f"the service is at capacity ({limits.requests.capacity} requests in progress, "
                f"MAX_CONCURRENT_REQUESTS); retry after {RETRY_AFTER_SECONDS} s"
            )
            await send_json(send, 503, error_body("overloaded", detail), {"Retry-After": str(RETRY_AFTER_SECONDS)})
            return
        admission = Admission(limits)
        admission.held.append(Ticket(limits.requests))
        scope[SCOPE_KEY] = admission
        try:
            await self.app(scope, receive, send)
        finally:
            admission.release()


def install(app: FastAPI) -> None:
    """Everything of this module on one app: middlewares (outermost last), the 503 handler, /metrics."""
    app.add_exception_handler(Shed, on_shed)
    app.include_router(metrics_router)
    app.add_middleware(AdmissionControl)
    app.add_middleware(BodyLimit)
    app.add_middleware(Observability)
