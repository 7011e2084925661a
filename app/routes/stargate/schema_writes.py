"""The schema API's writes, answered as Stargate v2.0.51 answers them: create and drop keyspaces; create, alter
(default TTL) and drop tables; add, rename and drop columns; create and drop indexes; create, alter and drop
user-defined types. `schemas` routes them here (`answer`); the CQL comes from `app.schema_ddl`, and each statement
runs through `ddl.run_ddl` (the request's session, schema agreement, the catalog following).

Who may: SCHEMA_API_WRITES=false answers every write 405. In keys mode a key needs the `admin` scope on the
keyspace (on `keyspace.table` for a change to one table: its columns, indexes, options, or dropping it), and
ALLOW_ANONYMOUS_WRITES never opens them; in
pass-through mode the caller's own role runs the statement, so Cassandra's CREATE, ALTER and DROP permissions
decide. Only served keyspaces (ROWS_KEYSPACES) are changed. Every write, refused or not, is one audit line.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import Response

from app.encoding import dumps
from app.exceptions import RowsError, ServiceError
from app.http.audit import SCHEMA_AGREED_KEY, audit_schema
from app.http.deps import Backend
from app.http.errors import error_response
from app.routes.stargate.access import Leased, admit, authorize
from app.routes.stargate.ddl import AGREEMENT_HEADER, SchemaRefused, run_ddl
from app.routes.stargate.params import JSON, flag
from app.routes.stargate.schema_lookups import table_meta
from app.rows.query import loads_strict
from app.schema_ddl import columns, indexes, keyspaces, tables, udts
from app.schema_ddl.fields import identifier

Handler = Callable[..., Awaitable[Response]]
TARGET_KEY = "app.schema_target"  # (keyspace, the table, type or index named) for the audit line
WRITES_OFF = (
    "{method} is not supported here: schema changes through this API are off (SCHEMA_API_WRITES=false). Create, "
    "alter or drop keyspaces, tables, columns, indexes and types (DDL) through CQL; these endpoints then show it."
)
NO_KEYS = (
    "schema changes need a key with the admin scope, and no API_KEYS are configured: set API_KEYS or "
    "API_KEYS_FILE (ALLOW_ANONYMOUS_WRITES opens row writes, never the schema)"
)
_BAD_DC = re.compile(r"Unrecognized strategy option \{(\w+)\}.*")


async def answer(
    request: Request, backend: Backend, handler: Handler, args: tuple[str, ...], allow: str
) -> Response | Leased:
    """A write routed to `handler`: the setting, the access rule, the handler, and its audit line."""
    if not backend.settings.schema_api_writes:
        detail = WRITES_OFF.format(method=request.method)
        return error_response(405, "method_not_allowed", detail, {"Allow": allow}, path=request.url.path)
    request.scope[TARGET_KEY] = (args[0] if args else None, args[1] if len(args) > 1 else None)
    status = 500
    try:
        result = await _checked(request, backend, handler, args)
        response = result.response if isinstance(result, Leased) else result
        status = response.status_code
        if request.scope.get(SCHEMA_AGREED_KEY) is False:
            response.headers[AGREEMENT_HEADER] = "not-reached"
        return result
    except SchemaRefused as exc:
        status = exc.status
        return error_response(exc.status, exc.error, exc.detail, path=request.url.path, grpc_status=exc.grpc_status)
    except ServiceError as exc:
        status = exc.status
        raise
    finally:
        keyspace, target = request.scope[TARGET_KEY]
        audit_schema(request.scope, operation=handler.__name__, keyspace=keyspace, target=target, status=status)


async def _checked(request: Request, backend: Backend, handler: Handler, args: tuple[str, ...]) -> Response | Leased:
    if backend.identities is not None:  # pass-through: the caller's role runs it, Cassandra decides
        return await admit(request, backend, lambda caller: handler(request, caller, *args))
    if not backend.settings.api_keys and backend.settings.api_keys_file is None:
        raise RowsError(403, NO_KEYS, "forbidden")
    keyspace = args[0] if args else await _named_keyspace(request)
    table = args[1] if len(args) > 1 and handler in TABLE_SCOPED else None
    authorize(request, backend, write=True, action="admin", keyspace=keyspace, table=table)
    return await handler(request, backend, *args)


async def _named_keyspace(request: Request) -> str | None:
    """The keyspace a POST /keyspaces names, for the access rule (None when the body names none: a key then needs
    the admin scope on every keyspace, and the body's problem is said once access is granted)."""
    try:
        body = loads_strict((await request.body()).decode("utf-8"), last_duplicate_wins=True)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    name = body.get("name") if isinstance(body, dict) else None
    return name if isinstance(name, str) and name else None


# ---- keyspaces -----------------------------------------------------------------------------------------------


async def create_keyspace(request: Request, backend: Backend) -> Response:
    plan = keyspaces.create_keyspace(await _body(request, "Invalid JSON payload for Keyspace creation, problem: "))
    _target(request, plan.name)
    _served(backend, plan.name)
    try:
        await run_ddl(request, backend, plan.cql, keyspace=plan.name)
    except SchemaRefused as exc:
        found = _BAD_DC.search(exc.detail)
        if found is None or found.group(1) not in plan.datacenters:
            raise
        listed = ", ".join(plan.datacenters)
        raise RowsError(400, f"Bad request: one or more of datacenters passed ([{listed}]) invalid") from None
    return _named(201, plan.name)


async def delete_keyspace(request: Request, backend: Backend, ks: str) -> Response:
    _served(backend, ks)
    await run_ddl(request, backend, keyspaces.drop_keyspace(ks), keyspace=ks)
    return Response(status_code=204)


# ---- tables --------------------------------------------------------------------------------------------------


async def create_table(request: Request, backend: Backend, ks: str) -> Response:
    name, cql = tables.create_table(ks, await _object(request))
    _target(request, ks, name)
    _in_served(backend, ks)
    await run_ddl(request, backend, cql, keyspace=ks, table=name)
    return _named(201, name)


async def update_table(request: Request, backend: Backend, ks: str, table: str) -> Response:
    cql = tables.update_table(ks, table, await _object(request))
    await table_meta(backend.engine.catalog, ks, table, missing=400)
    await run_ddl(request, backend, cql, keyspace=ks, table=table)
    return _named(200, table)


async def delete_table(request: Request, backend: Backend, ks: str, table: str) -> Response:
    _in_served(backend, ks)
    await run_ddl(request, backend, tables.drop_table(ks, table), keyspace=ks, table=table)
    return Response(status_code=204)


# ---- columns -------------------------------------------------------------------------------------------------


async def add_column(request: Request, backend: Backend, ks: str, table: str) -> Response:
    column, cql = columns.add_column(ks, table, await _object(request))
    await table_meta(backend.engine.catalog, ks, table, missing=400)
    await run_ddl(request, backend, cql, keyspace=ks, table=table)
    return _named(201, column.name)


async def rename_column(request: Request, backend: Backend, ks: str, table: str, column: str) -> Response:
    new = columns.new_name(await _object(request))
    if new == column:  # Stargate answers a rename to the same name at once, asking nothing
        return _named(200, new)
    await _column(backend, ks, table, column, missing=400)
    await run_ddl(request, backend, columns.rename_column(ks, table, column, new), keyspace=ks, table=table)
    return _named(200, new)


async def delete_column(request: Request, backend: Backend, ks: str, table: str, column: str) -> Response:
    await _column(backend, ks, table, column, missing=400)
    await run_ddl(request, backend, columns.drop_column(ks, table, column), keyspace=ks, table=table)
    return Response(status_code=204)


async def _column(backend: Backend, ks: str, table: str, column: str, *, missing: int) -> None:
    meta = await table_meta(backend.engine.catalog, ks, table, missing=400)
    if column not in meta.columns:
        raise RowsError(missing, f"Column '{column}' not found in table '{table}'", "unknown_column")


# ---- indexes -------------------------------------------------------------------------------------------------


async def create_index(request: Request, backend: Backend, ks: str, table: str) -> Response:
    plan = indexes.create_index(ks, table, await _object(request))
    await _column(backend, ks, table, plan.column, missing=404)
    await run_ddl(request, backend, plan.cql, keyspace=ks, table=table)
    return Response(dumps({"success": True}), status_code=201, media_type=JSON)


async def delete_index(request: Request, backend: Backend, ks: str, table: str, name: str) -> Response:
    identifier(name, "the index name")
    await table_meta(backend.engine.catalog, ks, table, missing=400)
    cql = indexes.drop_index(ks, name, if_exists=flag(request.query_params.get("ifExists")))
    await run_ddl(request, backend, cql, keyspace=ks, table=table)
    return Response(status_code=204)


# ---- user-defined types --------------------------------------------------------------------------------------


async def create_type(request: Request, backend: Backend, ks: str) -> Response:
    name, cql = udts.create_type(ks, await _object(request, "Invalid JSON payload: "))
    _target(request, ks, name)
    _in_served(backend, ks)
    try:
        await run_ddl(request, backend, cql, keyspace=ks)
    except SchemaRefused as exc:
        if "already exists" not in exc.detail:
            raise
        raise RowsError(400, "Bad request: " + exc.detail.split("INVALID_ARGUMENT: ", 1)[-1]) from None
    return _named(201, name)


async def update_type(request: Request, backend: Backend, ks: str) -> Response:
    name, statements = udts.update_type(ks, await _object(request))
    _target(request, ks, name)
    _in_served(backend, ks)
    for cql in statements:
        await run_ddl(request, backend, cql, keyspace=ks)
    await _describe_tables_again(backend, ks)
    return Response(status_code=200)


async def delete_type(request: Request, backend: Backend, ks: str, name: str) -> Response:
    _in_served(backend, ks)
    await run_ddl(request, backend, udts.drop_type(ks, name), keyspace=ks)
    return Response(status_code=204)


async def _describe_tables_again(backend: Backend, ks: str) -> None:
    """A type's new fields reach the tables using it: the driver replaces a table's metadata only when the table
    itself changes, so the keyspace is refreshed (new objects: the catalog describes each table again)."""
    cluster = backend.db.session.cluster
    await anyio.to_thread.run_sync(lambda: cluster.refresh_keyspace_metadata(ks, max_schema_agreement_wait=2))


TABLE_SCOPED = frozenset(
    {update_table, delete_table, add_column, rename_column, delete_column, create_index, delete_index}
)


# ---- helpers -------------------------------------------------------------------------------------------------


async def _body(request: Request, problem: str) -> Any:
    """The JSON body (bounded by MAX_BODY_BYTES at the edge); `problem` opens the 400 when it is not JSON."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media and media != JSON and not media.endswith("+json"):
        raise RowsError(
            415, f"the body must be JSON (Content-Type: application/json), not {media}", "unsupported_media_type"
        )
    try:
        return loads_strict((await request.body()).decode("utf-8"), last_duplicate_wins=True)
    except RecursionError:
        raise RowsError(400, problem + "nested too deeply", "bad_json") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise RowsError(400, problem + str(exc), "bad_json") from None


async def _object(request: Request, problem: str = "Invalid JSON payload: ") -> dict[str, Any]:
    body = await _body(request, problem)
    if not isinstance(body, dict):
        raise RowsError(400, problem + "the body must be a JSON object", "bad_json")
    return body


def _named(status: int, name: str) -> Response:
    """Stargate's `Sgv2NameResponse`."""
    return Response(dumps({"name": name}), status_code=status, media_type=JSON)


def _target(request: Request, keyspace: str, name: str | None = None) -> None:
    request.scope[TARGET_KEY] = (keyspace, name)


def _served(backend: Backend, ks: str) -> None:
    """Keyspace writes: only a keyspace the rows API serves (decided on the name alone: nothing is said about one
    that exists but is not served)."""
    if ks not in backend.engine.catalog.served:
        raise RowsError(
            400,
            f"Keyspace '{ks}' is not served here: ROWS_KEYSPACES names the keyspaces this service serves and changes",
            "keyspace_not_served",
        )


def _in_served(backend: Backend, ks: str) -> None:
    """Writes below a keyspace: one not served answers as an unknown keyspace does."""
    if ks not in backend.engine.catalog.served:
        raise RowsError(400, f"Keyspace '{ks}' not found", "unknown_keyspace")
