"""ROWS_API: the Stargate face read-write (as built), read-only, or off.

- `read`: every route stays, but a write verb (POST, PUT, PATCH, DELETE) is a 405 in Stargate's shape before any
  access check or body is read; GET and HEAD go on as before.
- `off`: no route of the face is registered; anything under `/v2/` and `/api/rest/v2/` is a 404 in Stargate's
  shape that says why (the catalog serves no keyspace either, so the OpenAPI document types no table).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from app.exceptions import RowsError
from app.http.errors import error_response
from app.routes.stargate.paths import BASES

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
EVERY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
READ_ONLY = "the rows API is read-only here (ROWS_API=read): {method} is not allowed"
OFF = "the rows API is off here (ROWS_API=off)"


def switched(routes: list[BaseRoute], mode: str) -> list[BaseRoute]:
    """The face's routes as ROWS_API has them: all of them, read-only ones, or 404s."""
    if mode == "off":
        return [Route(base + "/{rest:path}", _off, methods=EVERY_METHOD) for base in BASES]
    if mode == "read":
        return [_read_only(route) if isinstance(route, Route) else route for route in routes]
    return routes


def _read_only(route: Route) -> Route:
    endpoint: Callable[[Request], Awaitable[Any]] = route.endpoint

    async def reads_only(request: Request) -> Any:
        if request.method in WRITE_METHODS:
            description = READ_ONLY.format(method=request.method)
            return error_response(405, "method_not_allowed", description, {"Allow": "GET, HEAD"}, path=request.url.path)
        return await endpoint(request)

    reads_only.__name__ = getattr(endpoint, "__name__", "reads_only")
    return Route(route.path, reads_only, methods=sorted(route.methods or ()), name=route.name)


async def _off(request: Request) -> Response:
    raise RowsError(404, OFF, "not_found")
