"""Driver exceptions mapped onto the service's `DatabaseError`, at the seam (httpx's `map_httpcore_exceptions`).

Pure: it says what an exception means for a client and records nothing; `app.db.database` counts what it maps, and
`app.db.credentials` keeps what Cassandra refuses the service itself.

Only what may get better by waiting is a 503 (and so carries `Retry-After`, `app.http.errors`). Cassandra refusing
the service's credentials or its role's permissions will not: that is a 502, the gateway's upstream refusing it, with
a code of its own, and an operator's to fix. A statement Cassandra refuses as invalid is a 500 (ours to fix).
"""

from __future__ import annotations

from cassandra import (
    AuthenticationFailed,
    CoordinationFailure,
    InvalidRequest,
    OperationTimedOut,
    ReadTimeout,
    Unauthorized,
    Unavailable,
    WriteTimeout,
)
from cassandra.cluster import NoHostAvailable
from cassandra.connection import ConnectionException
from cassandra.protocol import IsBootstrappingErrorMessage, OverloadedErrorMessage

from app.exceptions import DatabaseError


def auth_failed() -> DatabaseError:
    return DatabaseError(
        502, "database_auth_failed", "Cassandra refuses the service's credentials: an operator must renew them"
    )


def permission_denied() -> DatabaseError:
    # Cassandra's message names the role and the table: it goes to the log (app.db.credentials), not to clients.
    return DatabaseError(
        502,
        "database_permission_denied",
        "Cassandra refused this statement to the service's role (a missing permission): an operator must grant it",
    )


def map_driver_error(exc: BaseException, *, credentials_refused: bool = False) -> DatabaseError:
    """The answer a client should get for a driver exception (a `DatabaseError` passes through unchanged).

    `credentials_refused`: the driver's last connection attempt was refused its credentials (`app.db.credentials`).
    A request finding no host then fails for that reason, although its own error names no authentication."""
    if isinstance(exc, DatabaseError):
        return exc
    if isinstance(exc, (ReadTimeout, WriteTimeout, OperationTimedOut)):
        return DatabaseError(504, "database_timeout", f"Cassandra did not answer in time ({type(exc).__name__})")
    if isinstance(exc, AuthenticationFailed):
        if transient_auth_failure(exc):
            return DatabaseError(503, "database_unavailable", "Cassandra could not check the service's credentials")
        return auth_failed()
    if isinstance(exc, Unauthorized):
        return permission_denied()
    if isinstance(exc, NoHostAvailable):
        if credentials_refused or _all_authentication_failures(exc):
            return auth_failed()
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
    if isinstance(exc, (ConnectionException, ConnectionError)):
        return DatabaseError(503, "database_unavailable", "the connection to Cassandra failed")
    return DatabaseError(503, "database_error", f"Cassandra request failed ({type(exc).__name__})")


def transient_auth_failure(exc: BaseException) -> bool:
    """Cassandra could not look the role up (system_auth unavailable: a node starting, replicas down). It answers
    that as an authentication error too, but with "Unable to perform authentication"; it is not a refusal."""
    return "Unable to perform authentication" in str(exc)


def _all_authentication_failures(exc: NoHostAvailable) -> bool:
    errors = exc.errors or {}
    reasons = list(errors.values()) if isinstance(errors, dict) else list(errors)
    return bool(reasons) and all(
        isinstance(reason, AuthenticationFailed) and not transient_auth_failure(reason) for reason in reasons
    )


def server_message(exc: BaseException) -> str:
    """The text Cassandra sent, without the driver's 'Error from server: code=2200 [Invalid query]' wrapping."""
    text = str(exc)
    marker = 'message="'
    if marker in text:
        text = text.split(marker, 1)[1].rsplit('"', 1)[0]
    return text
