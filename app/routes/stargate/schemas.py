"""Stargate REST v2's schema endpoints: `/v2/schemas/keyspaces/...` (and Astra's `/api/rest/v2/...`), the router.

What Stargate clients and tools call to discover keyspaces, tables, columns, indexes and user-defined types, answered
as Stargate v2.0.51 answers them (`tests/rows/conformance/stargate-v2.0.51-schemas.json`), from the driver's schema
metadata: no query per request, and only the keyspaces the rows API serves (any other answers as an unknown one).
Schema changes (POST, PUT, DELETE) are routed to `schema_writes`, which says who may (SCHEMA_API_WRITES, the admin
scope, the caller's own role).

One Starlette route per prefix, dispatched on the method and the raw path's segments (`paths.raw_segments`, as the
rows routes read theirs), each percent-decoded on its own. Reads take the rows API's read rule (`access.authorize`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from cassandra.metadata import NetworkTopologyStrategy
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from app.encoding import dumps
from app.exceptions import RowsError
from app.http.caller import Leased
from app.http.deps import Backend
from app.http.errors import error_response
from app.routes.stargate import schema_writes as w
from app.routes.stargate.access import admit, authorize
from app.routes.stargate.params import JSON, compact_maps, flag
from app.routes.stargate.paths import NO_ROUTE, SCHEMAS_PREFIXES, decode_segment, raw_segments
from app.routes.stargate.schema_lookups import keyspace_meta as _keyspace
from app.routes.stargate.schema_lookups import keyspace_or_400 as _keyspace_or_400
from app.routes.stargate.schema_lookups import table_meta as _table
from app.rows.catalog import relation
from app.rows.types import CqlType, Udt, parse_type

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
NOT_ALLOWED = "HTTP 405 Method Not Allowed"  # RESTEasy's text, as Stargate answers it

Handler = Callable[..., Awaitable[Response]]
Methods = dict[str, Handler]  # a path's handlers by method


def routes() -> list[BaseRoute]:
    """One route per prefix; every method, so a write gets our 405 rather than Starlette's."""
    return [Route(prefix + "/{rest:path}", _endpoint, methods=METHODS) for prefix in SCHEMAS_PREFIXES]


async def _endpoint(request: Request) -> Response | Leased:
    """No such route is a 404 before access is asked; a method the path does not take a 405 (a GET a 404, as in
    Stargate); a refusal is a `RowsError`, answered by `app.http.errors`."""
    backend: Backend = request.state.backend
    match = _route(_segments(request))
    if match is None:
        raise RowsError(404, NO_ROUTE, "not_found")
    methods, args = match
    method = "GET" if request.method == "HEAD" else request.method
    handler = methods.get(method)
    if handler is None and method == "GET":  # a path Stargate has for writes only: GET is not routed there
        raise RowsError(404, NO_ROUTE, "not_found")
    if handler is None:
        allow = ", ".join(["HEAD", *methods] if "GET" in methods else methods)
        return error_response(405, "method_not_allowed", NOT_ALLOWED, {"Allow": allow}, path=request.url.path)
    if method != "GET":
        return await w.answer(request, backend, handler, args, "GET, HEAD" if "GET" in methods else "")
    if backend.identities is not None:  # pass-through: a login as the caller (the metadata stays the service's)
        return await admit(request, backend, lambda caller: handler(request, caller, *args))
    authorize(request, backend, write=False, keyspace=args[0] if args else None, table=_table_of(args))
    return await handler(request, backend, *args)


def _table_of(args: tuple[str, ...]) -> str | None:
    """The table a schema route names (keyspace, table, ...), for a scoped key; None for keyspace-wide routes."""
    return args[1] if len(args) >= 2 and args[0] else None


def _segments(request: Request) -> list[str] | None:
    """The path's segments after `/v2/schemas`, each percent-decoded on its own (a quoted CQL name may hold a `/`);
    one trailing slash is dropped, as Stargate (RESTEasy) ignores it. None when the raw path does not spell the
    prefix, or a segment is empty or not UTF-8 once decoded: no such route."""
    segments = raw_segments(request.scope, "schemas")
    if segments is None:
        return None
    if segments and segments[-1] == b"":
        segments.pop()
    decoded = [decode_segment(segment) for segment in segments]
    if any(not value for value in decoded):
        return None
    return [value for value in decoded if value is not None]


