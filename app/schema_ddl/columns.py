"""`POST .../tables/{t}/columns`, `PUT .../columns/{c}` (a rename, which Cassandra allows for primary key columns
only) and `DELETE .../columns/{c}`: Stargate's `Sgv2ColumnDefinition` and its ALTER TABLE."""

from __future__ import annotations

from typing import Any

from app.schema_ddl.fields import cql_name, invalid, qualified
from app.schema_ddl.tables import Column, column_definition


def add_column(keyspace: str, table: str, body: dict[str, Any]) -> tuple[Column, str]:
    column = column_definition(body)
    static = " STATIC" if column.static else ""
    return column, f"ALTER TABLE {qualified(keyspace, table)} ADD {cql_name(column.name)} {column.cql_type}{static}"


def new_name(body: dict[str, Any]) -> str:
    """The rename's target: the body's `name` (its `typeDefinition` is not looked at, as in Stargate)."""
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise invalid("columnDefinition.name must be provided")
    return column_definition({"name": name, "typeDefinition": "text"}).name


def rename_column(keyspace: str, table: str, old: str, new: str) -> str:
    return f"ALTER TABLE {qualified(keyspace, table)} RENAME {cql_name(old)} TO {cql_name(new)}"


def drop_column(keyspace: str, table: str, column: str) -> str:
    return f"ALTER TABLE {qualified(keyspace, table)} DROP {cql_name(column)}"
