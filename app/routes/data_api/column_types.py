"""The Data API's column type definitions, both ways: a CQL type described as the Data API describes it (listTables,
projectionSchema, primaryKeySchema), and a client's definition read into the CQL type text of a CREATE or ALTER.

The rules are stargate/data-api v1.0.51's (`ApiDataTypeDefs`, `CollectionApiDataType`, `ApiUdtShallowType`,
`ColumnDescSerializer`): each type carries what the API supports on it (createTable, insert, read, filter); a column
that is not fully supported carries `apiSupport` with its CQL definition, and one the API cannot bind at all is
`{"type": "UNSUPPORTED", ...}`. Primitive keys and values of collections are written in the short form (`"text"`).
Names from clients are checked here and quoted with the driver's `protect_name`; nothing a client sends is pasted
into CQL as it came.
"""

from __future__ import annotations

from collections.abc import Container
from typing import Any, Literal

from cassandra.metadata import protect_name

from app.routes.data_api.ddl_errors import schema_error
from app.rows.catalog import Kind, Table
from app.rows.types import CqlType

Usage = Literal["ddl", "dml"]  # ddl: a UDT by name (listTables); dml: with its fields inline (projectionSchema)
Place = Literal["column", "value", "key", "field"]  # where a type sits: TypeBindingPoint of the Data API

PRIMITIVES = (
    *("ascii", "bigint", "blob", "boolean", "counter", "date", "decimal", "double", "duration", "float"),
    *("inet", "int", "smallint", "text", "time", "timestamp", "tinyint", "uuid", "timeuuid", "varint"),
)
_PRIMITIVE_SET = frozenset(PRIMITIVES)
# createTable, insert, read, filter
_FULL = (True, True, True, True)
_NONE = (False, False, False, False)
_PRIMITIVE_SUPPORT = {"counter": (False, False, True, True), "timeuuid": (False, True, True, True)}
_FROZEN_COLLECTION = (False, True, True, True)
_VECTOR = (True, True, True, False)
_UDT_NOT_FROZEN = (True, True, True, False)
# Primitives the API reads from a table but never lets a client create (counter, timeuuid), nor use as a map key.
_NOT_CREATABLE = frozenset({"counter", "timeuuid"})
_NOT_MAP_KEY = frozenset({"counter", "timeuuid", "duration"})
MAX_VECTOR_DIMENSION = 8192  # the bound of a client's `dimension` (Astra's own limit on a vector column)
MAX_NAME_CHARS = 48  # the Data API's naming rule for keyspaces, tables, types and indexes: \w{1,48}
MAX_COLUMN_NAME_CHARS = 256


# ---- CQL type -> the Data API's description ----


def describe_column(t: CqlType, *, static: bool = False, usage: Usage = "ddl") -> dict[str, Any]:
    """A table column's type as the Data API describes it; `static` columns say the API cannot create them."""
    support = _support(t, "column")
    if support is None:
        return _unsupported(t)
    desc = _describe(t, usage)
    if static:
        support = (False, *support[1:])
    if support != _FULL:
        desc["apiSupport"] = _api_support(support, ("static " if static else "") + cql_definition(t))
    return desc


def describe_table(table: Table) -> dict[str, Any]:
    """A table's `definition` as listTables (explain) answers it: columns in CQL order, then the primary key."""
    # The key, then the regular columns, then the static ones (the Java driver's order, which the Data API keeps).
    ordered = sorted(table.columns.values(), key=lambda c: c.kind == Kind.STATIC)
    columns = {c.name: describe_column(c.type, static=c.kind == Kind.STATIC) for c in ordered}
    return {
        "columns": columns,
        "primaryKey": {
            "partitionBy": [c.name for c in table.partition_key],
            "partitionSort": {c.name: -1 if c.descending else 1 for c in table.clustering},
        },
    }


def describe_pk_column(t: CqlType) -> dict[str, Any]:
    """A primary-key column as `primaryKeySchema` describes it (DML usage)."""
    return describe_column(t, usage="dml")


def _describe(t: CqlType, usage: Usage) -> dict[str, Any]:
    kind = t.kind
    if kind in _PRIMITIVE_SET:
        return {"type": kind}
    if kind == "vector":
        return {"type": "vector", "dimension": t.size}
    if kind == "map":
        return {"type": "map", "keyType": _nested(t.params[0], usage), "valueType": _nested(t.params[1], usage)}
    if kind in ("list", "set"):
        return {"type": kind, "valueType": _nested(t.params[0], usage)}
    assert kind == "udt" and t.udt is not None
    desc: dict[str, Any] = {"type": "userDefined", "udtName": t.udt.name}
    if usage == "dml":
        desc["definition"] = {"fields": {name: _describe(ft, usage) for name, ft in t.udt.fields}}
    return desc


