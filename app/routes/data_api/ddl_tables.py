"""The Data API's table commands: createTable, dropTable, alterTable and listTables, as CQL schema changes.

Every name is checked (`column_types`) and quoted with the driver's `protect_name`; every type comes from
`parse_column`. What the Data API checks against the schema before it asks the database (an existing table, an
unknown column, a primary-key column dropped) is checked here too, so the same command gets the same errorCode.
"""

from __future__ import annotations

import logging
from typing import Any

from app.routes.data_api.column_types import check_column_name, describe_table, parse_column
from app.routes.data_api.command import Answer, Command, DataApiError, Spec
from app.routes.data_api.ddl_errors import request_error, schema_error
from app.routes.data_api.ddl_indexes import index_target
from app.routes.data_api.ddl_run import (
    catalog_of,
    field_flag,
    field_name,
    field_object,
    known_fields,
    ok,
    run_ddl,
    served_keyspace,
    table_metadata,
)
from app.schema_ddl.fields import cql_name as _q  # the driver's quoting, as the Stargate face's builders

log = logging.getLogger("app.data_api")

MAX_COLUMNS = 1000  # columns one createTable or alterTable add may define
_NAMED = frozenset({"name", "options"})
_NAMED_DEFINITION = frozenset({"name", "definition", "options"})
_OPTIONS = frozenset({"options"})
_IF_NOT_EXISTS = frozenset({"ifNotExists"})
_IF_EXISTS = frozenset({"ifExists"})
_EXPLAIN = frozenset({"explain"})


def column_definitions(columns: Any, user_types: Any) -> list[tuple[str, str]]:
    """`{"name": definition, ...}` as (quoted name, CQL type) pairs, bounded and checked."""
    if not isinstance(columns, dict) or not columns:
        raise schema_error("MISSING_PARTITION_COLUMNS", "The table definition must have at least one column.")
    if len(columns) > MAX_COLUMNS:
        raise schema_error("UNSUPPORTED_SCHEMA_NAME", f"A definition may have at most {MAX_COLUMNS} columns.")
    return [
        (_q(check_column_name(name)), parse_column(definition, user_types=user_types))
        for name, definition in columns.items()
    ]


def primary_key(definition: dict[str, Any], columns: dict[str, Any]) -> tuple[list[str], dict[str, int]]:
    """`primaryKey` as a string (one partition column) or `{partitionBy, partitionSort}`."""
    key = definition.get("primaryKey")
    if isinstance(key, str):
        key = {"partitionBy": [key]}
    if not isinstance(key, dict):
        raise schema_error("MISSING_PARTITION_COLUMNS", "The table definition must have a `primaryKey`.")
    partition = key.get("partitionBy")
    sort = key.get("partitionSort") or {}
    if not isinstance(partition, list) or not partition or not all(isinstance(p, str) for p in partition):
        raise schema_error("MISSING_PARTITION_COLUMNS", "The primary key must have at least one partition column.")
    unknown = [p for p in partition if p not in columns]
    if unknown:
        raise schema_error(
            "UNKNOWN_PARTITION_COLUMNS",
            f"The partition includes columns that are not defined in the table schema: {', '.join(unknown)}.",
        )
    if not isinstance(sort, dict) or any(v not in (1, -1) or isinstance(v, bool) for v in sort.values()):
        raise schema_error(
            "UNKNOWN_PARTITION_SORT_COLUMNS", "The partition sort must map column names to 1 (ascending) or -1."
        )
    unknown = [s for s in sort if s not in columns]
    if unknown:
        raise schema_error(
            "UNKNOWN_PARTITION_SORT_COLUMNS",
            f"The partition sort includes columns that are not defined in the table schema: {', '.join(unknown)}.",
        )
    return partition, sort


async def create_table(command: Command) -> Answer:
    known_fields(command, _NAMED_DEFINITION, _IF_NOT_EXISTS)
    keyspace = served_keyspace(command)
    name = field_name(command.options, "table")
    if_not_exists = field_flag(command.options, "ifNotExists")
    definition = field_object(command.options, "definition")
    columns = definition.get("columns")
    pairs = column_definitions(columns, keyspace.user_types)
    assert isinstance(columns, dict)  # column_definitions checked it
    partition, sort = primary_key(definition, columns)
    if name in keyspace.tables and not if_not_exists:
        raise schema_error(
            "CANNOT_ADD_EXISTING_TABLE",
            f"The command attempted to create a table that already exists in the keyspace: {keyspace.name}.{name}.",
        )
    key = f"(({', '.join(_q(p) for p in partition)})" + "".join(f", {_q(c)}" for c in sort) + ")"
    body = ", ".join(f"{n} {t}" for n, t in pairs)
    cql = (
        f"CREATE TABLE {'IF NOT EXISTS ' if if_not_exists else ''}{_q(keyspace.name)}.{_q(name)} "
        f"({body}, PRIMARY KEY {key})"
    )
    if sort:
        cql += (
            " WITH CLUSTERING ORDER BY ("
            + ", ".join(f"{_q(c)} {'ASC' if d == 1 else 'DESC'}" for c, d in sort.items())
            + ")"
        )
    await run_ddl(command, cql, target=f"{keyspace.name}.{name}")
    return ok()


