"""The Data API's errors and warnings, worded from its own texts (`error_texts`), and the service's own refusals
(`ServiceError`s: the database's trouble, a shed request, a bad page state) said in the Data API's codes.

Every answer of the face carries them in its shape: `{"id", "family", "scope", "errorCode", "title", "message"}`,
in `errors[]` or `status.warnings`, HTTP 200 unless the entry overrides it (401 for the SECURITY scope)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from string import Template
from typing import Any

from app.exceptions import BadPageState, CallerUnauthorized, DatabaseError, ServiceError, Shed
from app.routes.data_api.command import DataApiError, Warning
from app.routes.data_api.error_texts import CATALOG, Entry
from app.rows.catalog import Column, Table


def _entry(scope: str, code: str) -> Entry:
    return CATALOG.get((scope, code)) or Entry("REQUEST", code.replace("_", " ").capitalize(), "${message}")


def _text(entry: Entry, variables: dict[str, Any]) -> str:
    return Template(entry.body).safe_substitute({k: str(v) for k, v in variables.items()})


def error(code: str, scope: str = "", **variables: Any) -> DataApiError:
    """The Data API's error `code` of `scope`, its message filled from `variables`."""
    entry = _entry(scope, code)
    return DataApiError(
        code,
        _text(entry, variables),
        scope=scope,
        title=entry.title,
        family="SERVER" if entry.family == "SERVER" else "REQUEST",
        http_status=entry.http_status,
    )


def warning(code: str, **variables: Any) -> Warning:
    entry = _entry("WARNING", code)
    return Warning(code, _text(entry, variables), scope="WARNING", title=entry.title)


def shape(code: str, message: str, *, family: str, scope: str, title: str) -> dict[str, object]:
    """One entry of `errors[]` or `status.warnings`, in the Data API's order of fields."""
    return {
        "id": str(uuid.uuid4()),
        "family": family,
        "scope": scope,
        "errorCode": code,
        "title": title,
        "message": message,
    }


def error_json(exc: DataApiError) -> dict[str, object]:
    return shape(exc.error_code, exc.message, family=exc.family, scope=exc.scope, title=exc.title)


def warning_json(found: Warning) -> dict[str, object]:
    return shape(found.error_code, found.message, family=found.family, scope=found.scope, title=found.title)


# ---- how the Data API names tables and columns in its messages ---------------------------------------------------


def names(items: Iterable[str]) -> str:
    """`a, b`, or `[None]` for none (as the Data API prints an empty list)."""
    listed = list(items)
    return ", ".join(listed) if listed else "[None]"


def typed(columns: Iterable[Column]) -> str:
    """`id(text), n(int)`: the columns with their CQL types."""
    return names(f"{c.name}({c.type})" for c in columns)


def table_vars(table: Table) -> dict[str, str]:
    return {"keyspace": table.keyspace, "table": table.name, "allColumns": typed(table.columns.values())}


# ---- the service's own refusals, in the Data API's words -------------------------------------------------------


def from_service_error(exc: ServiceError, keyspace: str | None, table: str | None) -> DataApiError:
    """A refusal raised below the face (the engine, the driver seam, the cursors): never a 500.

    Database trouble is the Data API's SERVER family (`FAILED_TO_CONNECT_TO_DATABASE`, `TIMEOUT_READING_DATA`, ...);
    Cassandra refusing the caller's role (pass-through) is `UNAUTHORIZED_ACCESS`."""
    where = {"keyspace": keyspace or "", "table": table or ""}
    if isinstance(exc, CallerUnauthorized):
        return error("UNAUTHORIZED_ACCESS", "SECURITY", **where)
    if isinstance(exc, BadPageState):
        return error(
            "COMMAND_FIELD_VALUE_INVALID", field="options.pageState", value="(a page state)", message=exc.detail
        )
    if isinstance(exc, Shed):
        return _server("UNAVAILABLE_DATABASE", exc, where, requiredNodes="?", aliveNodes="?")
    if isinstance(exc, DatabaseError):
        return _database(exc, where)
    if exc.error == "invalid_query":  # Cassandra refused a statement we generated (a RowsError from the cache)
        return _server("INVALID_DATABASE_QUERY", exc, where, cql="(prepared)", values="(bound)")
    return error("INTERNAL_SERVER_ERROR", errorMessage=exc.detail)


def _database(exc: DatabaseError, where: dict[str, str]) -> DataApiError:
    if exc.status == 504:
        return _server("TIMEOUT_READING_DATA", exc, where, cql="(prepared)", values="(bound)")
    if exc.error == "database_invalid_request":
        return _server("INVALID_DATABASE_QUERY", exc, where, cql="(prepared)", values="(bound)")
    if exc.error == "database_unavailable" and "replicas" in exc.detail:
        return _server("UNAVAILABLE_DATABASE", exc, where, requiredNodes="?", aliveNodes="?")
    if exc.error in ("database_unavailable", "database_overloaded"):
        return _server("FAILED_TO_CONNECT_TO_DATABASE", exc, where)
    return _server("UNEXPECTED_DRIVER_ERROR", exc, where, schemaType="TABLE", errorClass=exc.error)


def _server(code: str, exc: ServiceError, where: dict[str, str], **variables: Any) -> DataApiError:
    return error(code, "DATABASE", **where, errorMessage=exc.detail, **variables)