def _nested(t: CqlType, usage: Usage) -> Any:
    return t.kind if t.kind in _PRIMITIVE_SET else _describe(t, usage)


def _unsupported(t: CqlType) -> dict[str, Any]:
    return {"type": "UNSUPPORTED", "apiSupport": _api_support(_NONE, cql_definition(t))}


def _api_support(support: tuple[bool, bool, bool, bool], cql: str) -> dict[str, Any]:
    create, insert, read, filter_ = support
    return {"createTable": create, "insert": insert, "read": read, "filter": filter_, "cqlDefinition": cql}


def _support(t: CqlType, place: Place) -> tuple[bool, bool, bool, bool] | None:
    """What the API supports on `t` where it sits; None when it cannot bind it there at all."""
    kind = t.kind
    if kind in _PRIMITIVE_SET:
        return _PRIMITIVE_SUPPORT.get(kind, _FULL)
    if kind in ("list", "set", "map", "vector"):
        if place != "column":
            return None
        if kind == "vector":
            return _VECTOR if t.params[0].kind == "float" else None
        if kind == "map" and _support(t.params[0], "key") is None:
            return None
        if _support(t.params[-1], "value") is None:
            return None
        return _FROZEN_COLLECTION if t.frozen else _FULL
    if kind == "udt":
        assert t.udt is not None
        if place not in ("column", "value"):
            return None
        if any(_support(ft, "field") is None for _, ft in t.udt.fields):
            return None
        return _FULL if t.frozen else _UDT_NOT_FROZEN
    return None  # tuple, and anything the API has no type for


def cql_definition(t: CqlType) -> str:
    """The type's CQL as the Java driver prints it (`asCql(true, true)`): UDTs with their keyspace, tuples frozen, a
    vector of anything but floats as the custom type its driver (4.17) takes it for."""
    kind = t.kind
    if kind == "vector" and t.params[0].kind != "float":
        return f"'org.apache.cassandra.db.marshal.VectorType({t.size})'"
    if kind == "udt":
        assert t.udt is not None
        text = f"{protect_name(t.udt.keyspace)}.{protect_name(t.udt.name)}"
    elif kind == "vector":
        text = f"vector<{cql_definition(t.params[0])}, {t.size}>"
    elif t.params:
        text = f"{kind}<{', '.join(cql_definition(p) for p in t.params)}>"
    else:
        text = kind
    return f"frozen<{text}>" if t.frozen or kind == "tuple" else text


def is_filterable(t: CqlType) -> bool:
    """Whether the API lets a filter name a column of this type (vectors and non-frozen UDTs it does not)."""
    support = _support(t, "column")
    return support is not None and support[3]


# ---- a client's definition -> CQL type text ----


def parse_column(definition: Any, *, place: Place = "column", user_types: Container[str] | None = None) -> str:
    """A column (or UDT field) definition, short (`"text"`) or long (`{"type": "map", ...}`), as the CQL type text
    of a CREATE TABLE / ALTER TABLE / CREATE TYPE; `user_types` are the keyspace's UDTs (None: not checked).
    Raises the Data API's schema errors."""
    if isinstance(definition, str):
        if definition not in _PRIMITIVE_SET:
            raise schema_error(
                "UNKNOWN_PRIMITIVE_DATA_TYPE",
                f"The command used the unsupported primitive data type: {_shown(definition)}. "
                f"The supported primitive data types are: {', '.join(sorted(PRIMITIVES))}.",
            )
        return _primitive(definition, place)
    if not isinstance(definition, dict) or not isinstance(definition.get("type"), str):
        raise schema_error(
            "UNKNOWN_DATA_TYPE",
            "The Long Form type definition must be a JSON Object with at least a `type` field that is a String.",
        )
    name = definition["type"]
    if name in _PRIMITIVE_SET:
        return _primitive(name, place)
    reader = _READERS.get(name)
    if reader is None:
        raise schema_error(
            "UNKNOWN_DATA_TYPE",
            f"The command used the unsupported data type: {_shown(name)}. The supported data types are: "
            f"{', '.join(sorted((*PRIMITIVES, 'list', 'map', 'set', 'userDefined', 'vector')))}.",
        )
    return reader(definition, place, user_types)


def _primitive(name: str, place: Place) -> str:
    if name in _NOT_CREATABLE or (place == "key" and name in _NOT_MAP_KEY):
        raise schema_error(
            "UNSUPPORTED_DATA_TYPE_TABLE_CREATION",
            f"The command used the data type {name}, which the API can read but cannot create"
            + (" as a map key." if place == "key" and name not in _NOT_CREATABLE else "."),
        )
    return name