async def drop_table(command: Command) -> Answer:
    known_fields(command, _NAMED, _IF_EXISTS)
    keyspace = served_keyspace(command)
    name = field_name(command.options, "table")
    if_exists = field_flag(command.options, "ifExists")
    if name not in keyspace.tables:
        if if_exists:
            return ok()
        raise schema_error(
            "CANNOT_DROP_UNKNOWN_TABLE",
            f"The command attempted to drop a table that is not defined in the keyspace: {keyspace.name}.{name}.",
        )
    await run_ddl(command, f"DROP TABLE IF EXISTS {_q(keyspace.name)}.{_q(name)}", target=f"{keyspace.name}.{name}")
    return ok()


async def alter_table(command: Command) -> Answer:
    known_fields(command, frozenset({"operation"}))
    table = table_metadata(command)
    operation = field_object(command.options, "operation")
    if len(operation) != 1:
        raise request_error(
            "REQUEST_STRUCTURE_MISMATCH",
            "Request is valid JSON but has a structural mismatch: the alterTable operation must hold exactly one of "
            "add, drop, addVectorize or dropVectorize.",
        )
    ((op, spec),) = operation.items()
    target = f"{table.keyspace_name}.{table.name}"
    qualified = f"{_q(table.keyspace_name)}.{_q(table.name)}"
    if op == "add":
        columns = field_object(spec if isinstance(spec, dict) else {}, "columns")
        existing = [c for c in columns if c in table.columns]
        if existing:
            raise schema_error(
                "CANNOT_ADD_EXISTING_COLUMNS",
                f"The command attempted to add columns that are already defined: {', '.join(existing)}.",
            )
        keyspace = served_keyspace(command)
        try:
            pairs = column_definitions(columns, keyspace.user_types)
        except DataApiError as exc:
            if exc.error_code == "UNSUPPORTED_DATA_TYPE_TABLE_CREATION":
                raise schema_error("CANNOT_ADD_UNSUPPORTED_DATA_TYPE_COLUMNS", exc.message) from exc
            raise
        await run_ddl(
            command, f"ALTER TABLE {qualified} ADD ({', '.join(f'{n} {t}' for n, t in pairs)})", target=target
        )
        return ok()
    if op == "drop":
        names = _drop_names(spec, table)
        await run_ddl(command, f"ALTER TABLE {qualified} DROP ({', '.join(_q(n) for n in names)})", target=target)
        return ok()
    if op in ("addVectorize", "dropVectorize"):
        raise schema_error(
            "VECTORIZE_FEATURE_NOT_AVAILABLE",
            f"{op}: vectorize (an embedding service) is not available on this database.",
        )
    raise request_error(
        "COMMAND_UNKNOWN",
        f"Command '{op[:64]}' is not a AlterTableOperation recognized by Data API.\n\nData API supports following "
        "AlterTableOperations: [add, addVectorize, drop, dropVectorize].",
    )


def _drop_names(spec: Any, table: Any) -> list[str]:
    names = spec.get("columns") if isinstance(spec, dict) else None
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise schema_error("MISSING_ALTER_TABLE_OPERATIONS", "The drop operation needs a list of column names.")
    unknown = [n for n in names if n not in table.columns]
    if unknown:
        raise schema_error(
            "CANNOT_DROP_UNKNOWN_COLUMNS",
            f"The command attempted to drop columns that are not defined: {', '.join(n[:64] for n in unknown[:20])}.",
        )
    keys = {c.name for c in (*table.partition_key, *table.clustering_key)}
    in_key = [n for n in names if n in keys]
    if in_key:
        raise schema_error(
            "CANNOT_DROP_PRIMARY_KEY_COLUMNS",
            f"The command attempted to drop primary key columns: {', '.join(in_key)}.",
        )
    indexed = [n for n in names if any(_index_column(i) == n for i in table.indexes.values())]
    if indexed:
        raise schema_error(
            "CANNOT_DROP_INDEXED_COLUMNS",
            f"The command attempted to drop columns that are indexed: {', '.join(indexed)}. Drop the indexes first.",
        )
    return names


def _index_column(index: Any) -> str:
    return index_target(index)[0]


async def list_tables(command: Command) -> Answer:
    known_fields(command, _OPTIONS, _EXPLAIN)
    keyspace = served_keyspace(command)
    names = sorted(keyspace.tables)
    if not field_flag(command.options, "explain"):
        return Answer(status={"tables": names})
    catalog = catalog_of(command)
    tables: list[dict[str, Any]] = []
    for name in names:
        try:
            table = catalog.current(keyspace.name, name)
        except ValueError as exc:  # a type the catalog cannot read (a custom type): left out, and said why
            log.info("listTables: %s.%s left out: %s", keyspace.name, name, exc)
            continue
        if table is not None:
            tables.append({"name": name, "definition": describe_table(table)})
    return Answer(status={"tables": tables})


COMMANDS: dict[str, Spec] = {
    "createTable": Spec("keyspace", "admin", create_table),
    "dropTable": Spec("keyspace", "admin", drop_table),
    "alterTable": Spec("table", "admin", alter_table),
    "listTables": Spec("keyspace", "read", list_tables),
}
