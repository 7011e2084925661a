"""`POST .../keyspaces/{ks}/tables`, `PUT .../tables/{t}` and `DELETE .../tables/{t}`: Stargate's `Sgv2TableAddRequest`
read and checked (its bean validation's words where it has them), and its CREATE / ALTER / DROP TABLE."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.schema_ddl.fields import (
    bad,
    cql_name,
    echo,
    flag,
    identifier,
    integer,
    invalid,
    names,
    objects,
    qualified,
    section,
)
from app.schema_ddl.typedefs import cql_type

MAX_TTL = 2**31 - 1  # an int in Stargate's model; Cassandra refuses more than 20 years itself


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    cql_type: str
    static: bool


def column_definition(given: dict[str, Any]) -> Column:
    """One `Sgv2ColumnDefinition`: `name` (required), `typeDefinition`, `static`."""
    name = given.get("name")
    if not isinstance(name, str) or not name.strip():
        raise invalid("columnDefinition.name must be provided")
    name = identifier(name, "columnDefinition.name")
    return Column(name, cql_type(given.get("typeDefinition"), f"column {echo(name)}"), flag(given, "static"))


def table_name(body: dict[str, Any]) -> str:
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise invalid("TableAdd.name must be provided")
    return identifier(name, "TableAdd.name")


def create_table(keyspace: str, body: dict[str, Any]) -> tuple[str, str]:
    """(the table's name, its CREATE TABLE): key columns first (partition, then clustering, in the key's order), the
    others as given; clustering order from `clusteringExpression` (ASC where it names none), `defaultTimeToLive`."""
    name = table_name(body)
    columns = [column_definition(c) for c in objects(body, "columnDefinitions")]
    if not columns:
        raise bad("TableAdd.columnDefinitions must be provided")
    by_name = {c.name: c for c in columns}
    if len(by_name) != len(columns):
        doubled = next(c.name for c in columns if sum(d.name == c.name for d in columns) > 1)
        raise bad(f"column {echo(doubled)} is defined twice in columnDefinitions")
    key = section(body, "primaryKey")
    partition, clustering = (
        names(key.get("partitionKey"), "partitionKey"),
        names(key.get("clusteringKey"), "clusteringKey"),
    )
    if not partition:
        raise bad(f"At least one partition key must be specified for table {echo(name)} (primaryKey.partitionKey)")
    for column in [*partition, *clustering]:
        if column not in by_name:
            raise bad(f"primaryKey names column {echo(column)}, which columnDefinitions does not define")
    if len(set(partition)) != len(partition) or len(set(clustering)) != len(clustering):
        raise bad("primaryKey names a column twice in one of its lists")
    clustering = [c for c in clustering if c not in partition]  # in both: a partition key column, as in Stargate
    options = section(body, "tableOptions")
    order = _clustering_order(options, clustering)
    keys = set(partition) | set(clustering)
    ordered = [by_name[c] for c in [*partition, *clustering]] + [c for c in columns if c.name not in keys]
    definitions = [
        f"{cql_name(c.name)} {c.cql_type}{' STATIC' if c.static and c.name not in keys else ''}" for c in ordered
    ]
    primary = "(" + ", ".join(cql_name(c) for c in partition) + ")"
    primary += "".join(f", {cql_name(c)}" for c in clustering)
    cql = "CREATE TABLE " + ("IF NOT EXISTS " if flag(body, "ifNotExists") else "")
    cql += f"{qualified(keyspace, name)} ({', '.join(definitions)}, PRIMARY KEY ({primary}))"
    withs = []
    if order:
        withs.append("CLUSTERING ORDER BY (" + ", ".join(f"{cql_name(c)} {order[c]}" for c in clustering) + ")")
    ttl = options.get("defaultTimeToLive")
    if ttl is not None:
        withs.append(f"default_time_to_live = {integer(ttl, 'defaultTimeToLive', low=0, high=MAX_TTL)}")
    return name, cql + (" WITH " + " AND ".join(withs) if withs else "")


def _clustering_order(options: dict[str, Any], clustering: list[str]) -> dict[str, str]:
    """Each clustering column's order (ASC unless `clusteringExpression` says DESC); empty when none is given."""
    given = objects(options, "clusteringExpression")
    order: dict[str, str] = {}
    for expression in given:
        column = identifier(expression.get("column"), "clusteringExpression.column")
        if column not in clustering:
            raise bad(f"clusteringExpression names {echo(column)}, which is not a clustering column (primaryKey)")
        direction = expression.get("order")
        if not isinstance(direction, str) or direction.upper() not in ("ASC", "DESC"):
            raise bad(f"Unrecognized ordering value {echo(direction)} (clusteringExpression: ASC or DESC)")
        order[column] = direction.upper()
    return {c: order.get(c, "ASC") for c in clustering} if order else {}


def update_table(keyspace: str, table: str, body: dict[str, Any]) -> str:
    """Stargate's PUT changes the default TTL only, and refuses a clustering order."""
    table_name(body)  # required by Stargate's model, though the path names the table
    options = section(body, "tableOptions")
    if objects(options, "clusteringExpression"):
        raise bad("Cannot update the clustering order of a table")
    ttl = options.get("defaultTimeToLive")
    if ttl is None:
        raise bad("No update provided for defaultTTL")
    seconds = integer(ttl, "defaultTimeToLive", low=0, high=MAX_TTL)
    return f"ALTER TABLE {qualified(keyspace, table)} WITH default_time_to_live = {seconds}"


def drop_table(keyspace: str, table: str) -> str:
    return f"DROP TABLE IF EXISTS {qualified(keyspace, table)}"
