"""`updateOne`, `deleteOne` and `deleteMany`: filters on the primary key only, as the Data API allows them.

`updateOne` is an upsert (CQL UPDATE), answered `matchedCount: 1, modifiedCount: 1` whether or not the row was
there, as the Data API answers; `$set`, `$unset`, and on lists, sets and maps `$push` (`$each` for several) and
`$pullAll`. Deletes answer `deletedCount: -1` (a table cannot know). `deleteMany` with an empty filter truncates the
table, which needs the admin scope in keys mode (`Spec.action_for`) and Cassandra's MODIFY permission in
pass-through."""

from __future__ import annotations

from typing import Any

from cassandra.query import UNSET_VALUE

from app.identity.keys_file import Action
from app.routes.data_api import errors
from app.routes.data_api.command import Answer, Command, DataApiError, Spec
from app.routes.data_api.filters import Filter, parse_filter
from app.routes.data_api.insert import write_options
from app.routes.data_api.target import field_invalid, known_fields, options_of, table_of
from app.routes.data_api.values import decode, decode_as, invalid_values, unknown_columns
from app.rows.catalog import Column, Table
from app.rows.engine import bind_checked
from app.rows.query import Condition, canonical

OPERATORS = ("$set", "$unset", "$push", "$pullAll")
COLLECTIONS = frozenset({"list", "set", "map"})


def _key_filter(command: Command, table: Table, *, one: bool) -> list[Condition]:
    """The filter's conditions, when they name rows by primary key as the command may."""
    if command.options.get("sort"):
        code = (
            "UNSUPPORTED_SORT_FOR_TABLE_UPDATE_COMMAND"
            if command.name == "updateOne"
            else ("UNSUPPORTED_SORT_FOR_TABLE_DELETE_COMMAND")
        )
        raise errors.error(code, "SORT")
    settings = command.backend.settings
    parsed = parse_filter(
        table,
        command.options.get("filter"),
        max_properties=settings.data_api_max_filter_properties,
        max_in_values=settings.data_api_max_in_values,
    )
    keys = {"keyspace": table.keyspace, "table": table.name, "primaryKeyColumns": errors.typed(table.primary_key)}
    if not parsed.columns and command.name != "deleteMany":
        raise errors.error("MISSING_FILTER_FOR_UPDATE_DELETE", "FILTER", **keys)
    others = sorted(n for n in parsed.columns if not table.columns[n].is_key)
    if others:
        raise errors.error(
            "UNSUPPORTED_NON_PRIMARY_KEY_FILTER_FOR_UPDATE_DELETE",
            "FILTER",
            **keys,
            nonPrimaryKeyFilters=", ".join(others),
        )
    if one:
        _check_one(table, parsed, keys)
    else:
        _check_many(table, parsed)
    return canonical(table, parsed.conditions)


def _check_one(table: Table, parsed: Filter, keys: dict[str, str]) -> None:
    not_equal = sorted(n for n, ops in parsed.operators.items() if ops != {"$eq"})
    if not_equal or parsed.residuals:
        raise errors.error(
            "UNSUPPORTED_FILTER_FOR_UPDATE_ONE_DELETE_ONE", "FILTER", unsupportedFilterColumns=", ".join(not_equal)
        )
    missing = [c for c in table.primary_key if c.name not in parsed.columns]
    if missing:
        raise errors.error(
            "MISSING_FULL_PRIMARY_KEY_FOR_UPDATE_DELETE",
            "FILTER",
            **keys,
            missingPrimaryKeyFilters=errors.typed(missing),
        )


def _check_many(table: Table, parsed: Filter) -> None:
    """A partition (every partition key column equal, or in a list), then clustering columns in order, all equal
    but the last; or nothing at all (a truncation)."""
    if not parsed.columns:
        return
    missing = [c.name for c in table.partition_key if c.name not in parsed.equal_keys]
    restricted = [c for c in table.clustering if c.name in parsed.columns]
    in_order = restricted == list(table.clustering[: len(restricted)])
    equal = all(c.name in parsed.equal_keys for c in restricted[:-1])
    if missing or not in_order or not equal or parsed.residuals:
        raise errors.error(
            "INVALID_PRIMARY_KEY_FILTER",
            "FILTER",
            keyspace=table.keyspace,
            table=table.name,
            primaryKeys=errors.typed(table.primary_key),
            missingPartitionKeys=errors.names(missing),
            outOfOrderClusteringKeys=errors.names(
                c.name for c in restricted if c not in table.clustering[: len(restricted)]
            ),
        )