def _collection(definition: dict[str, Any], place: Place, user_types: Container[str] | None) -> str:
    name = definition["type"]
    code = {"list": "UNSUPPORTED_LIST_DEFINITION", "set": "UNSUPPORTED_SET_DEFINITION"}.get(
        name, "UNSUPPORTED_MAP_DEFINITION"
    )
    if place != "column":
        raise schema_error(code, f"A {name} cannot be used inside another collection or a user defined type.")
    value = definition.get("valueType")
    if value is None or (name == "map" and definition.get("keyType") is None):
        missing = "valueType" if value is None else "keyType"
        raise schema_error(code, f"The {name} definition is missing its `{missing}`.")
    try:
        value_cql = parse_column(value, place="value", user_types=user_types)
        if name != "map":
            return f"{name}<{value_cql}>"
        key_cql = parse_column(definition["keyType"], place="key", user_types=user_types)
    except Exception as exc:
        raise schema_error(code, f"The {name} definition contains an unsupported type: {_message(exc)}") from exc
    return f"map<{key_cql}, {value_cql}>"


def _vector(definition: dict[str, Any], place: Place, user_types: Container[str] | None) -> str:
    if definition.get("service") is not None:
        raise schema_error(
            "VECTORIZE_FEATURE_NOT_AVAILABLE", "Vectorize (an embedding service) is not available on this database."
        )
    if place != "column":
        raise schema_error("UNSUPPORTED_VECTOR_DIMENSION", "A vector can only be a table column.")
    value = definition.get("valueType", "float")
    if value not in ("float", {"type": "float"}):
        raise schema_error("UNKNOWN_DATA_TYPE", "A vector's `valueType` can only be float.")
    dimension = definition.get("dimension")
    if dimension is None:
        raise schema_error(
            "MISSING_DIMENSION_IN_VECTOR_COLUMN",
            "The dimension is required for a vector column when no embedding service is specified.",
        )
    if isinstance(dimension, bool) or not isinstance(dimension, int) or not 0 < dimension <= MAX_VECTOR_DIMENSION:
        raise schema_error(
            "UNSUPPORTED_VECTOR_DIMENSION",
            f"The vector dimension must be an integer from 1 to {MAX_VECTOR_DIMENSION}; it was {_shown(dimension)}.",
        )
    return f"vector<float, {dimension}>"


def _udt(definition: dict[str, Any], place: Place, user_types: Container[str] | None) -> str:
    name = definition.get("udtName")
    if not isinstance(name, str) or not name.strip():
        raise schema_error(
            "INVALID_USER_DEFINED_TYPE_NAME", f"The `udtName` must be a non-empty String; it was {_shown(name)}."
        )
    checked = check_schema_name(name, "type")
    if place in ("key", "field"):
        raise schema_error(
            "UNSUPPORTED_MAP_DEFINITION" if place == "key" else "UNSUPPORTED_TYPE_FIELDS",
            "A user defined type cannot be a map key or a field of another type.",
        )
    if user_types is not None and checked not in user_types:
        raise schema_error("UNKNOWN_USER_DEFINED_TYPE", f"The command used the unknown user defined type: {checked}.")
    quoted: str = protect_name(checked)
    return f"frozen<{quoted}>" if place == "value" else quoted


_READERS = {"list": _collection, "set": _collection, "map": _collection, "vector": _vector, "userDefined": _udt}


def check_schema_name(name: Any, what: str) -> str:
    """A keyspace, table, type or index name under the Data API's naming rule (\\w, 1 to 48 characters)."""
    if (
        not isinstance(name, str)
        or not 0 < len(name) <= MAX_NAME_CHARS
        or not all(c.isascii() and (c.isalnum() or c == "_") for c in name)
    ):
        raise schema_error(
            "UNSUPPORTED_SCHEMA_NAME",
            f"The command attempted to create a {what} with a name that is not supported. The supported {what} "
            f"names must not be empty, more than {MAX_NAME_CHARS} characters long, or contain non-alphanumeric-"
            f"underscore characters. The command used the unsupported {what} name: {_shown(name)}.",
        )
    return name


def check_column_name(name: Any) -> str:
    """A column or field name: any non-empty text up to 256 characters, quoted later by `protect_name`."""
    if not isinstance(name, str) or not 0 < len(name) <= MAX_COLUMN_NAME_CHARS or name.startswith("$"):
        raise schema_error(
            "UNSUPPORTED_SCHEMA_NAME",
            f"Column names must be 1 to {MAX_COLUMN_NAME_CHARS} characters and not start with '$': {_shown(name)}.",
        )
    return name


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 100 else text[:100] + "..."


def _message(exc: Exception) -> str:
    return getattr(exc, "message", str(exc))
