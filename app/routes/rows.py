"""The Stargate REST v2 rows API over every served table: `/v2/keyspaces/{keyspace}/{table}...`, and the same under
Astra's `/api/rest/v2/...`.

Plain Starlette endpoints rather than FastAPI path operations: Stargate's parameters (`page-size`, a JSON `where`)
and its 400 answers do not fit FastAPI's validation, and a point read should pay for nothing it does not use. The
OpenAPI description of these routes, per table, comes from `app.rows.openapi`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote_to_bytes

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from app.access import Refusal, decide, presented_key
from app.encoding import dumps
from app.exceptions import BadPageState, DatabaseError, RowsError, Shed
from app.http.admission import admit_stream
from app.http.deps import Backend
from app.http.errors import error_response
from app.rows.engine import Query, WriteOptions
from app.rows.ingest import ingest, is_ingest
from app.rows.query import key_conditions, loads_strict, parse_fields, parse_sort, parse_where
from app.streaming import NDJSON_TYPES, Framing, StreamLimits, count_pages, stream_pages

PREFIXES = ("/v2/keyspaces", "/api/rest/v2/keyspaces")
DEFAULT_PAGE_SIZE = 100  # Stargate's RestResourceBase.DEFAULT_PAGE_SIZE
MISSING_TOKEN = "Role unauthorized for operation: Missing token, expecting one in the X-Cassandra-Token header."
BAD_TOKEN = "Role unauthorized for operation: Invalid token."
JSON = "application/json"
MAX_INT32, MAX_INT64 = 2**31 - 1, 2**63 - 1  # USING TTL binds an int, USING TIMESTAMP a bigint

Endpoint = Callable[[Request, Backend], Awaitable[Response]]


def routes() -> list[BaseRoute]:
    """The seven rows routes under both prefixes; `/rows` comes before the key path, so it wins over a key `rows`."""
    found: list[BaseRoute] = []
    for prefix in PREFIXES:
        table, key = prefix + "/{keyspace}/{table}", prefix + "/{keyspace}/{table}/{key:path}"
        found += [
            Route(table, _endpoint(read_where, write=False), methods=["GET"]),
            Route(table, _endpoint(create_row, write=True), methods=["POST"]),
            Route(table + "/rows", _endpoint(read_all, write=False), methods=["GET"]),
            Route(key, _endpoint(read_by_key, write=False), methods=["GET"]),
            Route(key, _endpoint(update_row, write=True), methods=["PUT", "PATCH"]),
            Route(key, _endpoint(delete_rows, write=True), methods=["DELETE"]),
        ]
    return found


def _endpoint(handler: Endpoint, *, write: bool) -> Callable[[Request], Awaitable[Response]]:
    """Access control, then the handler; every refusal in Stargate's error shape."""

    async def endpoint(request: Request) -> Response:
        backend: Backend = request.state.backend
        path = request.url.path
        try:
            _authorize(request, backend, write=write)
            return await handler(request, backend)
        except RowsError as exc:
            return error_response(exc.status, exc.error, exc.description, path=path)
        except DatabaseError as exc:
            return error_response(exc.status, exc.error, exc.detail, path=path)
        except BadPageState as exc:
            return error_response(400, "bad_page_state", str(exc), path=path)
        except Shed as exc:
            return error_response(503, "overloaded", exc.detail, path=path)

    return endpoint


def _authorize(request: Request, backend: Backend, *, write: bool) -> None:
    """The one access rule (`app.access`), refused in Stargate's words. Stargate clients send X-Cassandra-Token."""
    decision = decide(backend.settings, presented_key(request.headers), write=write)
    if decision.refusal is None:
        return
    if decision.refusal is Refusal.NO_KEYS:
        what = "writes are disabled" if write else "PROTECT_READS is on"
        raise RowsError(403, f"{what} but no API_KEYS are configured: set API_KEYS (comma-separated)", "forbidden")
    raise RowsError(401, MISSING_TOKEN if decision.refusal is Refusal.MISSING else BAD_TOKEN, "unauthorized")


# ---- reads ---------------------------------------------------------------------------------------------------


async def read_where(request: Request, backend: Backend) -> Response:
    """GET with a required `where`."""
    table = await backend.rows.catalog.table(request.path_params["keyspace"], request.path_params["table"])
    params = request.query_params
    compact = _compact_maps(request, backend)
    conditions = parse_where(params.get("where"), table, compact_maps=compact)
    return await _answer_read(request, backend, table, conditions, compact)


