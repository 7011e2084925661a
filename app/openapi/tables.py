"""Each served table's share of the rows API's OpenAPI document: its typed paths, parameters and row schemas.

From the catalog's `Table` (the driver's metadata, parsed by the codec's type parser): one path per key prefix
(`/v2/keyspaces/ks/t/{k1}/{k2}`, path parameters typed and in primary-key order), the row as a read answers it, the
bodies POST and PUT/PATCH take, the `where` conditions each column takes, and the `sort` of its clustering columns.
Value schemas come from `app.rows.type_schemas`, operation shapes from `app.openapi.operations`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

from app.openapi.components import Deployment, Schema, page_schema, params, schema_ref
from app.openapi.operations import (
    ALL_TEXT,
    KEY_TEXT,
    PREFIX,
    WHERE_TEXT,
    Target,
    create_op,
    delete_op,
    fields_param,
    inline,
    read_op,
    served,
    sort_param,
    update_op,
    where_param,
)
from app.rows.catalog import Column, Kind, Table
from app.rows.cql import updatable
from app.rows.type_schemas import has_map, key_schema, read_schema, write_schema
from app.rows.types import CqlType

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True, slots=True)
class TablePart:
    """A table's share of the document: its tag, its paths and its component schemas."""

    tag: Schema
    paths: dict[str, Schema]
    schemas: dict[str, Schema]


def _component(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)


