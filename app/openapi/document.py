"""The service's OpenAPI document (`/openapi.json`, so `/docs` and `/redoc`): FastAPI's routes, the rows API's
generic routes, and the served tables with their own typed paths, following the schema while the service runs.

Which tables: those the rows API serves (ROWS_KEYSPACES, the catalog's rule), as the driver's metadata holds them
now, so a table created, altered or dropped shows without a restart. At most OPENAPI_MAX_TABLES are typed in the
combined document; the others are listed by name (`app.openapi.combined`). Each table alone is at
`/openapi/{keyspace}/{table}.json` (a 404 for a table the rows API does not serve). Under PROTECT_READS the tables
are the rows API's data: they are described only to a request with a valid key, as the schema endpoints answer
only to one; without it, `/openapi.json` is the generic document and a table's document is a 401.

Cost: the event loop never walks the tables nor builds or serialises the document. A worker thread walks the served
tables at most once per RECHECK_SECONDS, whoever asks, and compares the catalog's `Table` objects with those the
cached document was built from, by identity (the catalog keeps one per driver `TableMetadata`, which the driver
replaces when the table changes: the per-table form of a schema version). Only when they differ is the document
assembled again (a table's part is built once per `Table`) and serialised once; otherwise the cached bytes are
sent. So a new table shows within RECHECK_SECONDS, and the document is built once per schema change. These routes
go through admission control like any request (`app.main`).

`/api/rest/v2/...` (Astra's URL shape) serves the same routes; the rows tag says so rather than listing every
operation twice: on Astra `/api/rest` is a client's base URL, not part of the API's paths.
"""

from __future__ import annotations

import threading
import weakref

import anyio
import orjson
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.access import decide, presented_key
from app.config import Settings
from app.http.docs import OPENAPI_URL
from app.http.errors import error_response
from app.openapi.combined import EMPTY, TABLE_DOCUMENT_URL, Snapshot, combine, generic_document, served_tables
from app.openapi.components import JSON, Deployment, Schema, shared_components
from app.openapi.operations import ROWS_TEXT
from app.openapi.rendered import Rendered
from app.openapi.tables import TablePart, openapi_part
from app.rows.catalog import Catalog, Table
from app.singleflight import SharedResult

STATE_KEY = "rows_catalog"
RECHECK_SECONDS = 1.0  # how stale the combined document may be after a schema change


