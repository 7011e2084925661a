"""The Data API face's one seam: a command as the transport hands it to its handler, the answer, and the refusal.

The transport (`app.routes.data_api.transport`) reads the body, checks who is calling (the one access rule in keys
mode, the caller's own session in pass-through), finds the command's `Spec` by name, and writes the answer in the
Data API's shape: HTTP 200 with `data`, `status`, `errors[]` and `warnings`. Each command module exports
`COMMANDS: dict[str, Spec]`; the transport merges them from one list.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from app.http.deps import Backend
from app.identity.keys_file import Action

# Where a command is addressed: `POST /v1`, `POST /v1/{keyspace}`, or `POST /v1/{keyspace}/{table}`.
Level = Literal["database", "keyspace", "table"]
# The Data API's error families and the scopes its clients print (errors.yaml of stargate/data-api).
Family = Literal["REQUEST", "SERVER"]


@dataclass(frozen=True, slots=True)
class Command:
    name: str  # e.g. "findOne"
    options: dict[str, Any]  # the command's own JSON object: {"filter": ..., "options": ...}
    backend: Backend  # the caller's view in pass-through: every statement runs as their role
    keyspace: str | None
    table: str | None
    principal: str  # for the audit line: a key id or a role name, never a token


@dataclass(frozen=True, slots=True)
class Warning:
    """One entry of `status.warnings`, in the error shape (errorCode, message, family, scope, title)."""

    error_code: str
    message: str
    scope: str = ""
    title: str = ""
    family: Family = "REQUEST"


@dataclass(slots=True)
class Answer:
    data: dict[str, Any] | None = None
    status: dict[str, Any] | None = None
    warnings: list[Warning] = field(default_factory=list)
    # A partial failure (insertMany): the rows that failed, answered in `errors[]` beside `status`.
    errors: list[DataApiError] = field(default_factory=list)
    # Rows written and refused, for the audit line, when not the one row a write is counted as (insertMany).
    rows: tuple[int, int] | None = None


class DataApiError(Exception):
    """A refused command, answered in `errors[]` (HTTP 200, as the Data API answers, unless `http_status` says
    otherwise: 401 for a missing or refused token)."""

    def __init__(
        self,
        error_code: str,
        message: str,
        *,
        scope: str = "",
        title: str = "",
        family: Family = "REQUEST",
        http_status: int = 200,
    ) -> None:
        super().__init__(message)
        self.error_code = error_code
        self.message = message
        self.scope = scope
        self.title = title
        self.family = family
        self.http_status = http_status


Handler = Callable[[Command], Awaitable[Answer]]


@dataclass(frozen=True, slots=True)
class Spec:
    level: Level  # where the command may be sent; elsewhere it is an error
    action: Action  # what the caller needs in keys mode: read, write, or admin (DDL)
    handler: Handler
    # When one body needs more than `action` (deleteMany with an empty filter truncates: admin), what it needs.
    action_for: Callable[[dict[str, Any]], Action] | None = None