async def read_all(request: Request, backend: Backend) -> Response:
    """GET `/rows`: the whole table, a page at a time."""
    table = await backend.rows.catalog.table(request.path_params["keyspace"], request.path_params["table"])
    return await _answer_read(request, backend, table, [], _compact_maps(request, backend))


async def read_by_key(request: Request, backend: Backend) -> Response:
    """GET by primary key, or by a prefix of it: a row, a partition, or a clustering range."""
    segments = key_segments(request)
    if not segments:  # `/v2/keyspaces/ks/t/`: the table itself, as Stargate reads a trailing slash
        return await read_where(request, backend)
    table = await backend.rows.catalog.table(request.path_params["keyspace"], request.path_params["table"])
    key = key_conditions(segments, table, action="find")
    return await _answer_read(request, backend, table, key, _compact_maps(request, backend))


async def _answer_read(
    request: Request, backend: Backend, table: Any, conditions: list[Any], compact: bool
) -> Response:
    params = request.query_params
    settings = backend.settings
    fields = params.get("fields")
    columns = parse_fields(fields, table) if fields and fields.strip() else None
    order = parse_sort(params.get("sort"), table)
    allow_filtering = _flag(params.get("allowFiltering"))
    if allow_filtering and not settings.rows_allow_filtering:
        raise RowsError(
            400, "allowFiltering=true is refused: this deployment does not allow it (ROWS_ALLOW_FILTERING)", "forbidden"
        )
    query = await backend.rows.query(
        table, conditions, columns=columns, order=order, allow_filtering=allow_filtering, compact_maps=compact
    )
    ndjson = _wants_ndjson(request)
    # A JSON page is held whole while it is answered, like the sample's format=page: MAX_CURSOR_PAGE_SIZE caps it.
    size = _page_size(params.get("page-size"), settings.max_page_size if ndjson else settings.max_cursor_page_size)
    token = params.get("page-state") or None
    state = backend.codec.open(token, query.identity) if token else None
    if ndjson:
        # A stream's page size is only how much the driver fetches at a time: Stargate's 100 rows would cost a
        # round trip per 100 rows, so a stream without page-size fetches PAGE_SIZE rows, as the sample's do.
        fetch = size if params.get("page-size", "").strip() else min(settings.page_size, settings.max_page_size)
        return await _stream(request, backend, query, fetch, state)
    page = await backend.rows.page(query, page_size=size, paging_state=state)
    if _flag(params.get("raw")):
        return Response(dumps(page.rows), media_type=JSON)
    body: dict[str, object] = {"count": len(page.rows)}
    if page.paging_state:
        body["pageState"] = backend.codec.seal(page.paging_state, query.identity)
    body["data"] = page.rows
    return Response(dumps(body), media_type=JSON)


async def _stream(request: Request, backend: Backend, query: Query, size: int, state: bytes | None) -> Response:
    """Every page, as NDJSON: the same framing, backpressure, error line and idle bound as the sample's listings."""
    media = next((kind for kind in NDJSON_TYPES if kind in request.headers.get("accept", "")), NDJSON_TYPES[0])
    await admit_stream(request)
    pages = count_pages(backend.rows.listing(query).fetch(size, state), Framing.NDJSON)
    return await stream_pages(pages, Framing.NDJSON, media, limits=StreamLimits.of(backend.settings))


# ---- writes --------------------------------------------------------------------------------------------------


async def create_row(request: Request, backend: Backend) -> Response:
    """POST a JSON object: an insert (an upsert, as in CQL). 201 with the body, as Stargate v2 answers.

    An NDJSON body is a bulk ingest instead, a row per line (`app.rows.ingest`)."""
    if is_ingest(request.scope):
        return await ingest(
            request, backend, options=_write_options(request), compact_maps=_compact_maps(request, backend)
        )
    table = await backend.rows.catalog.table(request.path_params["keyspace"], request.path_params["table"])
    raw = await request.body()
    row = _json_object(request, raw, action="create")
    options = _write_options(request)
    existing = await backend.rows.insert(table, row, compact_maps=_compact_maps(request, backend), options=options)
    if options.if_not_exists:
        if existing is not None:
            description = "a row with this primary key exists: nothing was written (ifNotExists=true)"
            body = {"applied": False, "description": description, "code": 409, "existing": existing}
            return Response(dumps(body), status_code=409, media_type=JSON)
        return Response(dumps({"applied": True, **row}), status_code=201, media_type=JSON)
    return Response(raw, status_code=201, media_type=JSON)


