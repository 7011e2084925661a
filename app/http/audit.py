"""One audit line per write on the rows API, and per schema change on the schema API (logger `app.audit`): who
(the principal), what (keyspace.table and the operation) and how it ended (the status, rows written and refused).
Never a value, a key or a token.

A row write counts one row, written when the answer is a success; an ingest records its own counts in the request's
scope (`record_rows`) before it answers.
"""

from __future__ import annotations

import logging

from starlette.types import Scope

from app.http.principal import principal_of

ROWS_KEY = "app.rows"
SCHEMA_AGREED_KEY = "app.schema_agreed"  # set by a schema change once Cassandra answered it
OPERATIONS = {"POST": "insert", "PUT": "update", "PATCH": "update", "DELETE": "delete"}

audit_log = logging.getLogger("app.audit")


def record_rows(scope: Scope, written: int, refused: int) -> None:
    scope[ROWS_KEY] = (written, refused)


def audit_write(
    scope: Scope, *, keyspace: str | None, table: str | None, status: int, operation: str | None = None
) -> None:
    """`operation` names a write the method does not (a Data API command); else it is the method's."""
    if not audit_log.isEnabledFor(logging.INFO):
        return
    counted = scope.get(ROWS_KEY)
    written, refused = counted if counted is not None else ((1, 0) if 200 <= status < 300 else (0, 1))
    method = str(scope.get("method", ""))
    fields = {
        "principal": principal_of(scope),
        "table": f"{keyspace}.{table}",
        "operation": operation or ("ingest" if counted is not None else OPERATIONS.get(method, method.lower()[:16])),
        "status": status,
        "rows_written": written,
        "rows_refused": refused,
    }
    audit_log.info("write", extra={"fields": fields})


def audit_schema(scope: Scope, *, operation: str, keyspace: str | None, target: str | None, status: int) -> None:
    """One line per schema change asked of the schema API (`create_table`, `drop_index`, ...), refused or not:
    who, what (the keyspace, and the table, type or index it names) and how it ended (the status, and whether the
    cluster agreed on the new schema before the answer: `app.routes.stargate.ddl`)."""
    if not audit_log.isEnabledFor(logging.INFO):
        return
    fields = {
        "principal": principal_of(scope),
        "operation": operation,
        "keyspace": keyspace,
        "target": target,
        "status": status,
        "schema_agreed": scope.get(SCHEMA_AGREED_KEY),
    }
    audit_log.info("schema", extra={"fields": fields})
