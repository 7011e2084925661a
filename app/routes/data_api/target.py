"""The table a table command names, from the rows engine's catalog, or the Data API's SCHEMA refusal for it."""

from __future__ import annotations

from typing import Any

from app.exceptions import RowsError
from app.routes.data_api import errors
from app.routes.data_api.command import Command, DataApiError
from app.rows.catalog import Table


async def table_of(command: Command) -> Table:
    assert command.keyspace is not None and command.table is not None
    catalog = command.backend.engine.catalog
    try:
        return await catalog.table(command.keyspace, command.table)
    except RowsError as exc:
        if exc.error == "unknown_keyspace":
            raise errors.error("UNKNOWN_KEYSPACE", "SCHEMA", keyspace=command.keyspace) from None
        if exc.error == "unknown_table":
            raise errors.error(
                "UNKNOWN_COLLECTION_OR_TABLE",
                "SCHEMA",
                keyspace=command.keyspace,
                table=command.table,
                allTables=errors.names(catalog.table_names(command.keyspace)),
            ) from None
        raise


def options_of(command: Command, allowed: frozenset[str]) -> dict[str, Any]:
    """The command's `options` object, refusing a field it does not take (COMMAND_FIELD_UNKNOWN)."""
    found = command.options.get("options") or {}
    if not isinstance(found, dict):
        raise field_invalid("options", found, "must be an object")
    unknown = [name for name in found if name not in allowed]
    if unknown:
        raise errors.error(
            "COMMAND_FIELD_UNKNOWN",
            field=unknown[0],
            message=f"not one of the options of {command.name}: {', '.join(sorted(allowed))}",
        )
    return found


def field_invalid(name: str, value: object, message: str) -> DataApiError:
    shown = repr(value) if not isinstance(value, str) else f'"{value}"'
    field = "command." + name  # the Data API names fields from the command: 'command.options.limit'
    return errors.error("COMMAND_FIELD_VALUE_INVALID", field=field, value=shown[:100], message=message)


def known_fields(command: Command, allowed: frozenset[str]) -> None:
    unknown = [name for name in command.options if name not in allowed]
    if unknown:
        raise errors.error(
            "COMMAND_FIELD_UNKNOWN",
            field=unknown[0],
            message=f"not one of the fields of {command.name}: {', '.join(sorted(allowed))}",
        )
