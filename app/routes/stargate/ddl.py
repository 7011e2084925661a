"""Running one schema change (DDL) of the schema API, in Stargate's words: `app.schema_ddl.run` runs it (the
request's session, schema agreement within SCHEMA_CHANGE_TIMEOUT_SECONDS, the catalog and OpenAPI following); this
module answers as Stargate does.

- The session is the request's: the service's (keys mode) or the caller's own (pass-through, `access.admit`), so in
  pass-through Cassandra's refusal is the caller's 401.
- A change confirmed without agreement is answered with `X-Schema-Agreement: not-reached` (and the audit line says
  so); one not confirmed in time is a 504 saying it may have been applied. Other processes follow through the
  driver's schema events (docs/rows-api.md, "Schema API (writes)").

A statement Cassandra refuses is answered as Stargate answers it: its gRPC bridge's status and words (400
INVALID_ARGUMENT, 409 ALREADY_EXISTS) around Cassandra's own message (`SchemaRefused`).
"""

from __future__ import annotations

from cassandra import AlreadyExists, RequestValidationException, Unauthorized
from cassandra.protocol import RequestValidationException as RefusedMessage
from starlette.requests import Request

from app.db.errors import map_driver_error, server_message
from app.exceptions import CallerUnauthorized, RowsError, ServiceError
from app.http.deps import Backend
from app.schema_ddl.run import SchemaChangeUnconfirmed, follow, run_schema_change

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
    try:
        agreed = await run_schema_change(backend, cql, scope=request.scope)
    except SchemaChangeUnconfirmed:
        raise
    except Exception as exc:
        raise _refusal(exc, backend) from exc
    follow(backend, keyspace, table, app=request.app)
    return agreed


def _refusal(exc: BaseException, backend: Backend) -> ServiceError:
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
