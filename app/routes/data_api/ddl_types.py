"""The Data API's user-defined type commands: createType, listTypes, alterType (add, rename) and dropType.

As in the Data API, a type's fields are primitive types only (`parse_column` at the "field" place), and a type a
table uses cannot be dropped.
"""

from __future__ import annotations

from typing import Any

from app.routes.data_api.column_types import check_column_name, describe_column, parse_column
from app.routes.data_api.command import Answer, Command, DataApiError, Spec
from app.routes.data_api.ddl_errors import schema_error
from app.routes.data_api.ddl_run import (
    field_flag,
    field_name,
    field_object,
    known_fields,
    ok,
    run_ddl,
    served_keyspace,
)
from app.rows.types import CqlType, parse_type, user_type_resolver
from app.schema_ddl.fields import cql_name as _q  # the driver's quoting, as the Stargate face's builders

MAX_FIELDS = 1000


def _fields(definition: Any) -> list[tuple[str, str]]:
    fields = definition.get("fields") if isinstance(definition, dict) else None
    if not isinstance(fields, dict) or not fields:
        raise schema_error("MISSING_FIELDS_FOR_TYPE_CREATION", "At least one field is required for a type.")
    if len(fields) > MAX_FIELDS:
        raise schema_error("UNSUPPORTED_TYPE_FIELDS", f"A type may have at most {MAX_FIELDS} fields.")
    pairs = []
    for name, field in fields.items():
        try:
            cql = parse_column(field, place="field")
        except DataApiError as exc:
            if exc.error_code in ("UNKNOWN_PRIMITIVE_DATA_TYPE", "UNKNOWN_DATA_TYPE"):
                raise
            raise schema_error(
                "UNSUPPORTED_TYPE_FIELDS",
                f"The fields of a type can only have primitive types (not counter or timeuuid): {name[:64]}.",
            ) from exc
        pairs.append((_q(check_column_name(name)), cql))
    return pairs


async def create_type(command: Command) -> Answer:
    known_fields(command, frozenset({"name", "definition", "options"}), frozenset({"ifNotExists"}))
    keyspace = served_keyspace(command)
    name = field_name(command.options, "type")
    if_not_exists = field_flag(command.options, "ifNotExists")
    pairs = _fields(field_object(command.options, "definition"))
    if name in keyspace.user_types:
        if if_not_exists:
            return ok()
        raise schema_error(
            "CANNOT_ADD_EXISTING_TYPE",
            f"The command attempted to create a type that already exists in the keyspace: {keyspace.name}.{name}.",
        )
    body = ", ".join(f"{n} {t}" for n, t in pairs)
    await run_ddl(command, f"CREATE TYPE IF NOT EXISTS {_q(keyspace.name)}.{_q(name)} ({body})", target=keyspace.name)
    return ok()


def describe_type(keyspace: Any, name: str) -> dict[str, Any]:
    """One type as listTypes (explain) answers it: its fields inline."""
    t = parse_type(_q(name), user_type_resolver(keyspace))
    return describe_column(t, usage="dml")


async def list_types(command: Command) -> Answer:
    known_fields(command, frozenset({"options"}), frozenset({"explain"}))
    keyspace = served_keyspace(command)
    names = sorted(keyspace.user_types)
    if not field_flag(command.options, "explain"):
        return Answer(status={"types": names})
    return Answer(status={"types": [describe_type(keyspace, n) for n in names]})


def _existing_type(command: Command) -> tuple[Any, str, Any]:
    keyspace = served_keyspace(command)
    name = field_name(command.options, "type")
    meta = keyspace.user_types.get(name)
    if meta is None:
        raise schema_error(
            "UNKNOWN_USER_DEFINED_TYPE",
            f"The command used a type that is not defined in the keyspace: {keyspace.name}.{name}.",
        )
    return keyspace, name, meta


async def alter_type(command: Command) -> Answer:
    known_fields(command, frozenset({"name", "add", "rename"}))
    keyspace, name, meta = _existing_type(command)
    add, rename = command.options.get("add"), command.options.get("rename")
    if add is None and rename is None:
        raise schema_error("MISSING_ALTER_TYPE_OPERATIONS", "The alterType command needs `add` or `rename`.")
    qualified = f"{_q(keyspace.name)}.{_q(name)}"
    statements = []
    if rename is not None:
        renames = rename.get("fields") if isinstance(rename, dict) else None
        if not isinstance(renames, dict) or not renames or not all(isinstance(v, str) for v in renames.values()):
            raise schema_error("MISSING_ALTER_TYPE_OPERATIONS", "`rename.fields` maps old field names to new ones.")
        unknown = [old for old in renames if old not in meta.field_names]
        if unknown:
            raise schema_error(
                "CANNOT_RENAME_UNKNOWN_TYPE_FIELD",
                f"The command attempted to rename fields that are not defined: {', '.join(u[:64] for u in unknown)}.",
            )
        pairs = " AND ".join(f"{_q(old)} TO {_q(check_column_name(new))}" for old, new in renames.items())
        statements.append(f"ALTER TYPE {qualified} RENAME {pairs}")
    if add is not None:
        for field, cql in _fields(add):
            if field.strip('"').replace('""', '"') in meta.field_names:
                raise schema_error("CANNOT_ADD_EXISTING_FIELD", f"The type already has a field {field}.")
            statements.append(f"ALTER TYPE {qualified} ADD {field} {cql}")
    for cql in statements:
        await run_ddl(command, cql, target=keyspace.name)
    return ok()


def _uses(t: CqlType, name: str) -> bool:
    if t.kind == "udt" and t.udt is not None:
        return t.udt.name == name or any(_uses(ft, name) for _, ft in t.udt.fields)
    return any(_uses(p, name) for p in t.params)


def _table_uses(keyspace: Any, table: Any, name: str) -> bool:
    resolve = user_type_resolver(keyspace)
    for column in table.columns.values():
        try:
            if _uses(parse_type(column.cql_type, resolve), name):
                return True
        except ValueError:  # a type the model cannot read: it names no UDT of ours the parser would know
            continue
    return False


async def drop_type(command: Command) -> Answer:
    known_fields(command, frozenset({"name", "options"}), frozenset({"ifExists"}))
    keyspace = served_keyspace(command)
    name = field_name(command.options, "type")
    if name not in keyspace.user_types:
        if field_flag(command.options, "ifExists"):
            return ok()
        raise schema_error(
            "CANNOT_DROP_UNKNOWN_TYPE",
            f"The command attempted to drop a type that is not defined in the keyspace: {keyspace.name}.{name}.",
        )
    users = sorted(t.name for t in keyspace.tables.values() if _table_uses(keyspace, t, name))
    if users:
        raise schema_error(
            "CANNOT_DROP_TYPE_USED_BY_TABLE",
            f"The type {name} is used by the tables: {', '.join(users)}. Drop or alter them first.",
        )
    await run_ddl(command, f"DROP TYPE IF EXISTS {_q(keyspace.name)}.{_q(name)}", target=keyspace.name)
    return ok()


COMMANDS: dict[str, Spec] = {
    "createType": Spec("keyspace", "admin", create_type),
    "listTypes": Spec("keyspace", "read", list_types),
    "alterType": Spec("keyspace", "admin", alter_type),
    "dropType": Spec("keyspace", "admin", drop_type),
}