# ---- deletes ---------------------------------------------------------------------------------------------------


async def delete_one(command: Command) -> Answer:
    known_fields(command, frozenset({"filter", "sort", "options"}))
    table = await table_of(command)
    key = _key_filter(command, table, one=True)
    await _delete(command, table, key)
    return Answer(status={"deletedCount": -1})


async def delete_many(command: Command) -> Answer:
    known_fields(command, frozenset({"filter", "sort", "options"}))
    table = await table_of(command)
    conditions = _key_filter(command, table, one=False)
    if not conditions:
        statement = await command.backend.engine.statements.get(
            f"TRUNCATE {table.qualified}", idempotent=False, consistency=command.backend.engine.consistency.write
        )
        await command.backend.db.execute(bind_checked(statement, []))
    else:
        await _delete(command, table, conditions)
    return Answer(status={"deletedCount": -1})


async def _delete(command: Command, table: Table, conditions: list[Condition]) -> None:
    engine = command.backend.engine
    if all(c.op == "=" for c in conditions) and [c.column for c in conditions] == list(
        table.primary_key[: len(conditions)]
    ):
        statement = (await engine.shapes(table)).delete[len(conditions)]
    else:
        where = " AND ".join(c.cql for c in conditions)
        statement = await engine.statements.get(
            f"DELETE FROM {table.qualified} WHERE {where}", idempotent=True, consistency=engine.consistency.write
        )
    await command.backend.db.execute(bind_checked(statement, [v for c in conditions for v in c.values]))


def truncates(options: dict[str, Any]) -> Action:
    """deleteMany's access: an empty (or absent) filter truncates the table, which is admin."""
    found = options.get("filter")
    return "admin" if not found else "write"


# ---- updateOne -------------------------------------------------------------------------------------------------


async def update_one(command: Command) -> Answer:
    known_fields(command, frozenset({"filter", "update", "sort", "options"}))
    options = options_of(command, frozenset({"ttl", "timestamp", "upsert"}))
    table = await table_of(command)
    key = _key_filter(command, table, one=True)
    assignments, values = _assignments(table, command.options.get("update"))
    ttl, timestamp, _ = write_options(command, {k: v for k, v in options.items() if k != "upsert"})
    where = " AND ".join(c.cql for c in key)
    text = f"UPDATE {table.qualified} USING TTL ? AND TIMESTAMP ? SET {', '.join(assignments)} WHERE {where}"
    if table.is_counter_table:
        if ttl is not UNSET_VALUE or timestamp is not UNSET_VALUE:
            raise field_invalid("options", options, "counter columns take no ttl or timestamp")
        text = f"UPDATE {table.qualified} SET {', '.join(assignments)} WHERE {where}"
    engine = command.backend.engine
    appends = any("+ ?" in a for a in assignments)
    statement = await engine.statements.get(text, idempotent=not appends, consistency=engine.consistency.write)
    bound = ([] if table.is_counter_table else [ttl, timestamp]) + values + [v for c in key for v in c.values]
    await command.backend.db.execute(bind_checked(statement, bound))
    return Answer(status={"matchedCount": 1, "modifiedCount": 1})


