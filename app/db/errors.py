"""Driver exceptions mapped onto the service's `DatabaseError`, at the seam (httpx's `map_httpcore_exceptions`).

Pure: it says what an exception means for a client and records nothing; `app.db.database` counts what it maps.
"""

from __future__ import annotations

from cassandra import (
    AuthenticationFailed,
    CoordinationFailure,
    InvalidRequest,
    OperationTimedOut,
    ReadTimeout,
    Unavailable,
    WriteTimeout,
)
from cassandra.cluster import NoHostAvailable
from cassandra.connection import ConnectionException
from cassandra.protocol import IsBootstrappingErrorMessage, OverloadedErrorMessage

from app.exceptions import DatabaseError


def map_driver_error(exc: BaseException) -> DatabaseError:
    """The answer a client should get for a driver exception (a `DatabaseError` passes through unchanged)."""
    if isinstance(exc, DatabaseError):
        return exc
    if isinstance(exc, (ReadTimeout, WriteTimeout, OperationTimedOut)):
        return DatabaseError(504, "database_timeout", f"Cassandra did not answer in time ({type(exc).__name__})")
    if isinstance(exc, NoHostAvailable):
        return DatabaseError(503, "database_unavailable", "no Cassandra node is reachable")
    if isinstance(exc, Unavailable):
        return DatabaseError(503, "database_unavailable", "not enough replicas alive for the requested consistency")
    if isinstance(exc, (OverloadedErrorMessage, IsBootstrappingErrorMessage)):
        return DatabaseError(503, "database_overloaded", "Cassandra is overloaded; retry later")
    if isinstance(exc, CoordinationFailure):
        detail = f"Cassandra could not complete the request ({type(exc).__name__})"
        return DatabaseError(503, "database_unavailable", detail)
    if isinstance(exc, InvalidRequest):
        # Cassandra refused the statement (no such table, a restriction it will not run): waiting will not help.
        return DatabaseError(500, "database_invalid_request", server_message(exc))
    if isinstance(exc, (ConnectionException, ConnectionError, AuthenticationFailed)):
        return DatabaseError(503, "database_unavailable", "the connection to Cassandra failed")
    return DatabaseError(503, "database_error", f"Cassandra request failed ({type(exc).__name__})")


def server_message(exc: BaseException) -> str:
    """The text Cassandra sent, without the driver's 'Error from server: code=2200 [Invalid query]' wrapping."""
    text = str(exc)
    marker = 'message="'
    if marker in text:
        text = text.split(marker, 1)[1].rsplit('"', 1)[0]
    return text
