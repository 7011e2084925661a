"""Running one Data API schema change: `app.schema_ddl.run` runs the CQL on the caller's session (schema agreement
within SCHEMA_CHANGE_TIMEOUT_SECONDS, not REQUEST_TIMEOUT, then the rows catalog and the OpenAPI document follow);
this module says Cassandra's refusals in the Data API's words and writes the command's audit line.

When `run_ddl` returns the cluster's metadata already shows the change (the driver waits for schema agreement before
it settles a schema change), so the catalog describes the table again at once.
"""

from __future__ import annotations

import logging
from typing import Any

from cassandra import AlreadyExists, ConfigurationException, InvalidRequest, Unauthorized

from app.db.errors import map_driver_error
from app.exceptions import ServiceError
from app.routes.data_api.column_types import check_schema_name
from app.routes.data_api.command import Answer, Command, DataApiError
from app.routes.data_api.ddl_errors import request_error, schema_error
from app.rows.catalog import Catalog
from app.schema_ddl.run import follow, run_schema_change

audit_log = logging.getLogger("app.audit")
log = logging.getLogger("app.data_api")


def catalog_of(command: Command) -> Catalog:
    catalog: Catalog = command.backend.engine.catalog
    return catalog


def cluster_metadata(command: Command) -> Any:
    """The driver's schema metadata, as the control connection knows it now (no I/O)."""
    return command.backend.db.session.cluster.metadata


def served_keyspace(command: Command, keyspace: str | None = None) -> Any:
    """The driver's `KeyspaceMetadata` of the command's keyspace, or the Data API's UNKNOWN_KEYSPACE."""
    name = keyspace if keyspace is not None else command.keyspace
    found = catalog_of(command).keyspace_metadata(name) if name else None
    if found is None:
        raise schema_error(
            "UNKNOWN_KEYSPACE",
            f"The command attempted to access a keyspace that does not exist in the database: {name}.",
        )
    return found


def table_metadata(command: Command, name: str | None = None) -> Any:
    """The driver's `TableMetadata` of the command's table, or the Data API's UNKNOWN_COLLECTION_OR_TABLE."""
    keyspace = served_keyspace(command)
    table = name if name is not None else command.table
    found = keyspace.tables.get(table) if table else None
    if found is None:
        raise schema_error(
            "UNKNOWN_COLLECTION_OR_TABLE",
            f"The command tried to use a Collection or Table that does not exist in the Keyspace. "
            f"The command used the Keyspace: {keyspace.name}. The command used the Collection or Table: {table}.",
        )
    return found


async def run_ddl(command: Command, cql: str, *, target: str) -> None:
    """Execute one schema statement (identifiers already checked and quoted; DDL has no values to bind)."""
    keyspace, _, table = target.partition(".")
    try:
        await run_schema_change(command.backend, cql)
    except Exception as exc:
        audit(command, target, "refused")
        raise _refusal(exc, command) from exc
    audit(command, target, "ok")
    follow(command.backend, keyspace, table or None)


def _refusal(exc: Exception, command: Command) -> Exception:
    if isinstance(exc, ServiceError):  # not confirmed in time: the transport's 504
        return exc
    answer = map_driver_error(exc)
    if isinstance(exc, Unauthorized) or answer.status in (401, 403):
        return DataApiError(
            "UNAUTHORIZED_ACCESS",
            f"The role is not authorized to run {command.name}: "
            f"{_server_message(exc) if isinstance(exc, Unauthorized) else answer.detail}",
            scope="SECURITY",
            title="Unauthorized access to the database",
            http_status=401,  # errors.yaml's http-status-override for UNAUTHORIZED_ACCESS
        )
    if isinstance(exc, (AlreadyExists, ConfigurationException, InvalidRequest)):
        kind = "AlreadyExistsException" if isinstance(exc, AlreadyExists) else "InvalidConfigurationInQueryException"
        if isinstance(exc, InvalidRequest):
            kind = "InvalidQueryException"
        return DataApiError(
            "UNEXPECTED_DRIVER_ERROR",
            "An unexpected server error occurred while using the driver with the database. \n\n"
            f"Error Class: {kind}\nError Message: {_server_message(exc)}",
            scope="DATABASE",
            title="Unexpected driver error",
            family="SERVER",
        )
    return answer  # unavailable, overloaded, timed out: the transport's 503/504


def _server_message(exc: BaseException) -> str:
    text = str(getattr(exc, "message", "") or exc)
    marker = 'message="'
    if marker in text:
        text = text.split(marker, 1)[1].rstrip('"}')
    return text[:500]


def audit(command: Command, target: str, outcome: str) -> None:
    """One line per schema change asked (logger `app.audit`): who, what, on what, and how it ended."""
    if audit_log.isEnabledFor(logging.INFO):
        fields = {"principal": command.principal, "table": target, "operation": command.name, "status": outcome}
        audit_log.info("schema", extra={"fields": fields})


# ---- reading a command's fields ----


def field_object(options: dict[str, Any], key: str, *, required: bool = True) -> dict[str, Any]:
    """`options[key]` as a JSON object ({} when absent and not required)."""
    value = options.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise request_error(
            "COMMAND_FIELD_VALUE_INVALID", f"Provided value for command field '{key}' must be a JSON Object."
        )
    return value


def field_flag(options: dict[str, Any], key: str) -> bool:
    """An optional boolean of a command's `options` (ifNotExists, ifExists, explain)."""
    value = field_object(options, "options", required=False).get(key, False)
    if not isinstance(value, bool):
        raise request_error(
            "REQUEST_STRUCTURE_MISMATCH",
            f"Request is valid JSON but has a structural mismatch: option '{key}' must be a Boolean.\n\n"
            "Resend request with valid structure.",
        )
    return value


def known_fields(command: Command, fields: frozenset[str], options: frozenset[str] = frozenset()) -> None:
    """COMMAND_FIELD_UNKNOWN for a field of the command, or of its `options`, that the command does not take."""
    for given, allowed in ((command.options, fields), (command.options.get("options"), options)):
        if not isinstance(given, dict):
            continue
        unknown = next((name for name in given if name not in allowed), None)
        if unknown is not None:
            known = ", ".join(f"'{name}'" for name in sorted(allowed))
            raise request_error(
                "COMMAND_FIELD_UNKNOWN",
                f"Command field '{unknown[:64]}' not recognized: not one of known fields ({known}).\n\n"
                "Resend command with valid command fields.",
            )


def field_name(options: dict[str, Any], what: str, key: str = "name") -> str:
    """The name of the schema object a command creates or drops, under the Data API's naming rule."""
    return check_schema_name(options.get(key), what)


def ok() -> Answer:
    return Answer(status={"ok": 1})
