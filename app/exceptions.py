"""The service's own exception types. A leaf: it imports nothing of ours, so every layer may raise these."""

from __future__ import annotations


class StartupError(Exception):
    """The service cannot start; the message is the one line an operator sees."""


class ConfigError(StartupError):
    """The configuration is missing something or contradicts itself."""


class BadPageState(Exception):
    """A page_state token that this service did not issue for this query."""


class DatabaseError(Exception):
    """Database trouble, already classified into an HTTP status and a stable `error` code."""

    def __init__(self, status: int, error: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.error = error
        self.detail = detail


class Shed(Exception):
    """A limit is reached: the client should come back after `Retry-After` seconds."""

    def __init__(self, limit: str, detail: str) -> None:
        super().__init__(detail)
        self.limit = limit
        self.detail = detail


class StreamAborted(Exception):
    """Raised inside a JSON-array stream so the server closes the connection without the closing bracket."""


class RowsError(Exception):
    """A refused rows-API request, answered in Stargate's error shape: `description` says what was wrong.

    `error` is our stable code (beside Stargate's `description` and `code`), e.g. "bad_where", "unknown_table"."""

    def __init__(self, status: int, description: str, error: str = "bad_request") -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.error = error
