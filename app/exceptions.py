"""The service's own exception types. A leaf: it imports nothing of ours, so every layer may raise these."""

from __future__ import annotations


class StartupError(Exception):
    """The service cannot start; the message is the one line an operator sees."""


class ConfigError(StartupError):
    """The configuration is missing something or contradicts itself."""


class ServiceError(Exception):
    """Every refusal the service answers itself: an HTTP `status`, a stable `error` code and a `detail` saying what
    was wrong. Each face writes it in its own shape (one handler, found by the class's MRO)."""

    def __init__(self, status: int, error: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.error = error
        self.detail = detail


class BadPageState(ServiceError):
    """A page_state token that this service did not issue for this query."""

    def __init__(self, detail: str) -> None:
        super().__init__(400, "bad_page_state", detail)


class DatabaseError(ServiceError):
    """Database trouble, already classified into an HTTP status and a stable `error` code."""


class CallerUnauthorized(ServiceError):
    """Cassandra refused a statement to the caller's own role (pass-through): Stargate's 401, with Cassandra's words.
    The caller's refusal, never the service's fault: not retried, and readiness does not hear of it."""

    grpc_status = "PERMISSION_DENIED"

    def __init__(self, message: str) -> None:
        super().__init__(
            401, "unauthorized", f"Unauthorized gRPC operation (Status.Code.PERMISSION_DENIED->401): {message}"
        )
        self.message = message  # Cassandra's own words, for the faces that are not Stargate's


class Shed(ServiceError):
    """A limit is reached: the client should come back after `Retry-After` seconds."""

    def __init__(self, limit: str, detail: str) -> None:
        super().__init__(503, "overloaded", detail)
        self.limit = limit


class StreamAborted(Exception):
    """Raised inside a JSON-array stream so the server closes the connection without the closing bracket."""


class RowsError(ServiceError):
    """A refused request about rows or tables (any face): `description` says what was wrong, in Stargate's words
    where Stargate has them. `error` is our stable code, e.g. "bad_where", "unknown_table"."""

    def __init__(self, status: int, description: str, error: str = "bad_request") -> None:
        super().__init__(status, error, description)

    @property
    def description(self) -> str:
        return self.detail
