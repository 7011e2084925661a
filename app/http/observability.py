"""Request id in and out, one JSON access line per request, and the request metrics: the edge's outermost step.

`Observe` is a step of `app.http.edge.Edge`, not a middleware of its own: the edge calls `request_id` when a request
comes in and `record` when its last byte is out (streams included), and answers an exception nothing else handled
(Starlette's own last resort, ServerErrorMiddleware, sits outside every user middleware, so its 500 would carry no
request id). The access line names the client (`app.http.client_address`, through trusted proxies) and the path
as requested, or its route template under `ACCESS_LOG_PATHS=template`.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import time

from prometheus_client import Counter, Histogram
from starlette.routing import BaseRoute, Route
from starlette.types import Scope

from app.http.client_address import ClientAddress
from app.http.principal import principal_of
from app.metrics import LATENCY, REQUESTS

access_log = logging.getLogger("app.access")
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


class Observe:
    """The request id of a request, and its access line and metrics once it is done."""

    def __init__(self, *, clients: ClientAddress | None = None, paths: str = "raw") -> None:
        self.route_template = RouteTemplates()
        self.client = clients or ClientAddress()
        self.templated = paths == "template"
        # The labelled children, looked up once per (method, route, status): `labels()` takes a lock and checks
        # its arguments on every call. Bounded like the labels themselves.
        self._series: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def request_id(self, scope: Scope) -> str:
        """The caller's `X-Request-ID` if it looks sane, else a new one."""
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
                return incoming if SANE_REQUEST_ID.fullmatch(incoming) else new_request_id()
        return new_request_id()

    def path(self, scope: Scope) -> str:
        """The path as the edge's own log lines write it: raw, or its route template (ACCESS_LOG_PATHS)."""
        return self.route_template(scope) if self.templated else str(scope["path"])[:512]

    def record(self, scope: Scope, rid: str, status: int, started: float, first_byte: float | None) -> None:
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
            "path": route if self.templated else scope["path"][:512],
            "status": status,
            "duration_ms": round(elapsed * 1000, 3),
            "first_byte_ms": None if first_byte is None else round((first_byte - started) * 1000, 3),
            "request_id": rid,
            "client": self.client(scope),
            "principal": principal_of(scope),  # who called, never their token (`app.http.principal`)
        }
        access_log.log(level, "request", extra={"fields": fields})