async def update_row(request: Request, backend: Backend) -> Response:
    """PUT or PATCH (the same in Stargate): set the given columns at the key; omitted columns are left as they are."""
    table = await backend.rows.catalog.table(request.path_params["keyspace"], request.path_params["table"])
    key = key_conditions(key_segments(request), table, action="update")
    changes = _json_object(request, await request.body(), action="update")
    await backend.rows.update(
        table, key, changes, compact_maps=_compact_maps(request, backend), options=_write_options(request)
    )
    body: object = changes if _flag(request.query_params.get("raw")) else {"data": changes}
    return Response(dumps(body), media_type=JSON)


async def delete_rows(request: Request, backend: Backend) -> Response:
    """DELETE at a key or a key prefix (a row, a partition, a clustering range). 204 whether or not rows were there."""
    table = await backend.rows.catalog.table(request.path_params["keyspace"], request.path_params["table"])
    key = key_conditions(key_segments(request), table, action="delete")
    await backend.rows.delete(table, key)
    return Response(status_code=204)


# ---- request parts -------------------------------------------------------------------------------------------


def key_segments(request: Request) -> list[str]:
    """The key path's values, percent-decoded one segment at a time from the raw path: `a%2Fb` is one value `a/b`.

    Starlette routes on the decoded path, where `%2F` has already become a separator; the raw path has not."""
    raw: bytes = request.scope.get("raw_path") or request.scope["path"].encode()
    parts = raw.split(b"/")
    # ... /keyspaces/{keyspace}/{table}/{key...}: the first "keyspaces" segment after "v2".
    start = next(i for i in range(1, len(parts)) if parts[i] == b"keyspaces" and parts[i - 1] == b"v2") + 3
    # Empty segments (`a//b`, a trailing slash) carry no value: Stargate skips them too.
    segments = [segment for segment in parts[start:] if segment]
    try:
        return [unquote_to_bytes(segment).decode("utf-8") for segment in segments]
    except UnicodeDecodeError:
        raise RowsError(
            400, "Invalid path for row: a key segment is not UTF-8 once percent-decoded", "bad_key"
        ) from None


def _json_object(request: Request, raw: bytes, *, action: str) -> dict[str, Any]:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media and media != JSON and not media.endswith("+json"):
        raise RowsError(
            415, f"the body must be JSON (Content-Type: application/json), not {media}", "unsupported_media_type"
        )
    try:
        body = loads_strict(raw.decode("utf-8"), last_duplicate_wins=True)
    except RecursionError:
        raise RowsError(400, "Invalid JSON payload: nested too deeply", "bad_json") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise RowsError(400, f"Invalid JSON payload: {exc}", "bad_json") from None
    if not isinstance(body, dict):
        problem = f"the row to {action} must be a JSON object, not {_json_kind(body)}"
        raise RowsError(400, f"Invalid JSON payload: {problem}", "bad_json")
    return body


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "a number"


def _compact_maps(request: Request, backend: Backend) -> bool:
    given = request.query_params.get("compactMapData")
    return backend.settings.rows_compact_map_data if given is None else _flag(given)


def _flag(value: str | None) -> bool:
    """Java's Boolean.parseBoolean, as JAX-RS reads Stargate's boolean parameters: "true" (any case) or false."""
    return value is not None and value.strip().lower() == "true"


def _page_size(value: str | None, cap: int) -> int:
    if value is None or not value.strip():
        return DEFAULT_PAGE_SIZE
    try:
        size = int(value)
    except ValueError:
        raise RowsError(400, f"Invalid 'page-size' parameter: {value!r} is not an integer", "bad_page_size") from None
    return min(size, cap) if size > 0 else DEFAULT_PAGE_SIZE


def _write_options(request: Request) -> WriteOptions:
    params = request.query_params
    return WriteOptions(
        ttl=_non_negative(params.get("ttl"), "ttl", MAX_INT32),
        timestamp=_non_negative(params.get("timestamp"), "timestamp", MAX_INT64),
        if_not_exists=_flag(params.get("ifNotExists")),
    )


def _non_negative(value: str | None, name: str, maximum: int) -> int | None:
    """A write option; up to what its bound type holds (beyond, the driver's bind would fail as a 500). Cassandra
    refuses a TTL over 20 years itself, with a 400."""
    if value is None or not value.strip():
        return None
    try:
        number = int(value)
    except ValueError:
        number = -1
    if not 0 <= number <= maximum:
        raise RowsError(
            400, f"Invalid '{name}' parameter: {value!r} is not an integer from 0 to {maximum}", "bad_write_option"
        )
    return number


def _wants_ndjson(request: Request) -> bool:
    if request.query_params.get("format", "").lower() == "ndjson":
        return True
    accept = request.headers.get("accept", "").lower()
    return any(kind in accept for kind in NDJSON_TYPES)
