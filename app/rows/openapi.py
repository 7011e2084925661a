"""The service's OpenAPI document (`/openapi.json`, so `/docs` and `/redoc`): FastAPI's routes, the rows API's
generic routes, and every served table with its own typed paths, following the schema while the service runs.

Which tables: those the rows API serves (ROWS_KEYSPACES, the catalog's rule), as the driver's metadata holds them
now, so a table created, altered or dropped shows in the next document without a restart. Each table alone is at
`/openapi/{keyspace}/{table}.json` (a 404 for a table the rows API does not serve). Under PROTECT_READS the tables
are the rows API's data: they are described only to a request with a valid key, as the schema endpoints answer
only to one; without it, `/openapi.json` is the generic document and a table's document is a 401.

Cost: a request walks the served tables' names and compares the catalog's `Table` objects with those the cached
document was built from, by identity (the catalog keeps one per driver `TableMetadata`, which the driver replaces
when the table changes: the per-table form of a schema version). Only when they differ is the document assembled
again, in a worker thread (a table's part is built once per `Table`), and serialised once; otherwise the cached
bytes are sent. Nothing here runs on the data path.

`/api/rest/v2/...` (Astra's URL shape) serves the same routes; the rows tag says so rather than listing every
operation twice: on Astra `/api/rest` is a client's base URL, not part of the API's paths.
"""

from __future__ import annotations

import copy
import threading
import weakref
from collections.abc import Sequence

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
from app.rows.catalog import Catalog, Table
from app.rows.openapi_operations import (
    JSON,
    ROWS_TAG,
    ROWS_TEXT,
    STATE_KEY,
    Deployment,
    Schema,
    generic_paths,
    shared_components,
)
from app.rows.openapi_tables import TablePart, describe_table

TABLE_DOCUMENT_URL = "/openapi/{keyspace}/{table}.json"


def served_tables(catalog: Catalog) -> tuple[Table, ...]:
    """The catalog's current description of every served table, without I/O (the driver's metadata as it is now)."""
    for attempt in range(3):
        try:
            return tuple(
                table
                for keyspace in catalog.keyspaces()
                for name in catalog.table_names(keyspace)
                if (table := catalog.current(keyspace, name)) is not None
            )
        except RuntimeError:  # the driver's event thread changed a metadata dict while this walked it: again
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _same(first: Sequence[Table], second: Sequence[Table]) -> bool:
    return len(first) == len(second) and all(a is b for a, b in zip(first, second, strict=True))


class RowsDocs:
    """`app.openapi` and the `/openapi.json` endpoint: FastAPI's document plus the rows API's, cached per schema."""

    def __init__(self, app: FastAPI, deployment: Deployment, settings: Settings) -> None:
        self._app = app
        self._deployment = deployment
        self._settings = settings
        self._bare: bytes | None = None  # the document without tables, for a keyless request under PROTECT_READS
        self._lock = threading.Lock()  # one build at a time (builds run in worker threads)
        self._generic: Schema | None = None
        self._parts: weakref.WeakKeyDictionary[Table, TablePart] = weakref.WeakKeyDictionary()
        self._tables: tuple[Table, ...] = ()
        self._document: Schema | None = None
        self._body = b""
        self.builds = 0  # how many times the document was assembled (for tests)

    def __call__(self) -> Schema:
        """The current document (FastAPI's `app.openapi()`, synchronous)."""
        return self._build(self.tables())[0]

    def tables(self) -> tuple[Table, ...]:
        catalog = getattr(self._app.state, STATE_KEY, None)
        return served_tables(catalog) if isinstance(catalog, Catalog) else ()

    def may_see_tables(self, request: Request) -> bool:
        return decide(self._settings, presented_key(request.headers), write=False).allowed

    async def endpoint(self, request: Request) -> Response:
        """`/openapi.json`: the cached bytes while the served tables are the same objects; else built off the loop."""
        if not self.may_see_tables(request):
            if self._bare is None:
                self._bare = orjson.dumps(self._generic_document())
            return Response(self._bare, media_type=JSON)
        tables = self.tables()
        if self._document is not None and _same(tables, self._tables):
            document, body = self._document, self._body
        else:
            document, body = await anyio.to_thread.run_sync(self._build, tables)
        root = request.scope.get("root_path", "").rstrip("/")
        if root and self._app.root_path_in_servers:  # as FastAPI's own endpoint does behind a path prefix
            body = orjson.dumps({**document, "servers": [{"url": root}, *document.get("servers", [])]})
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
        return Response(orjson.dumps(self.table_document(table)), media_type=JSON)

    def table_document(self, table: Table) -> Schema:
        generic = self._generic_document()
        part = self._part(table)
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

    def _build(self, tables: tuple[Table, ...]) -> tuple[Schema, bytes]:
        with self._lock:
            if self._document is None or not _same(tables, self._tables):
                document = self._assemble(tables)
                self._document, self._body, self._tables = document, orjson.dumps(document), tables
                self._app.openapi_schema = document
            return self._document, self._body

    def _part(self, table: Table) -> TablePart:
        part = self._parts.get(table)
        if part is None:
            part = self._parts[table] = describe_table(table, self._deployment)
        return part

    def _generic_document(self) -> Schema:
        """FastAPI's document with the rows API's generic routes and shared components: the same for any schema."""
        if self._generic is None:
            self._app.openapi_schema = None
            document = copy.deepcopy(FastAPI.openapi(self._app))
            components = document.setdefault("components", {})
            for kind, entries in shared_components(self._deployment).items():
                components.setdefault(kind, {}).update(entries)
            document["paths"] = {**document.get("paths", {}), **generic_paths(self._deployment)}
            used = dict.fromkeys(
                tag
                for item in document["paths"].values()
                for op in item.values()
                if isinstance(op, dict)
                for tag in op.get("tags", ())
            )
            listed = {t["name"]: t for t in document.get("tags", [])}
            document["tags"] = [listed.get(name, {"name": name}) for name in used if name != ROWS_TAG]
            document["tags"].append({"name": ROWS_TAG, "description": ROWS_TEXT})
            info = document.setdefault("info", {})
            note = (
                "The rows API (`/v2/keyspaces/...`, and the same under `/api/rest/v2/keyspaces/...`) serves every "
                f"table of the served keyspaces as Stargate's REST API v2 does: see the tag {ROWS_TAG!r}, and each "
                f"table's own tag. One table's document alone: `{TABLE_DOCUMENT_URL}`."
            )
            info["description"] = f"{info['description']}\n\n{note}" if info.get("description") else note
            self._generic = document
        return self._generic

    def _assemble(self, tables: Sequence[Table]) -> Schema:
        generic = self._generic_document()
        paths = dict(generic["paths"])
        components = {kind: dict(entries) for kind, entries in generic["components"].items()}
        tags = list(generic["tags"])
        for table in tables:
            part = self._part(table)
            paths.update(part.paths)
            components["schemas"].update(part.schemas)
            tags.append(part.tag)
        self.builds += 1
        return {**generic, "paths": paths, "components": components, "tags": tags}


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
