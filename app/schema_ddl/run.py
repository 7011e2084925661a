"""Running one schema change (DDL), for both faces that change the schema: the schema API (`app.routes.stargate.ddl`)
and the Data API (`app.routes.data_api.ddl_run`). Each face words a failure its own way; this module only runs the
statement and brings this process's view of the schema up to date.

- The session is the backend's `Database` (the service's, or in pass-through a view on the caller's own, so that
  Cassandra's CREATE, ALTER and DROP permissions decide), with its in-flight bound and driver-error metrics.
- Schema agreement: the driver waits for it itself before it completes a DDL request (it polls every node's schema
  version, up to the Cluster's `max_schema_agreement_wait`, then refreshes its metadata of what changed), and says
  whether it was reached (`ResponseFuture.is_schema_agreed`). The whole wait is bounded by
  SCHEMA_CHANGE_TIMEOUT_SECONDS, not REQUEST_TIMEOUT (agreement takes longer than a read), and the edge's
  SERVER_TIMEOUT is lengthened to let it: a change Cassandra has not confirmed by then is `SchemaChangeUnconfirmed`
  (a 504 saying it may have been applied).
- Then (`follow`) the catalog describes the table again (or forgets it), its memory of refused statements and
  unknown names is cleared, and the OpenAPI document is rebuilt on its next request. Other processes follow through
  the driver's schema events.
"""

from __future__ import annotations

from cassandra import OperationTimedOut, RequestValidationException
from cassandra.protocol import RequestValidationException as RefusedMessage
from cassandra.query import SimpleStatement
from starlette.types import Scope

from app.exceptions import DatabaseError, ServiceError
from app.http.audit import SCHEMA_AGREED_KEY
from app.http.deps import Backend
from app.http.timeout import allow_longer
from app.openapi.document import RowsDocs


class SchemaChangeUnconfirmed(DatabaseError):
    """Cassandra did not answer a schema change within SCHEMA_CHANGE_TIMEOUT_SECONDS: it may still be applied."""

    def __init__(self, bound: float) -> None:
        super().__init__(
            504,
            "schema_change_unconfirmed",
            f"Cassandra did not confirm the schema change within {bound:g} s: it may still be applied; read the "
            "schema before trying again",
        )


async def run_schema_change(backend: Backend, cql: str, *, scope: Scope | None = None) -> bool:
    """Run one DDL statement on the backend's session and wait for Cassandra's answer; whether the cluster agreed on
    the new schema (also kept in the request's `scope`, for the audit line, when one is given).

    It goes through the `Database` seam (the in-flight bound, the driver-error metrics) with the schema change's own
    timeout. A statement Cassandra refuses (invalid, already there, not permitted) comes out as the driver's own
    exception, for the face to word; no answer within the bound is `SchemaChangeUnconfirmed`; anything else is the
    seam's `DatabaseError` (503/504)."""
    bound = backend.settings.schema_change_timeout_seconds
    if scope is not None:
        allow_longer(scope, bound + 1)  # the 504 below, worded for a schema change, comes before the edge's
    try:
        agreed = await backend.db.change_schema(SimpleStatement(cql), within=bound)
    except ServiceError as exc:
        cause = exc.__cause__
        if isinstance(cause, OperationTimedOut):
            raise SchemaChangeUnconfirmed(bound) from cause
        if isinstance(cause, (RequestValidationException, RefusedMessage)):
            raise cause from None
        raise
    if scope is not None:
        scope[SCHEMA_AGREED_KEY] = agreed
    return agreed


def follow(backend: Backend, keyspace: str, table: str | None, *, app: object = None) -> None:
    """This process's view after a change: the table described again (or forgotten), what was remembered as
    refused or unknown cleared, and `app`'s OpenAPI document rebuilt on its next request."""
    catalog = backend.engine.catalog
    catalog.budget.refused.clear()
    catalog.unknown.forget((keyspace, None))
    if table is not None:
        catalog.unknown.forget((keyspace, table))
        catalog.current(keyspace, table)
    docs = getattr(app, "openapi", None)
    if isinstance(docs, RowsDocs):
        docs.schema_changed()
