"""The Stargate REST v2 rows API over every served table: `/v2/keyspaces/{keyspace}/{table}...`, and the same under
Astra's `/api/rest/v2/...`.

Plain Starlette endpoints rather than FastAPI path operations: Stargate's parameters (`page-size`, a JSON `where`)
and its 400 answers do not fit FastAPI's validation, and a point read should pay for nothing it does not use. The
OpenAPI description of these routes, per table, comes from `app.openapi`. Keyspace, table and key are read
from the raw path once (`paths.rows_path`); a refusal is a `ServiceError`, answered by `app.http.errors`.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from app.encoding import dumps
from app.exceptions import RowsError
from app.http.admission import admit_stream
from app.http.deps import Backend
from app.routes.stargate.access import endpoint
from app.routes.stargate.ingest import ingest, is_ingest
from app.routes.stargate.params import (
    JSON,
    compact_maps,
    flag,
    json_object,
    page_size,
    wants_ndjson,
    write_options,
)
from app.routes.stargate.paths import ROWS_PREFIXES, RowsPath, rows_path
from app.rows.catalog import Table
from app.rows.engine import Query
from app.rows.query import key_conditions, parse_fields, parse_sort, parse_where
from app.streaming import NDJSON_TYPES, Framing, StreamLimits, count_pages, stream_pages

# Cassandra's own refusal of a write to a materialized view (ModificationStatement), as Stargate passes it on.
VIEW_WRITE = "Cannot directly modify a materialized view"


def routes() -> list[BaseRoute]:
    """The rows routes under both prefixes; `/rows` comes before the key path, so it wins over a key `rows`."""
    found: list[BaseRoute] = []
    for prefix in ROWS_PREFIXES:
        table, key = prefix + "/{keyspace}/{table}", prefix + "/{keyspace}/{table}/{key:path}"
        found += [
            Route(table, endpoint(read_where, write=False), methods=["GET"]),
            Route(table, endpoint(create_row, write=True), methods=["POST"]),
            Route(table + "/rows", endpoint(read_all, write=False), methods=["GET"]),
            Route(key, endpoint(read_by_key, write=False), methods=["GET"]),
            Route(key, endpoint(update_row, write=True), methods=["PUT", "PATCH"]),
            Route(key, endpoint(delete_rows, write=True), methods=["DELETE"]),
        ]
    return found


async def _table(request: Request, backend: Backend) -> tuple[Table, RowsPath]:
    where = rows_path(request.scope, request.path_params)
    return await backend.engine.catalog.table(where.keyspace, where.table), where


async def _writable(request: Request, backend: Backend) -> tuple[Table, RowsPath]:
    """The table a write goes to; a materialized view is Cassandra's 400, answered before any statement (a view's
    write statements cannot even be prepared)."""
    table, where = await _table(request, backend)
    if table.is_view:
        raise RowsError(400, VIEW_WRITE, "invalid_query")
    return table, where


# ---- reads ---------------------------------------------------------------------------------------------------


async def read_where(request: Request, backend: Backend) -> Response:
    """GET with a required `where`."""
    table, _ = await _table(request, backend)
    compact = compact_maps(request, backend)
    conditions = parse_where(
        request.query_params.get("where"), table, compact_maps=compact, limits=backend.engine.limits
    )
    return await _answer_read(request, backend, table, conditions, compact)


async def read_all(request: Request, backend: Backend) -> Response:
    """GET `/rows`: the whole table, a page at a time."""
    table, _ = await _table(request, backend)
    return await _answer_read(request, backend, table, [], compact_maps(request, backend))


async def read_by_key(request: Request, backend: Backend) -> Response:
    """GET by primary key, or by a prefix of it: a row, a partition, or a clustering range."""
    where = rows_path(request.scope, request.path_params)
    values = where.key_values(lenient=True)  # Stargate skips empty segments on a read
    if not values:  # `/v2/keyspaces/ks/t/`: the table itself, as Stargate reads a trailing slash
        return await read_where(request, backend)
    table = await backend.engine.catalog.table(where.keyspace, where.table)
    key = key_conditions(values, table, action="find")
    return await _answer_read(request, backend, table, key, compact_maps(request, backend))


async def _answer_read(
    request: Request, backend: Backend, table: Table, conditions: list[Any], compact: bool
) -> Response:
    params = request.query_params
    settings = backend.settings
    fields = params.get("fields")
    columns = parse_fields(fields, table) if fields and fields.strip() else None
    if columns is None and table.is_view:  # every column named: a view's reads never use the key shapes, which
        columns = tuple(table.columns.values())  # hold write statements Cassandra refuses to prepare for a view
    order = parse_sort(params.get("sort"), table, limits=backend.engine.limits)
    allow_filtering = flag(params.get("allowFiltering"))
    if allow_filtering and not settings.rows_allow_filtering:
        raise RowsError(
            400, "allowFiltering=true is refused: this deployment does not allow it (ROWS_ALLOW_FILTERING)", "forbidden"
        )
    query = await backend.engine.query(
        table, conditions, columns=columns, order=order, allow_filtering=allow_filtering, compact_maps=compact
    )
    ndjson = wants_ndjson(request)
    # A JSON page is held whole while it is answered, like the sample's format=page: MAX_CURSOR_PAGE_SIZE caps it.
    size = page_size(params.get("page-size"), settings.max_page_size if ndjson else settings.max_cursor_page_size)
    token = params.get("page-state") or None
    state = backend.cursors.open(token, query.identity) if token else None
    if ndjson:
        # A stream's page size is only how much the driver fetches at a time: Stargate's 100 rows would cost a
        # round trip per 100 rows, so a stream without page-size fetches PAGE_SIZE rows, as the sample's do.
        fetch = size if params.get("page-size", "").strip() else min(settings.page_size, settings.max_page_size)
        return await _stream(request, backend, query, fetch, state)
    page = await backend.engine.page(query, page_size=size, paging_state=state)
    if flag(params.get("raw")):
        return Response(dumps(page.rows), media_type=JSON)
    body: dict[str, object] = {"count": len(page.rows)}
    if page.paging_state:
        body["pageState"] = backend.cursors.seal(page.paging_state, query.identity)
    body["data"] = page.rows
    return Response(dumps(body), media_type=JSON)


async def _stream(request: Request, backend: Backend, query: Query, size: int, state: bytes | None) -> Response:
    """Every page, as NDJSON: the same framing, backpressure, error line and idle bound as the sample's listings."""
    media = next((kind for kind in NDJSON_TYPES if kind in request.headers.get("accept", "")), NDJSON_TYPES[0])
    await admit_stream(request)
    pages = count_pages(backend.engine.listing(query).fetch(size, state), Framing.NDJSON)
    return await stream_pages(pages, Framing.NDJSON, media, limits=StreamLimits.of(backend.settings))