class RowsDocs:
    """`app.openapi` and the `/openapi.json` endpoint: FastAPI's document plus the rows API's, cached per schema."""

    def __init__(self, app: FastAPI, deployment: Deployment, settings: Settings) -> None:
        self._app = app
        self._deployment = deployment
        self._settings = settings
        self.max_tables = settings.openapi_max_tables
        self._lock = threading.RLock()  # one walk or build at a time (they run in worker threads)
        self._generic: Schema | None = None
        self._bare: Rendered | None = None  # the document without tables, for a keyless request under PROTECT_READS
        self._parts: weakref.WeakKeyDictionary[Table, TablePart] = weakref.WeakKeyDictionary()
        self._snapshot = EMPTY
        self._rendered: Rendered | None = None
        self._current = SharedResult(self._refreshed, ttl=RECHECK_SECONDS)
        self.builds = 0  # how many times the combined document was assembled (for tests)

    def __call__(self) -> Schema:
        """The current document (FastAPI's `app.openapi()`, synchronous: it walks the tables in the caller's thread)."""
        return self._refresh().document

    def snapshot(self) -> Snapshot:
        catalog = getattr(self._app.state, STATE_KEY, None)
        return served_tables(catalog, self.max_tables) if isinstance(catalog, Catalog) else EMPTY

    def may_see_tables(self, request: Request) -> bool:
        return decide(self._settings, presented_key(request.headers), write=False).allowed

    async def endpoint(self, request: Request) -> Response:
        """`/openapi.json`: the cached bytes while the served tables are the same objects; else built off the loop."""
        if self.may_see_tables(request):
            rendered = await self._current.get()
        elif self._bare is not None:
            rendered = self._bare
        else:
            rendered = await anyio.to_thread.run_sync(self._bare_document)
        root = request.scope.get("root_path", "").rstrip("/")
        if not root or not self._app.root_path_in_servers:
            return Response(rendered.body, media_type=JSON)
        # As FastAPI's own endpoint does behind a path prefix: the prefix first in `servers`.
        body = rendered.cached(root)
        if body is None:
            body = await anyio.to_thread.run_sync(rendered.render, root)
        return Response(body, media_type=JSON)

    async def table_endpoint(self, request: Request) -> Response:
        """`/openapi/{keyspace}/{table}.json`: one served table's operations and schemas alone."""
        if not self.may_see_tables(request):
            return error_response(401, "unauthorized", "PROTECT_READS is on: send a key", path=request.url.path)
        keyspace, name = request.path_params["keyspace"], request.path_params["table"]
        catalog = getattr(self._app.state, STATE_KEY, None)
        table = catalog.current(keyspace, name) if isinstance(catalog, Catalog) else None
        if table is None:
            description = f"no served table {keyspace}.{name} (ROWS_KEYSPACES names the served keyspaces)"
            return error_response(404, "not_found", description, path=request.url.path)
        # One table's worth of work, in a worker thread: it may build the generic part, or type a table the combined
        # document does not (kept nowhere, so the tables a client asks for cannot grow the memory).
        body = await anyio.to_thread.run_sync(lambda: orjson.dumps(self.table_document(table)))
        return Response(body, media_type=JSON)

    def table_document(self, table: Table) -> Schema:
        generic = self._generic_document()
        part = self._parts.get(table) or openapi_part(table, self._deployment)
        components = {kind: dict(entries) for kind, entries in shared_components(self._deployment).items()}
        components["schemas"].update(part.schemas)
        info = {**generic["info"], "title": f"{table.keyspace}.{table.name} rows", "description": ROWS_TEXT}
        return {
            "openapi": generic["openapi"],
            "info": info,
            "paths": part.paths,
            "components": components,
            "tags": [part.tag],
        }

    def schema_changed(self) -> None:
        """For the catalog's `on_change`: the next request walks the tables again, whatever RECHECK_SECONDS says."""
        self._current = SharedResult(self._refreshed, ttl=RECHECK_SECONDS)

    async def _refreshed(self) -> Rendered:
        return await anyio.to_thread.run_sync(self._refresh)

    def _refresh(self) -> Rendered:
        """Walk the served tables; assemble and serialise the document again only if they changed (worker thread)."""
        with self._lock:
            snapshot = self.snapshot()
            if self._rendered is None or not snapshot.same(self._snapshot):
                parts = [self._part(table) for table in snapshot.typed]
                document = combine(self._generic_document(), parts, snapshot.listed)
                self.builds += 1
                self._rendered, self._snapshot = Rendered(document), snapshot
                self._app.openapi_schema = document
            return self._rendered

    def _bare_document(self) -> Rendered:
        with self._lock:
            if self._bare is None:
                self._bare = Rendered(self._generic_document())
            return self._bare

    def _part(self, table: Table) -> TablePart:
        part = self._parts.get(table)
        if part is None:
            part = self._parts[table] = openapi_part(table, self._deployment)
        return part

    def _generic_document(self) -> Schema:
        with self._lock:
            if self._generic is None:
                self._generic = generic_document(self._app, self._deployment)
            return self._generic


def install(app: FastAPI, settings: Settings) -> RowsDocs:
    """Make `app.openapi()` and `/openapi.json` (so `/docs`) describe the rows API too; add the per-table route."""
    docs = RowsDocs(app, Deployment.of(settings), settings)
    app.openapi = docs  # type: ignore[method-assign]  # FastAPI's documented way to extend its document
    routes, url = app.router.routes, app.openapi_url or OPENAPI_URL
    index = next(i for i, r in enumerate(routes) if isinstance(r, Route) and r.path == url)
    routes[index] = Route(url, docs.endpoint, methods=["GET", "HEAD"], include_in_schema=False)
    app.router.routes.append(Route(TABLE_DOCUMENT_URL, docs.table_endpoint, methods=["GET"], include_in_schema=False))
    return docs


def serve(app: FastAPI, catalog: Catalog | None) -> None:
    """From the lifespan: the catalog whose tables the document describes (None once the driver is closed)."""
    setattr(app.state, STATE_KEY, catalog)
    if isinstance(app.openapi, RowsDocs):
        app.openapi.schema_changed()
