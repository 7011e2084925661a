"""Values in the Data API's JSON forms: the codec registry's DATA_API dialect applied to a table's columns, the rows
read written as the Data API writes them (null columns left out), and the schema of what was read.

`column_schema` describes a column's type as `status.projectionSchema` and `primaryKeySchema` do: `{"type": "text"}`,
`{"type": "map", "keyType": "text", "valueType": "int"}`, `{"type": "vector", "dimension": 3, "apiSupport": ...}`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import cache
from typing import Any

from app.routes.data_api import errors
from app.routes.data_api.command import DataApiError
from app.rows.catalog import Column, Table
from app.rows.types import DATA_API, CqlType, decoder, encoder

Encode = Callable[[Any], object]


@cache
def _decoder(t: CqlType) -> Callable[[object], object]:
    return decoder(t, dialect=DATA_API)


def decode(column: Column, value: object) -> object:
    """A JSON value for `column` as the driver binds it; BadValue (a ValueError) when it is not one."""
    return _decoder(column.type)(value)


def decode_as(t: CqlType, value: object) -> object:
    """A value of one of a column's element types (a set's element, a map's key)."""
    return _decoder(t)(value)


@cache
def _encoder(t: CqlType) -> Encode | None:
    return encoder(t, dialect=DATA_API)


def encode(column: Column, value: object) -> object:
    convert = _encoder(column.type)
    return value if convert is None or value is None else convert(value)


def row_writer(columns: Sequence[Column]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A driver row -> the Data API's document of these columns: null (and so empty-collection) columns left out."""
    plan = [(c.name, _encoder(c.type)) for c in columns]

    def write(row: dict[str, Any]) -> dict[str, Any]:
        document: dict[str, Any] = {}
        for name, convert in plan:
            value = row.get(name)
            if value is not None:
                document[name] = value if convert is None else convert(value)
        return document

    return write


def documents(rows: Iterable[dict[str, Any]], columns: Sequence[Column]) -> list[dict[str, Any]]:
    write = row_writer(columns)
    return [write(row) for row in rows]


# ---- the schema of columns, as the Data API describes them -----------------------------------------------------

_PLAIN = frozenset(
    {
        *("ascii", "text", "boolean", "blob", "inet", "uuid", "tinyint", "smallint", "int", "bigint", "varint"),
        *("float", "double", "decimal", "date", "time", "timestamp", "duration"),
    }
)


def _support(t: CqlType, *, create: bool, insert: bool, read: bool, filter: bool) -> dict[str, object]:
    return {"createTable": create, "insert": insert, "read": read, "filter": filter, "cqlDefinition": str(t)}


@cache
def column_schema(t: CqlType) -> dict[str, object]:
    """A column type as the Data API's `projectionSchema` writes it; types it does not serve (tuples, frozen
    collections, counters, timeuuid) carry `apiSupport`, saying what this face does with them."""
    kind = t.kind
    if kind in _PLAIN and not t.frozen:
        return {"type": kind}
    if kind in ("timeuuid", "counter"):
        writable = kind == "timeuuid"
        return {"type": kind, "apiSupport": _support(t, create=False, insert=writable, read=True, filter=True)}
    if kind in ("list", "set") and not t.frozen and t.params[0].kind in _PLAIN:
        return {"type": kind, "valueType": t.params[0].kind}
    if kind == "map" and not t.frozen and all(p.kind in _PLAIN for p in t.params):
        return {"type": "map", "keyType": t.params[0].kind, "valueType": t.params[1].kind}
    if kind == "vector" and t.params[0].kind == "float":
        support = _support(t, create=True, insert=True, read=True, filter=False)
        return {"type": "vector", "dimension": t.size, "apiSupport": support}
    if kind == "udt" and t.udt is not None:
        return {"type": "userDefined", "udtName": t.udt.name}
    return {"type": "UNSUPPORTED", "apiSupport": _support(t, create=False, insert=True, read=True, filter=False)}


def schema_of(columns: Iterable[Column]) -> dict[str, object]:
    return {c.name: column_schema(c.type) for c in columns}


def invalid_values(table: Table, problems: list[tuple[Column, str]], scope: str = "DOCUMENT") -> DataApiError:
    """INVALID_COLUMN_VALUES (documents) or INVALID_UPDATE_COLUMN_VALUES (updates): `n(int) - Cause: ...`."""
    causes = ", ".join(f"{c.name}({c.type}) - Cause: {why}" for c, why in problems)
    if scope == "UPDATE":
        return errors.error("INVALID_UPDATE_COLUMN_VALUES", "UPDATE", **errors.table_vars(table), invalidColumns=causes)
    return errors.error("INVALID_COLUMN_VALUES", "DOCUMENT", **errors.table_vars(table), invalidColumns=causes)


def unknown_columns(table: Table, names: Iterable[str], scope: str) -> DataApiError:
    return errors.error("UNKNOWN_TABLE_COLUMNS", scope, **errors.table_vars(table), unknownColumns=", ".join(names))


def decode_document(table: Table, document: dict[str, Any]) -> dict[str, object]:
    """Every given column's value to bind, or the Data API's refusal naming every culprit."""
    unknown = [name for name in document if name not in table.columns]
    if unknown:
        raise unknown_columns(table, unknown, "DOCUMENT")
    values: dict[str, object] = {}
    problems: list[tuple[Column, str]] = []
    for name, value in document.items():
        column = table.columns[name]
        try:
            values[name] = decode(column, value)
        except ValueError as exc:
            problems.append((column, str(exc)))
    if problems:
        raise invalid_values(table, problems)
    return values