# ---- writes --------------------------------------------------------------------------------------------------


async def create_row(request: Request, backend: Backend) -> Response:
    """POST a JSON object: an insert (an upsert, as in CQL). 201 with the body, as Stargate v2 answers.

    An NDJSON body is a bulk ingest instead, a row per line (`app.routes.stargate.ingest`)."""
    if is_ingest(request.scope):
        _, where = await _writable(request, backend)
        options = write_options(request, backend.settings)
        return await ingest(request, backend, where, options=options, compact_maps=compact_maps(request, backend))
    table, _ = await _writable(request, backend)
    raw = await request.body()
    row = json_object(request, raw, action="create", max_number_digits=backend.engine.limits.max_number_digits)
    options = write_options(request, backend.settings)
    existing = await backend.engine.insert(table, row, compact_maps=compact_maps(request, backend), options=options)
    if options.if_not_exists:
        if existing is not None:
            description = "a row with this primary key exists: nothing was written (ifNotExists=true)"
            body = {"applied": False, "description": description, "code": 409, "existing": existing}
            return Response(dumps(body), status_code=409, media_type=JSON)
        return Response(dumps({"applied": True, **row}), status_code=201, media_type=JSON)
    return Response(raw, status_code=201, media_type=JSON)


async def update_row(request: Request, backend: Backend) -> Response:
    """PUT or PATCH (the same in Stargate): set the given columns at the key; omitted columns are left as they are."""
    table, where = await _writable(request, backend)
    key = key_conditions(where.key_values(lenient=False), table, action="update")
    changes = json_object(
        request, await request.body(), action="update", max_number_digits=backend.engine.limits.max_number_digits
    )
    await backend.engine.update(
        table,
        key,
        changes,
        compact_maps=compact_maps(request, backend),
        options=write_options(request, backend.settings),
    )
    body: object = changes if flag(request.query_params.get("raw")) else {"data": changes}
    return Response(dumps(body), media_type=JSON)


async def delete_rows(request: Request, backend: Backend) -> Response:
    """DELETE at a key or a key prefix (a row, a partition, a clustering range). 204 whether or not rows were there."""
    table, where = await _writable(request, backend)
    key = key_conditions(where.key_values(lenient=False), table, action="delete")
    await backend.engine.delete(table, key)
    return Response(status_code=204)