def _route(segments: list[str] | None) -> tuple[Methods, tuple[str, ...]] | None:
    """(the path's handlers by method, its path values) for a path Stargate routes."""
    match segments:
        case ["keyspaces"]:
            return {"GET": list_keyspaces, "POST": w.create_keyspace}, ()
        case ["keyspaces", ks]:
            return {"GET": one_keyspace, "DELETE": w.delete_keyspace}, (ks,)
        case ["keyspaces", ks, "tables"]:
            return {"GET": list_tables, "POST": w.create_table}, (ks,)
        case ["keyspaces", ks, "tables", table]:
            return {"GET": one_table, "PUT": w.update_table, "DELETE": w.delete_table}, (ks, table)
        case ["keyspaces", ks, "tables", table, "columns"]:
            return {"GET": list_columns, "POST": w.add_column}, (ks, table)
        case ["keyspaces", ks, "tables", table, "columns", column]:
            return {"GET": one_column, "PUT": w.rename_column, "DELETE": w.delete_column}, (ks, table, column)
        case ["keyspaces", ks, "tables", table, "indexes"]:
            return {"GET": list_indexes, "POST": w.create_index}, (ks, table)
        case ["keyspaces", ks, "tables", table, "indexes", index]:
            return {"DELETE": w.delete_index}, (ks, table, index)
        case ["keyspaces", ks, "types"]:
            return {"GET": list_types, "POST": w.create_type, "PUT": w.update_type}, (ks,)
        case ["keyspaces", ks, "types", name]:
            return {"GET": one_type, "DELETE": w.delete_type}, (ks, name)
    return None


# ---- endpoints -----------------------------------------------------------------------------------------------


async def list_keyspaces(request: Request, backend: Backend) -> Response:
    catalog = backend.engine.catalog
    found = [catalog.keyspace_metadata(name) for name in catalog.described_keyspaces()]  # Stargate's system ones too
    return _answer(request, [keyspace_json(meta) for meta in found if meta is not None])


async def one_keyspace(request: Request, backend: Backend, ks: str) -> Response:
    meta = await _keyspace(backend.engine.catalog, ks)
    if meta is None:
        raise RowsError(404, f"Unable to describe keyspace '{ks}'", "unknown_keyspace")
    return _answer(request, keyspace_json(meta))


async def list_tables(request: Request, backend: Backend, ks: str) -> Response:
    meta = await _keyspace_or_400(backend.engine.catalog, ks)
    tables = {**meta.views, **meta.tables}  # a snapshot: the driver may change it; views are listed as tables
    return _answer(request, [table_json(ks, tables[name]) for name in sorted(tables)])


async def one_table(request: Request, backend: Backend, ks: str, table: str) -> Response:
    view = relation(backend.engine.catalog.keyspace_metadata(ks), table)[0]  # a materialized view reads as a table
    return _answer(request, table_json(ks, view or await _table(backend.engine.catalog, ks, table, missing=404)))


async def list_columns(request: Request, backend: Backend, ks: str, table: str) -> Response:
    return _answer(request, columns_json(ks, await _table(backend.engine.catalog, ks, table, missing=400)))


async def one_column(request: Request, backend: Backend, ks: str, table: str, column: str) -> Response:
    meta = await _table(backend.engine.catalog, ks, table, missing=400)
    found = next((c for c in columns_json(ks, meta) if c["name"] == column), None)
    if found is None:
        raise RowsError(404, f"Column '{column}' not found in table '{table}'", "unknown_column")
    return _answer(request, found)


async def list_indexes(request: Request, backend: Backend, ks: str, table: str) -> Response:
    """The rows of system_schema.indexes for the table, as Stargate answers them: never wrapped (no `raw`), the
    `options` map in the `compactMapData` form."""
    meta = await _table(backend.engine.catalog, ks, table, missing=400)
    compact = compact_maps(request, backend)
    indexes = dict(meta.indexes)
    return _json([index_json(ks, table, indexes[name], compact=compact) for name in sorted(indexes)])


async def list_types(request: Request, backend: Backend, ks: str) -> Response:
    """Every UDT of the keyspace; an unknown keyspace has none (Stargate answers 200 and [] too)."""
    meta = backend.engine.catalog.keyspace_metadata(ks)
    types = {} if meta is None else dict(meta.user_types)
    return _answer(request, [udt_json(ks, types[name]) for name in sorted(types)])


async def one_type(request: Request, backend: Backend, ks: str, name: str) -> Response:
    meta = backend.engine.catalog.keyspace_metadata(ks)
    udt = None if meta is None else meta.user_types.get(name)
    if udt is None:
        raise RowsError(404, f"No definition found for UDT '{name}' (keyspace '{ks}')", "unknown_type")
    return _answer(request, udt_json(ks, udt))