def _identifier(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


def _role(column: Column) -> str:
    if column.kind is Kind.PARTITION:
        return "partition key"
    if column.kind is Kind.CLUSTERING:
        return f"clustering column, {'DESC' if column.descending else 'ASC'}"
    return "static" if column.kind is Kind.STATIC else ""


def _about(column: Column) -> str:
    role = _role(column)
    return f"`{column.type!s}`" + (f", {role}" if role else "")


def _key_names(keys: Sequence[Column]) -> list[str]:
    """Path template names for the key columns: the column name when it is a plain identifier, else `keyN`."""
    names: list[str] = []
    for i, column in enumerate(keys, 1):
        name = column.name if _NAME.fullmatch(column.name) else f"key{i}"
        while name in names:
            name += "_"
        names.append(name)
    return names


def _example(t: CqlType) -> object:
    """A value for `where` examples (scalars whose form needs no context), else None."""
    examples: dict[str, object] = {
        "text": "text",
        "ascii": "ascii",
        "tinyint": 1,
        "smallint": 1,
        "int": 1,
        "bigint": 1,
        "varint": 1,
        "boolean": True,
        "uuid": "123e4567-e89b-42d3-a456-426614174000",
        "timestamp": "2021-04-23T18:42:22.139Z",
        "date": "2021-04-23",
    }
    return examples.get(t.kind) if t.udt is None and not t.params else None


def _conditions(column: Column) -> Schema:
    """The `where` operators a column takes, with values of its type."""
    t = column.type
    value = write_schema(t, null=False)
    props: Schema = {op: value for op in ("$eq", "$lt", "$lte", "$gt", "$gte")}
    props["$in"] = {"type": "array", "items": value, "minItems": 1}
    if t.kind in ("list", "set") and t.params:
        props["$contains"] = write_schema(t.params[0], null=False)
    if t.kind == "map" and len(t.params) == 2:
        key, item = (write_schema(p, null=False) for p in t.params)
        props["$contains"] = item
        props["$containsKey"] = key
        props["$containsEntry"] = {
            "type": "object",
            "properties": {"key": key, "value": item},
            "required": ["key", "value"],
            "additionalProperties": False,
        }
    if t.kind == "boolean":
        props["$exists"] = {"const": True, "description": "the column is true"}
    return {
        "type": "object",
        "description": _about(column),
        "properties": props,
        "additionalProperties": False,
        "minProperties": 1,
    }


def _tag_text(table: Table) -> str:
    lines = [
        f"Table `{table.keyspace}.{table.name}`: primary key "
        f"(({', '.join(c.name for c in table.partition_key)})"
        + "".join(f", {c.name}" for c in table.clustering)
        + ").",
        "",
        "| column | CQL type | role |",
        "|-|-|-|",
    ]
    lines += [f"| `{c.name}` | `{c.type!s}` | {_role(c)} |" for c in table.columns.values()]
    return "\n".join(lines)


BODY_TEXT = (
    "Column name to value. Beside the JSON forms typed here, every value may be written as the string Stargate "
    "accepts for it: numbers and booleans as strings, collections, tuples and UDTs as CQL literals "
    "(`\"['a','b']\"`), with surrounding single quotes stripped."
)


@dataclass(frozen=True, slots=True)
class _Names:
    """One table's names in the document: its qualified name, its tag, its component names and its base path."""

    qualified: str
    tag: str
    schemas: dict[str, str]
    base: str

    @classmethod
    def of(cls, table: Table) -> _Names:
        qualified = f"{table.keyspace}.{table.name}"
        prefix = _component(qualified)
        kinds = ("Row", "Page", "Insert", "Update", "UpdateStatic", "Where")
        base = f"{PREFIX}/{quote(table.keyspace, safe='')}/{quote(table.name, safe='')}"
        return cls(qualified, f"rows: {qualified}", {kind: f"{prefix}.{kind}" for kind in kinds}, base)


def openapi_part(table: Table, deployment: Deployment) -> TablePart:
    """The table's typed paths and schemas: rows as GET answers them, bodies as POST and PUT/PATCH take them."""
    names = _Names.of(table)
    suffix = f"_{_identifier(table.keyspace)}_{_identifier(table.name)}"
    target = Target(names.tag, names.schemas["Row"], names.schemas["Page"], deployment, suffix)
    schemas = _read_schemas(table, names)
    reads = _read_parameters(table)
    paths = _table_paths(table, names, target, reads, schemas)
    paths.update(_key_paths(table, names, target, reads, schemas))
    return TablePart({"name": names.tag, "description": _tag_text(table)}, paths, schemas)


def _read_schemas(table: Table, names: _Names) -> dict[str, Schema]:
    """The row as read, its page, and the `where` object: what every table has, counter or not."""
    columns = list(table.columns.values())
    row = names.schemas["Row"]
    return {
        row: {
            "title": f"{names.qualified} row",
            "type": "object",
            "description": "A row as read: every selected column (all of them without `fields`), null where the "
            "row has no value.",
            "properties": {c.name: {**read_schema(c.type), "description": _about(c)} for c in columns},
            "additionalProperties": False,
        },
        names.schemas["Page"]: page_schema(row, f"{names.qualified} rows"),
        names.schemas["Where"]: {
            "title": f"{names.qualified} where",
            "type": "object",
            "properties": {c.name: _conditions(c) for c in columns},
            "additionalProperties": False,
        },
    }


def _body(title: str, settable: Sequence[Column], required: Sequence[Column] = ()) -> Schema:
    """A write body: the settable columns, null allowed except on key and counter columns."""
    properties = {
        c.name: {**write_schema(c.type, null=not (c.is_key or c.type.kind == "counter")), "description": _about(c)}
        for c in settable
    }
    schema: Schema = {
        "title": title,
        "type": "object",
        "description": BODY_TEXT,
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        schema["required"] = [c.name for c in required]
    return schema


def _read_parameters(table: Table) -> list[Schema]:
    """The query parameters every read of the table takes: its own `fields` and `sort`, then the shared ones."""
    columns = list(table.columns.values())
    reads: list[Schema] = [fields_param({"type": "string", "enum": [c.name for c in columns]})]
    reads += params("page-size", "page-state", "raw")
    if table.clustering:
        first = table.clustering[0]
        sort_schema = {
            "type": "object",
            "properties": {
                c.name: {"type": "string", "enum": ["asc", "desc"], "description": _about(c)} for c in table.clustering
            },
            "additionalProperties": False,
        }
        reads.append(sort_param(sort_schema, {first.name: "asc" if first.descending else "desc"}))
    if any(has_map(c.type) for c in columns):
        reads += params("compactMapData")
    return reads + params("format")


def _table_paths(
    table: Table, names: _Names, target: Target, reads: list[Schema], schemas: dict[str, Schema]
) -> dict[str, Schema]:
    """The table's own path (a `where` search, and POST unless it is a counter table) and its `/rows`."""
    first_key = table.partition_key[0]
    example = _example(first_key.type)
    where_ref = schema_ref(names.schemas["Where"])
    where = where_param(where_ref, None if example is None else {first_key.name: {"$eq": example}})
    qualified = names.qualified
    search = read_op(
        target,
        target.op_id("getRowWithWhere"),
        f"Search {qualified}",
        WHERE_TEXT,
        [where, *reads, *params("allowFiltering")],
    )
    every = read_op(target, target.op_id("getAllRows"), f"Every row of {qualified}", ALL_TEXT, reads)
    paths: dict[str, Schema] = {names.base: {"get": search}, names.base + "/rows": {"get": every}}
    if not table.is_counter_table and target.deployment.writes:
        insert = names.schemas["Insert"]
        schemas[insert] = _body(f"{qualified} row to insert", list(table.columns.values()), table.primary_key)
        paths[names.base]["post"] = create_op(target, f"Add a row to {qualified}", schema_ref(insert))
    return paths


def _key_parameters(keys: Sequence[Column], key_names: Sequence[str]) -> list[Schema]:
    return [
        {
            "name": name,
            "in": "path",
            "required": True,
            "description": f"`{column.name}`: {_about(column)}",
            "schema": key_schema(column.type),
        }
        for name, column in zip(key_names, keys, strict=True)
    ]


def _key_paths(
    table: Table, names: _Names, target: Target, reads: list[Schema], schemas: dict[str, Schema]
) -> dict[str, Schema]:
    """One path per addressable key prefix: the partition, each clustering prefix, the row; typed key parameters."""
    keys, partition = table.primary_key, len(table.partition_key)
    key_names = _key_names(keys)
    key_params = _key_parameters(keys, key_names)
    qualified = names.qualified
    paths: dict[str, Schema] = {}
    for length in range(partition, len(keys) + 1):
        given = key_names[:length]
        full = length == len(keys)
        what = "the row" if full else ("the partition" if length == partition else "the rows")
        at = f"{what} of {qualified} at ({', '.join(c.name for c in keys[:length])})"
        item: Schema = {
            "parameters": key_params[:length],
            "get": read_op(target, target.op_id("getRows", given), f"Read {at}", KEY_TEXT, reads),
        }
        settable = updatable(table, length) if length in (partition, len(keys)) else []
        if settable and target.deployment.writes:
            name = names.schemas["Update" if full else "UpdateStatic"]
            schemas[name] = _body(f"{qualified} {'columns' if full else 'static columns'} to set", settable)
            for method, op in (("put", "updateRows"), ("patch", "patchRows")):
                item[method] = update_op(target, target.op_id(op, given), f"Set columns of {at}", schema_ref(name), [])
        item["delete"] = delete_op(target, target.op_id("deleteRows", given), f"Delete {at}", [])
        paths[names.base + "".join(f"/{{{name}}}" for name in given)] = inline(served(item, target.deployment))
    return paths
