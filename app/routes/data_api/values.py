"""Values in the Data API's JSON forms: the codec registry's DATA_API dialect applied to a table's columns, the rows
read written as the Data API writes them (null columns left out), and the schema of what was read.

`schema_of` describes columns as `status.projectionSchema` and `primaryKeySchema` do, with the DDL side's
`column_types.describe_column`: `{"type": "text"}`, `{"type": "map", "keyType": "text", "valueType": "int"}`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import cache
from typing import Any

from app.routes.data_api import errors
from app.routes.data_api.column_types import describe_column
from app.routes.data_api.command import DataApiError
from app.rows.catalog import Column, Kind, Table
from app.rows.types import DATA_API, CqlType, decoder, encoder

Encode = Callable[[Any], object]


@cache
def _decoder(t: CqlType) -> Callable[[object], object]:
    return decoder(t, dialect=DATA_API)


def decoder_of(t: CqlType) -> Callable[[object], object]:
    """The DATA_API dialect's decoder of `t` (one per type), for a plan that keeps it."""
    return _decoder(t)


def decode(column: Column, value: object) -> object:
    """A JSON value for `column` as the driver binds it; BadValue (a ValueError) when it is not one."""
    return _decoder(column.type)(value)


def decode_as(t: CqlType, value: object) -> object:
    """A value of one of a column's element types (a set's element, a map's key)."""
    return _decoder(t)(value)


@cache
def _encoder(t: CqlType) -> Encode | None:
    return encoder(t, dialect=DATA_API)


def encoder_of(t: CqlType) -> Encode | None:
    """The DATA_API dialect's encoder of `t` (None: the driver's value as is), for a plan that keeps it."""
    return _encoder(t)


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


# ---- the schema of columns: the Data API's own descriptions (`column_types`, the DDL side's) ------------------


@cache
def _described(t: CqlType, static: bool) -> dict[str, Any]:
    """Built once per type: the answers only serialise it, never change it."""
    return describe_column(t, static=static, usage="dml")


def schema_of(columns: Iterable[Column]) -> dict[str, object]:
    """`projectionSchema` / `primaryKeySchema`: each column's type as the Data API describes it in a read."""
    return {c.name: _described(c.type, c.kind is Kind.STATIC) for c in columns}


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