def _assignments(table: Table, update: object) -> tuple[list[str], list[object]]:
    """The SET clause and its values, in one canonical column order (one statement per logical update)."""
    if not isinstance(update, dict) or not any(update.get(op) for op in OPERATORS):
        used = list(update) if isinstance(update, dict) else []
        unsupported = [op for op in used if op not in OPERATORS]
        if unsupported:
            raise _unsupported_operations(unsupported)
        raise errors.error("MISSING_UPDATE_OPERATIONS", "UPDATE", supportedUpdateOperations=", ".join(OPERATORS))
    unsupported = [op for op in update if op not in OPERATORS]
    if unsupported:
        raise _unsupported_operations(unsupported)
    per_column: dict[str, tuple[str, object]] = {}
    overlapping: list[str] = []
    for op in OPERATORS:
        body = update.get(op) or {}
        if not isinstance(body, dict):
            raise field_invalid(f"update.{op}", body, "must be an object of columns")
        for name, value in body.items():
            if name in per_column:
                overlapping.append(name)
            per_column[name] = (op, value)
    if overlapping:
        raise errors.error(
            "UNSUPPORTED_OVERLAPPING_UPDATE_OPERATIONS", "UPDATE", duplicateAssignmentColumns=", ".join(overlapping)
        )
    unknown = [name for name in per_column if name not in table.columns]
    if unknown:
        raise unknown_columns(table, unknown, "UPDATE")
    keys = [name for name in per_column if table.columns[name].is_key]
    if keys:
        raise errors.error(
            "UNSUPPORTED_UPDATE_FOR_PRIMARY_KEY_COLUMNS",
            "UPDATE",
            keyspace=table.keyspace,
            table=table.name,
            primaryKeys=errors.typed(table.primary_key),
            updateOnPrimaryKeyColumns=", ".join(keys),
        )
    assignments: list[str] = []
    values: list[object] = []
    problems: list[tuple[Column, str]] = []
    for name in sorted(per_column, key=table.positions.__getitem__):
        column = table.columns[name]
        op, value = per_column[name]
        try:
            assignment, bound = _assignment(table, column, op, value)
        except ValueError as exc:
            problems.append((column, str(exc)))
            continue
        assignments.append(assignment)
        values.append(bound)
    if problems:
        raise invalid_values(table, problems, "UPDATE")
    return assignments, values


def _unsupported_operations(used: list[str]) -> DataApiError:
    return errors.error(
        "UNSUPPORTED_UPDATE_OPERATIONS_FOR_TABLE",
        "UPDATE",
        supportedUpdateOperations=", ".join(OPERATORS),
        usedUnsupportedUpdateOperations=", ".join(used),
    )


def _assignment(table: Table, column: Column, op: str, value: Any) -> tuple[str, object]:
    name, kind = column.cql, column.type.kind
    if column.type.kind == "counter" and op == "$set":
        return f"{name} = {name} + ?", decode(column, value)  # an extension: counters are incremented
    if op == "$set":
        return f"{name} = ?", decode(column, value)
    if op == "$unset":
        return f"{name} = ?", None
    if kind not in COLLECTIONS or column.type.frozen:
        raise errors.error(
            "UNSUPPORTED_UPDATE_OPERATOR",
            "UPDATE",
            **errors.table_vars(table),
            operator=op,
            unsupportedColumns=errors.typed([column]),
        )
    if op == "$push":
        return f"{name} = {name} + ?", _pushed(table, column, value)
    if not isinstance(value, list):
        raise ValueError("$pullAll takes an array of values")
    if kind == "map":
        return f"{name} = {name} - ?", [decode_as(column.type.params[0], item) for item in value]
    return f"{name} = {name} - ?", decode(column, value)


def _pushed(table: Table, column: Column, value: Any) -> object:
    """$push's elements: one, or `{"$each": [...]}`; a map's as `[key, value]` or `{key: value}`."""
    each = isinstance(value, dict) and set(value) == {"$each"}
    if each and not isinstance(value["$each"], list):
        raise _push_error(table, "the value of $each must be an array")
    items = value["$each"] if each else [value]
    if column.type.kind != "map":
        return decode(column, items)
    merged: dict[object, object] = {}
    for item in items:
        if isinstance(item, list) and len(item) == 2:
            item = [item]
        elif not isinstance(item, dict) or not item:
            raise _push_error(table, "a map entry is [key, value] or {key: value}")
        decoded = decode(column, item)
        assert isinstance(decoded, dict)
        merged.update(decoded)
    return merged


def _push_error(table: Table, reason: str) -> DataApiError:
    return errors.error("INVALID_PUSH_OPERATOR_USAGE", "UPDATE", reason=reason)


COMMANDS: dict[str, Spec] = {
    "updateOne": Spec("table", "write", update_one),
    "deleteOne": Spec("table", "write", delete_one),
    "deleteMany": Spec("table", "write", delete_many, action_for=truncates),
}
