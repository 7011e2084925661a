"""Running one schema change (DDL) of the schema API: on the request's session, until the cluster agrees on it, and
then this process's view of the schema follows at once.

- The session is the request's: the service's (keys mode) or the caller's own (pass-through, `access.admit`), so in
  pass-through Cassandra's CREATE, ALTER and DROP permissions decide, and its refusal is the caller's 401.
- Schema agreement: the driver waits for it itself before it completes a DDL request (it polls every node's schema
  version, up to the Cluster's `max_schema_agreement_wait`, then refreshes its metadata of what changed), and says
  whether it was reached (`ResponseFuture.is_schema_agreed`). The whole wait is bounded here by
  SCHEMA_CHANGE_TIMEOUT_SECONDS (the edge's SERVER_TIMEOUT is lengthened to let it): a
  change Cassandra has not confirmed by then is a 504 saying it may have been applied; one confirmed without
  agreement is answered with `X-Schema-Agreement: not-reached` (and the audit line says so).
- Then the catalog describes the table again (or forgets it), its memory of refused statements and unknown names is
  cleared, and the OpenAPI document is rebuilt on its next request. Other processes follow through the driver's
  schema events (docs/rows-api.md, "Schema API (writes)").

A statement Cassandra refuses is answered as Stargate answers it: its gRPC bridge's status and words (400
INVALID_ARGUMENT, 409 ALREADY_EXISTS) around Cassandra's own message (`SchemaRefused`).
"""

from __future__ import annotations

import asyncio
from typing import Any

from cassandra import AlreadyExists, RequestValidationException, Unauthorized
from cassandra.protocol import RequestValidationException as RefusedMessage
from cassandra.query import SimpleStatement
from starlette.requests import Request

from app.db.errors import map_driver_error, server_message
from app.exceptions import CallerUnauthorized, DatabaseError, RowsError, ServiceError
from app.http.audit import SCHEMA_AGREED_KEY
from app.http.deps import Backend
from app.http.timeout import allow_longer
from app.openapi.document import RowsDocs

AGREEMENT_HEADER = "X-Schema-Agreement"


class SchemaRefused(RowsError):
    """Cassandra refused a schema change: Stargate's status, `grpcStatus` and description for it."""

    def __init__(self, status: int, grpc_status: str, description: str) -> None:
        super().__init__(status, description, "schema_refused" if status == 400 else "already_exists")
        self.grpc_status = grpc_status


def invalid_argument(message: str) -> SchemaRefused:
    return SchemaRefused(
        400,
        "INVALID_ARGUMENT",
        f"Invalid argument for gRPC operation (Status.Code.INVALID_ARGUMENT->400): INVALID_ARGUMENT: {message}",
    )


async def run_ddl(request: Request, backend: Backend, cql: str, *, keyspace: str, table: str | None = None) -> bool:
    """Run one DDL statement on the request's session and wait for schema agreement; then this process's catalog
    and OpenAPI document follow. Whether the cluster agreed (also kept in the request's scope for the audit line)."""
    bound = backend.settings.schema_change_timeout_seconds
    allow_longer(request.scope, bound + 1)  # our 504 below, worded for a schema change, comes before the edge's
    loop = asyncio.get_running_loop()
    waiter: asyncio.Future[Any] = loop.create_future()
    try:
        future = backend.db.session.execute_async(SimpleStatement(cql), timeout=bound)
    except Exception as exc:
        raise _refusal(exc, backend, keyspace, table) from exc
    future.add_callbacks(_on_done, _on_error, callback_args=(loop, waiter), errback_args=(loop, waiter))
    try:
        async with asyncio.timeout(bound):
            failure = await waiter
    except TimeoutError:
        raise DatabaseError(
            504,
            "schema_change_unconfirmed",
            f"Cassandra did not confirm the schema change within {bound:g} s: it may still be applied; read the "
            "schema before trying again",
        ) from None
    if failure is not None:
        raise _refusal(failure, backend, keyspace, table) from failure
    agreed = bool(future.is_schema_agreed)
    request.scope[SCHEMA_AGREED_KEY] = agreed
    follow(request, backend, keyspace, table)
    return agreed


def _on_done(_rows: object, loop: asyncio.AbstractEventLoop, waiter: asyncio.Future[Any]) -> None:
    _hand_over(loop, waiter, None)


def _on_error(exc: BaseException, loop: asyncio.AbstractEventLoop, waiter: asyncio.Future[Any]) -> None:
    _hand_over(loop, waiter, exc)


def _hand_over(loop: asyncio.AbstractEventLoop, waiter: asyncio.Future[Any], failure: BaseException | None) -> None:
    """From whichever thread completed the request (the driver would swallow an exception here: none is raised)."""

    def settle() -> None:
        if not waiter.done():
            waiter.set_result(failure)

    try:  # noqa: SIM105 -- no object built per call
        loop.call_soon_threadsafe(settle)
    except RuntimeError:
        pass  # the loop is closed: nobody is waiting any more


def follow(request: Request, backend: Backend, keyspace: str, table: str | None) -> None:
    """This process's view after a change: the table described again (or forgotten), what was remembered as
    refused or unknown cleared, the OpenAPI document rebuilt on its next request."""
    catalog = backend.engine.catalog
    catalog.budget.refused.clear()
    catalog.unknown.forget((keyspace, None))
    if table is not None:
        catalog.unknown.forget((keyspace, table))
        catalog.current(keyspace, table)
    docs = getattr(request.app, "openapi", None)
    if isinstance(docs, RowsDocs):
        docs.schema_changed()


def _refusal(exc: BaseException, backend: Backend, keyspace: str, table: str | None) -> ServiceError:
    """A driver exception as the answer Stargate gives for it."""
    if isinstance(exc, Unauthorized) and backend.identities is not None:
        return CallerUnauthorized(server_message(exc))
    if isinstance(exc, AlreadyExists):  # the driver keeps the names, not Cassandra's text: that text, rebuilt
        what = (
            f'Cannot add already existing table "{exc.table}" to keyspace "{exc.keyspace}"'
            if exc.table
            else f'Cannot add existing keyspace "{exc.keyspace}"'
        )
        return SchemaRefused(
            409, "ALREADY_EXISTS", f"Resource already exists (Status.Code.ALREADY_EXISTS->409): ALREADY_EXISTS: {what}"
        )
    if isinstance(exc, (RequestValidationException, RefusedMessage)):  # invalid, a syntax or configuration error
        return invalid_argument(server_message(exc))
    return map_driver_error(exc)
