"""The hot routes, dispatched before FastAPI's router: a path is matched once, by its first segment and one split,
against a table built from the app's own routes; anything the table does not serve goes on to FastAPI unchanged.

Served here: the rows API's reads by key, `where` and `/rows` pages and single-row writes (both prefixes), the
Data API's table commands (`POST /v1/{keyspace}/{table}`, and under `/api/json`), and the sample's point reads
(`/animal/{genus}/{species}`, `/plant/{genus}/{species}`). The table holds the very endpoints
the router would call (the rows routes' `endpoint(...)`, the sample's dependencies and handler), so the access
rule, the handlers and their errors are the same; only the router's walk over every route, FastAPI's dependency
solving and its exception middleware are skipped. Errors go to the app's own exception handlers, as Starlette's
would send them. A route whose shape the table does not know (a dependency that needs more than the request, a
parameter it would have to validate) is left to FastAPI, and so is every route while another route could also
match its paths (`_shadowed`).
"""

from __future__ import annotations

import inspect
import logging
import typing
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

from annotated_types import MaxLen, MinLen
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from app.routes.stargate.paths import ROWS_PREFIXES

log = logging.getLogger("app.hot_routes")

SAMPLE_TEMPLATES = ("/animal/{genus}/{species}", "/plant/{genus}/{species}")
# The rows templates, after a prefix: the table itself, its `/rows`, and a key path.
WHERE, ROWS, KEY = "/{keyspace}/{table}", "/{keyspace}/{table}/rows", "/{keyspace}/{table}/{key:path}"
# The Data API's table commands: `POST {prefix}/{keyspace}/{table}` (app.routes.data_api.transport).
COMMAND_PREFIXES = ("/v1", "/api/json/v1")
# Paths any route that could shadow a hot route would match (one per shape served).
PROBES = (
    *(p + s for p in ROWS_PREFIXES for s in ("/k/t", "/k/t/rows", "/k/t/a/b", "/k/t/")),
    *(p + "/k/t" for p in COMMAND_PREFIXES),
    "/animal/g/s",
    "/plant/g/s",
)
Endpoint = Callable[[Request], Awaitable[Any]]
Params = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Sample:
    """A sample point read: the route's dependencies (each needing only the request) and its handler."""

    route: BaseRoute
    dependencies: tuple[tuple[Callable[..., Awaitable[Any]], str, str | None], ...]  # call, request arg, name
    handler: Callable[..., Awaitable[Response]]
    bounds: tuple[tuple[str, int, int], ...]  # each path parameter's name and length bounds