# ---- Stargate's JSON -----------------------------------------------------------------------------------------


def keyspace_json(meta: Any) -> dict[str, Any]:
    """`Sgv2Keyspace`: the name, and under NetworkTopologyStrategy each datacenter with a whole replica count."""
    body: dict[str, Any] = {"name": meta.name}
    strategy = meta.replication_strategy
    if isinstance(strategy, NetworkTopologyStrategy):
        factors = strategy.dc_replication_factors_info
        datacenters = [
            {"name": dc, "replicas": factors[dc].all_replicas}
            for dc in sorted(factors)
            if factors[dc].transient_replicas is None  # "3/1" is no integral number: Stargate leaves it out
        ]
        if datacenters:
            body["datacenters"] = datacenters
    return body


def table_json(ks: str, meta: Any) -> dict[str, Any]:
    """`Sgv2Table`. Of the table's options Stargate shows the default TTL and the clustering order only."""
    options: dict[str, Any] = {}
    ttl = meta.options.get("default_time_to_live")
    if ttl is not None:
        options["defaultTimeToLive"] = int(ttl)
    options["clusteringExpression"] = [
        {"column": c.name, "order": "DESC" if c.is_reversed else "ASC"} for c in meta.clustering_key
    ]
    return {
        "name": meta.name,
        "keyspace": ks,
        "columnDefinitions": columns_json(ks, meta),
        "primaryKey": {
            "partitionKey": [c.name for c in meta.partition_key],
            "clusteringKey": [c.name for c in meta.clustering_key],
        },
        "tableOptions": options,
    }


def columns_json(ks: str, meta: Any) -> list[dict[str, Any]]:
    """`Sgv2ColumnDefinition`s in Stargate's order: the partition key, the clustering columns, then the static and
    then the regular columns, each by name (code point order, as Cassandra sorts names)."""
    keys = [*meta.partition_key, *meta.clustering_key]
    key_names = {c.name for c in keys}
    rest = sorted((c for c in list(meta.columns.values()) if c.name not in key_names), key=lambda c: c.name)
    ordered = keys + [c for c in rest if c.is_static] + [c for c in rest if not c.is_static]
    return [
        {"name": c.name, "typeDefinition": stargate_type(c.cql_type, ks), "static": bool(c.is_static)} for c in ordered
    ]


def index_json(ks: str, table: str, meta: Any, *, compact: bool) -> dict[str, Any]:
    """A row of system_schema.indexes, its `options` map an object or (compactMapData=false) key/value pairs."""
    options = meta.index_options
    shown: object = None
    if options is not None:
        pairs = sorted(dict(options).items())
        shown = dict(pairs) if compact else [{"key": k, "value": v} for k, v in pairs]
    return {"keyspace_name": ks, "table_name": table, "index_name": meta.name, "kind": meta.kind, "options": shown}


def udt_json(ks: str, meta: Any) -> dict[str, Any]:
    """`Sgv2UDT`: fields in declaration order, each type as system_schema.types holds it (`frozen<address>`)."""
    fields = [
        {"name": name, "typeDefinition": text} for name, text in zip(meta.field_names, meta.field_types, strict=True)
    ]
    return {"name": meta.name, "keyspace": ks, "fields": fields}


def stargate_type(text: str, ks: str) -> str:
    """A column type as Stargate prints it: `udt<name>` for a UDT, a tuple never `frozen<...>` (it always is),
    varchar as text; a type we cannot parse (a custom type) as the driver prints it."""
    try:
        parsed = parse_type(text, lambda name: Udt(ks, name, ()))
    except ValueError:
        return text
    return _stargate_type(parsed)


def _stargate_type(t: CqlType) -> str:
    if t.kind == "udt":
        assert t.udt is not None
        text = f"udt<{t.udt.name}>"
    elif t.kind == "vector":
        text = f"vector<{_stargate_type(t.params[0])}, {t.size}>"
    elif t.params:
        text = f"{t.kind}<{', '.join(_stargate_type(p) for p in t.params)}>"
    else:
        text = t.kind
    return f"frozen<{text}>" if t.frozen and t.kind != "tuple" else text


def _answer(request: Request, body: object) -> Response:
    """`raw=true` (Java's parseBoolean: any case) answers the value itself, anything else `{"data": value}`."""
    return _json(body if flag(request.query_params.get("raw")) else {"data": body})


def _json(body: object) -> Response:
    return Response(dumps(body), media_type=JSON)
