"""Request id in and out, one JSON access line per request, and the request metrics: the outermost HTTP layer.

Pure ASGI (no BaseHTTPMiddleware), so streamed bodies pass through chunk by chunk, and the latency it records
runs to a stream's last byte. It is also where an exception nothing else handled ends: Starlette's own last resort
(ServerErrorMiddleware) sits outside every user middleware, so its 500 would carry no request id, and the
exception would go on to uvicorn, which logs it again. Here it becomes a JSON 500 with `X-Request-ID` and one log
line that carries the request id; after the first byte, the connection is cut instead.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import re
import time

from prometheus_client import Counter, Histogram
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.http.errors import send_error
from app.http.principal import principal_of
from app.logs import request_id
from app.metrics import IN_FLIGHT, LATENCY, REQUESTS
from app.server.protocol import ABORT_KEY

access_log = logging.getLogger("app.access")
error_log = logging.getLogger("app.errors")

# `\Z`, not `$` (which also matches before a trailing newline); used with `fullmatch`.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:/+=@-]{1,128}\Z")
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Request ids: a random per-process prefix and a counter. Unique across workers and restarts in practice, and
# a fraction of uuid4's cost, which the point-read profile showed at ~6% of the service's CPU.
_ID_PREFIX = os.urandom(6).hex()
_ID_COUNTER = itertools.count(1)


def new_request_id() -> str:
    return f"{_ID_PREFIX}-{next(_ID_COUNTER):x}"


class RouteTemplates:
    """The route template of a request (a bounded label value), also for answers given before routing (413, 503)."""

    def __init__(self) -> None:
        self._compiled: list[tuple[re.Pattern[str], str]] | None = None

    def __call__(self, scope: Scope) -> str:
        route = scope.get("route")
        if route is not None and isinstance(getattr(route, "path", None), str):
            return str(route.path)
        if self._compiled is None:
            routes: list[BaseRoute] = getattr(scope.get("app"), "routes", [])
            self._compiled = [(route.path_regex, route.path) for route in routes if isinstance(route, Route)]
        return next((path for regex, path in self._compiled if regex.match(scope["path"])), "unmatched")


class Observability:
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
        rid = incoming if SANE_REQUEST_ID.fullmatch(incoming) else new_request_id()
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
        except Exception:
            error_log.exception("unhandled error on %s %s", scope["method"][:16], scope["path"][:512])
            if status is None:
                status = 500
                await send_error(
                    send_observed, 500, "internal_error", "an unexpected error occurred", path=scope["path"]
                )
            else:
                abort = scope.get(ABORT_KEY)  # the answer is half sent: cut it, as a failed stream is cut
                if callable(abort):
                    abort()
                    await asyncio.sleep(0)
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
            series = self._series[key] = (
                REQUESTS.labels(method, route, str(status)),
                LATENCY.labels(method, route, str(status)),
            )
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
            "principal": principal_of(scope),  # who called, never their token (`app.http.principal`)
        }
        access_log.log(level, "request", extra={"fields": fields})
