"""The CQL text of every statement shape the rows API runs. Pure: identifiers come quoted from the catalog (the
driver's `protect_name`), and every value is a `?` marker, bound later."""

from __future__ import annotations

from collections.abc import Sequence

from app.rows.catalog import Column, Table
from app.rows.query import Condition, Order


def select(
    table: Table,
    columns: Sequence[Column],
    conditions: Sequence[Condition],
    order: Sequence[Order] = (),
    *,
    allow_filtering: bool = False,
) -> str:
    text = f"SELECT {', '.join(c.cql for c in columns)} FROM {table.qualified}"
    if conditions:
        text += " WHERE " + " AND ".join(c.cql for c in conditions)
    if order:
        text += " ORDER BY " + ", ".join(o.cql for o in order)
    if allow_filtering:
        text += " ALLOW FILTERING"
    return text


def insert(table: Table, *, if_not_exists: bool = False) -> str:
    """Every column, so one statement serves every body: columns a body leaves out are bound as unset."""
    names = [c.cql for c in table.columns.values()]
    text = f"INSERT INTO {table.qualified} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})"
    # A conditional insert takes no client timestamp (Cassandra refuses one).
    return text + (" IF NOT EXISTS USING TTL ?" if if_not_exists else " USING TTL ? AND TIMESTAMP ?")


def insert_static(table: Table) -> str:
    """A partition's static columns without a row: the partition key and every static column."""
    names = [c.cql for c in table.partition_key] + [c.cql for c in table.columns.values() if c.kind == "static"]
    values = ", ".join("?" for _ in names)
    return f"INSERT INTO {table.qualified} ({', '.join(names)}) VALUES ({values}) USING TTL ? AND TIMESTAMP ?"


def updatable(table: Table, key_length: int) -> list[Column]:
    """What a PUT/PATCH may set: every non-key column under a full key; only static columns under a partition key."""
    full = key_length == len(table.primary_key)
    return [c for c in table.columns.values() if not c.is_key and (full or c.kind == "static")]


def update(table: Table, key_length: int) -> str:
    """Every settable column (omitted ones bound as unset); counters are incremented, and take no TTL or timestamp."""
    settable = updatable(table, key_length)
    assignments = [f"{c.cql} = {c.cql} + ?" if c.type.kind == "counter" else f"{c.cql} = ?" for c in settable]
    where = " AND ".join(f"{c.cql} = ?" for c in table.primary_key[:key_length])
    using = "" if table.is_counter_table else " USING TTL ? AND TIMESTAMP ?"
    return f"UPDATE {table.qualified}{using} SET {', '.join(assignments)} WHERE {where}"


def delete(table: Table, key_length: int) -> str:
    where = " AND ".join(f"{c.cql} = ?" for c in table.primary_key[:key_length])
    return f"DELETE FROM {table.qualified} WHERE {where}"