class HotRoutes:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._table: Table | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get("root_path"):
            table = self._table or self._build(scope)
            hit = table.match(scope["method"], scope["path"])
            if hit is not None:
                await table.serve(hit, scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _build(self, scope: Scope) -> Table:
        owner = scope["app"]
        self._table = Table.of(owner.routes, owner)
        return self._table


class Table:
    """Method and shape to route, per first path segment."""

    def __init__(
        self,
        rows: dict[str, dict[tuple[str, str], Route]],
        sample: dict[str, Sample],
        owner: Any,
        commands: dict[str, Route] | None = None,
    ) -> None:
        self.rows = rows  # prefix -> (method, template) -> route
        self.commands = commands or {}  # Data API prefix -> its table route (POST only)
        self.sample = sample  # first segment ("animal") -> route
        self.overrides: dict[Any, Any] = getattr(owner, "dependency_overrides", {})
        handlers: dict[Any, Any] = getattr(owner, "exception_handlers", {})
        # As FastAPI splits them: Exception (and 500) belong to the outermost layer, the edge answers those.
        self.handlers = {k: v for k, v in handlers.items() if k not in (500, Exception) and not isinstance(k, int)}
        self.status_handlers = {k: v for k, v in handlers.items() if isinstance(k, int) and k != 500}

    @classmethod
    def of(cls, routes: list[BaseRoute], owner: Any) -> Table:
        rows: dict[str, dict[tuple[str, str], Route]] = {prefix: {} for prefix in ROWS_PREFIXES}
        sample: dict[str, Sample] = {}
        commands: dict[str, Route] = {}
        for route in _flattened(routes):
            path = getattr(route, "path", None)
            for prefix in COMMAND_PREFIXES:
                if isinstance(route, Route) and path == prefix + WHERE and route.methods == {"POST"}:
                    commands.setdefault(prefix, route)
            for prefix in ROWS_PREFIXES:
                shape = path[len(prefix) :] if isinstance(path, str) and path.startswith(prefix) else None
                if isinstance(route, Route) and shape in (WHERE, ROWS, KEY):
                    for method in route.methods or ():
                        if method != "HEAD":  # a HEAD is the router's: rare, and answered without a body
                            rows[prefix].setdefault((method, shape), route)
            if path in SAMPLE_TEMPLATES and getattr(route, "methods", None) == {"GET"}:
                plan = _sample_plan(route)
                if plan is None:
                    log.info("%s is left to FastAPI: its dependencies or parameters are not the ones served here", path)
                else:
                    sample.setdefault(path.split("/")[1], plan)
        ours = {id(r) for served in rows.values() for r in served.values()} | {id(s.route) for s in sample.values()}
        ours |= {id(r) for r in commands.values()}
        for shadow in _shadowed(routes, ours):
            log.info("%s is left to FastAPI: another route could match its paths", shadow)
            rows.pop(shadow, None)
            commands.pop(shadow, None)
            sample.pop(shadow.split("/")[1], None)
        return cls(rows, sample, owner, commands)

    def match(self, method: str, path: str) -> tuple[Any, Params] | None:
        """The route and its path parameters, as Starlette's router would have found them; None to fall through."""
        if path.startswith("/v2/keyspaces/"):
            return self._rows("/v2/keyspaces", method, path)
        if path.startswith("/api/rest/v2/keyspaces/"):
            return self._rows("/api/rest/v2/keyspaces", method, path)
        if path.startswith("/v1/"):
            return self._command("/v1", method, path)
        if path.startswith("/api/json/v1/"):
            return self._command("/api/json/v1", method, path)
        first, _, rest = path[1:].partition("/")
        found = self.sample.get(first)
        if found is None or method != "GET" or self.overrides:
            return None
        genus, slash, species = rest.partition("/")
        if not slash or not genus or not species or "/" in species:
            return None  # not `/{genus}/{species}` as Starlette matches it (`[^/]+` each)
        params = {"genus": genus, "species": species}
        for name, low, high in found.bounds:
            if not low <= len(params[name]) <= high:
                return None  # FastAPI's 422 says what was wrong
        return found, params

    def _rows(self, prefix: str, method: str, path: str) -> tuple[Any, Params] | None:
        served = self.rows.get(prefix)
        if not served:
            return None
        parts = path[len(prefix) + 1 :].split("/", 2)
        if len(parts) < 2 or not parts[0] or not parts[1]:
            return None
        params: Params = {"keyspace": parts[0], "table": parts[1]}
        if len(parts) == 2:
            route = served.get((method, WHERE))
        else:
            route = served.get((method, ROWS)) if parts[2] == "rows" else None
            if route is None:
                route = served.get((method, KEY))
                params["key"] = parts[2]
        return None if route is None else (route, params)

    def _command(self, prefix: str, method: str, path: str) -> tuple[Any, Params] | None:
        """`POST {prefix}/{keyspace}/{table}`, each segment `[^/]+` as Starlette matches it; else the router's."""
        route = self.commands.get(prefix)
        if route is None or method != "POST":
            return None
        keyspace, slash, table = path[len(prefix) + 1 :].partition("/")
        if not slash or not keyspace or not table or "/" in table:
            return None
        return route, {"keyspace": keyspace, "table": table}

    async def serve(self, hit: tuple[Any, Params], scope: Scope, receive: Receive, send: Send) -> None:
        """The route's endpoint on a Request over this scope; its exceptions to the app's handlers, before any byte."""
        route, params = hit
        scope["path_params"] = params
        if isinstance(route, Sample):
            scope["route"] = route.route
            call: Endpoint = _sample_endpoint(route, params)
        else:
            scope["route"] = route
            call = route.endpoint
        request = Request(scope, receive, send)
        try:
            response = await call(request)
        except Exception as exc:
            handler = self._handler(exc)
            if handler is None:
                raise
            response = await handler(request, exc)
            exc.__traceback__ = None  # as Starlette does: a reused exception would gather tracebacks
        await response(scope, receive, send)

    def _handler(self, exc: Exception) -> Callable[[Request, Exception], Awaitable[Response]] | None:
        if isinstance(exc, HTTPException) and exc.status_code in self.status_handlers:
            return self.status_handlers[exc.status_code]  # type: ignore[no-any-return]
        for kind in type(exc).__mro__:
            if kind in self.handlers:
                return self.handlers[kind]  # type: ignore[no-any-return]
        return None


def _sample_endpoint(plan: Sample, params: Params) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        values = dict(params)
        for call, request_arg, name in plan.dependencies:
            result = await call(**{request_arg: request})
            if name is not None:
                values[name] = result
        return await plan.handler(**values)

    return endpoint


def _flattened(routes: list[BaseRoute]) -> Iterator[BaseRoute]:
    """The routes in the router's order, FastAPI's included routers opened (their routes with the include's
    dependencies); an included router that cannot be opened yields nothing, and so serves nothing here."""
    for route in routes:
        candidates = getattr(route, "effective_candidates", None)
        if callable(candidates):
            try:
                yield from _flattened(list(candidates()))
            except Exception:  # FastAPI's internals changed: this router's routes stay with FastAPI
                log.info("an included router is left to FastAPI: its routes could not be listed")
        else:
            yield route


def _sample_plan(route: BaseRoute) -> Sample | None:
    """The sample route's dependencies and handler when they are all this table knows how to call, else None."""
    dependant = getattr(route, "dependant", None)
    handler = getattr(route, "endpoint", None)
    if dependant is None or not inspect.iscoroutinefunction(handler) or _extras(dependant, handler):
        return None
    dependencies = []
    for sub in dependant.dependencies:
        if not inspect.iscoroutinefunction(sub.call) or sub.dependencies or _extras(sub, sub.call):
            return None
        if sub.request_param_name is None or sub.path_params:
            return None
        dependencies.append((sub.call, sub.request_param_name, sub.name))
    bounds = []
    for field in dependant.path_params:
        info = field.field_info
        known = [m for m in info.metadata if isinstance(m, (MinLen, MaxLen))]
        if info.annotation is not str or len(known) != len(info.metadata) or field.name not in ("genus", "species"):
            return None
        low = next((m.min_length for m in known if isinstance(m, MinLen)), 0)
        high = next((m.max_length for m in known if isinstance(m, MaxLen)), 1 << 30)
        bounds.append((field.name, low, high))
    return Sample(route, tuple(dependencies), handler, tuple(bounds))


def _extras(dependant: Any, call: Any) -> bool:
    """Anything FastAPI would read or inject beyond the request and the path: query, header, cookie or body
    parameters, background tasks, a response to fill, security scopes; or a handler that does not return a
    Response (FastAPI would serialise it)."""
    if dependant.query_params or dependant.header_params or dependant.cookie_params or dependant.body_params:
        return True
    extra = ("background_tasks_param_name", "response_param_name", "security_scopes_param_name")
    if any(getattr(dependant, name, None) for name in (*extra, "websocket_param_name")):
        return True
    if getattr(dependant, "own_oauth_scopes", None) or getattr(dependant, "parent_oauth_scopes", None):
        return True
    if dependant.name is None and dependant.path_params:  # the route's own handler
        try:
            returned = typing.get_type_hints(call).get("return")
        except Exception:
            return True
        return not (isinstance(returned, type) and issubclass(returned, Response))
    return False


def _shadowed(routes: list[BaseRoute], ours: set[int]) -> set[str]:
    """The prefixes (or sample templates) another route could also match: those are left to the router."""
    shadowed: set[str] = set()
    for route in _flattened(routes):
        if id(route) in ours:
            continue
        for probe in PROBES:
            for method in ("GET", "POST"):
                scope: Scope = {"type": "http", "path": probe, "method": method, "root_path": "", "headers": []}
                try:
                    matched = route.matches(scope)[0]
                except Exception:
                    matched = Match.FULL
                if matched is not Match.NONE:
                    prefix = next((p for p in (*ROWS_PREFIXES, *COMMAND_PREFIXES) if probe.startswith(p + "/")), None)
                    shadowed.add(prefix or next(t for t in SAMPLE_TEMPLATES if probe.startswith(t.split("{")[0])))
    return shadowed
