"""The parts of the rows API's OpenAPI description that no table changes: the operations' shapes, and Stargate's
seven generic routes (`/v2/keyspaces/{keyspaceName}/{tableName}...`).

`app.routes.stargate.rows` serves plain Starlette routes, which FastAPI does not document; this module,
`app.openapi.components` and `app.openapi.tables` describe them, `app.openapi.document` assembles the document. The
generic routes carry Stargate's operation ids, parameters, envelope and error body, plus our additions (NDJSON
streams and ingest, `allowFiltering`, `ttl`, `timestamp`, `ifNotExists`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.openapi.components import (
    CONDITIONS,
    GENERIC_PAGE,
    GENERIC_ROW,
    INGEST_REPORT,
    JSON,
    STREAM_ERROR,
    Deployment,
    Schema,
    errors,
    params,
    ref,
    schema_ref,
    security,
)
from app.routes.stargate.paths import ROWS_PREFIXES
from app.streaming import NDJSON_TYPES

PREFIX = ROWS_PREFIXES[0]  # the documented one; Astra's /api/rest/v2/... serves the same routes
ROWS_TAG = "rows (Stargate REST v2)"


OPERATORS = ("$eq", "$lt", "$lte", "$gt", "$gte", "$in", "$contains", "$containsKey", "$containsEntry", "$exists")

TYPES_TEXT = """\
| CQL | JSON read | JSON written (also) |
|-|-|-|
| text, varchar, ascii | string | any value (numbers are stringified) |
| tinyint, smallint, int, bigint, varint | integer, every digit | a numeric string |
| decimal | number, every digit (`1E+3`, `1.50`) | a numeric string |
| float, double | number (float: shortest float32 digits), `"NaN"`, `"Infinity"`, `"-Infinity"` | a numeric string |
| boolean | boolean | `"true"`/`"false"` |
| uuid, timeuuid | string (uuid, lowercase) | |
| timestamp | string, ISO-8601 in UTC (`2021-04-23T18:42:22.139Z`) | an offset ISO-8601 string, or integer epoch ms |
| date | string `YYYY-MM-DD` (a sign beyond years 0-9999) | |
| time | string `HH:mm:ss[.fraction]` | `HH:mm` |
| duration | string `1y2mo3d4h5m6s7ms8us9ns` units (`""` for zero) | ISO-8601 `P...` |
| inet | string (IPv4, or IPv6 uncompressed: `0:0:0:0:0:0:0:1`) | |
| blob | string, standard Base64 with padding | without padding |
| counter | string (`"3"`) | integer, or `"+n"`/`"-n"` (PUT/PATCH only: an increment) |
| list, set | array (set: unique items); `[]` when null | CQL literal `"['a','b']"` |
| map | `{"k": v}` (`compactMapData=true`) or `[{"key":k,"value":v}]` (`false`); empty when null | either, CQL literal |
| tuple | array, one item per component, or null | CQL literal `"(1,'a')"` |
| user-defined type | object, one property per field; `{}` when null | CQL literal `"{f:1}"` |
| vector<T, n> | array of exactly n items, or null | |

Every string written has surrounding single quotes stripped first (`"'abc'"` writes `abc`), as in Stargate.
"""

ROWS_TEXT = f"""\
Every table of the served keyspaces, over HTTP, as [Stargate's REST API v2](https://stargate.io) serves it:
the same seven routes, parameters, envelope `{{count, pageState, data}}` (no `pageState` on the last page), status
codes and error body `{{description, code, grpcStatus, internalTxId}}` (with our `error` code beside them).

**Astra's URL shape.** Every path below is also served under `/api/rest`: `/api/rest/v2/keyspaces/...` is the same
route, answering the same. A client written for Astra keeps `https://<db>-<region>.apps.astra.datastax.com/api/rest`
as its base URL and points it at this service's `/api/rest` instead.

**Keys.** A key path is the primary key's values in order: every partition key column, then a prefix of the
clustering columns, one percent-encoded path segment each (`%2F` inside a segment is data, not a separator). A
prefix reads (or deletes) a partition or a clustering range.

**Beyond Stargate.** `Accept: application/x-ndjson` (or `application/jsonl`, or `?format=ndjson`) on any GET
streams every page of the result as one JSON row per line; `allowFiltering=true` (when the deployment allows it);
`ttl`, `timestamp` and `ifNotExists` on writes.

**Auth.** Writes need a key; reads too when PROTECT_READS is on. Stargate clients send theirs as `X-Cassandra-Token`;
`Authorization: Bearer` and `X-API-Key` work as well. A missing or unknown key is a 401.

The generic routes below take any table; each served table also has its own tag, with typed paths and row schemas.

### Values
{TYPES_TEXT}"""


@dataclass(frozen=True, slots=True)
class Target:
    """What the operations of one set of paths share: their tag, row and page schemas, and the deployment."""

    tag: str
    row: str
    page: str
    deployment: Deployment
    suffix: str = ""  # appended to Stargate's operation ids: "" for the generic routes

    def op_id(self, name: str, key: Sequence[str] = ()) -> str:
        return name + self.suffix + "".join(f"_{k}" for k in key)


READ_OK = (
    "The rows: a page in the envelope, or (raw=true) the bare array. With `Accept: application/x-ndjson` (or "
    "`application/jsonl`, or `format=ndjson`), every page of the result, one JSON row per line; a failure after the "
    "first line ends the stream with one `{error, detail}` line."
)


def read_content(target: Target) -> Schema:
    raw = {"type": "array", "items": schema_ref(target.row), "description": "raw=true: the rows alone"}
    content: Schema = {JSON: {"schema": {"oneOf": [schema_ref(target.page), raw]}}}
    for media in NDJSON_TYPES:
        # OpenAPI 3.1 has no schema for a sequence of JSON texts; 3.2 calls this `itemSchema`.
        content[media] = {"x-itemSchema": {"anyOf": [schema_ref(target.row), schema_ref(STREAM_ERROR)]}}
    return content


def read_op(target: Target, op_id: str, summary: str, description: str, parameters: list[Schema]) -> Schema:
    return {
        "tags": [target.tag],
        "summary": summary,
        "description": description,
        "operationId": op_id,
        "parameters": parameters,
        "responses": {
            "200": {"description": READ_OK, "content": read_content(target)},
            **errors("400", "401", "4XX", "5XX"),
        },
        "security": security(write=False, deployment=target.deployment),
    }


def echo(description: str, properties: Schema | None = None) -> Schema:
    schema: Schema = {"type": "object", "description": description}
    if properties:
        schema["properties"] = properties
    return schema


def create_op(target: Target, summary: str, body: Schema) -> Schema:
    """POST: one row as a JSON object, or a bulk ingest as NDJSON (a row per line, `app.routes.stargate.ingest`)."""
    conflict = {
        "type": "object",
        "properties": {
            "applied": {"const": False},
            "description": {"type": "string"},
            "code": {"const": 409},
            "existing": schema_ref(target.row),
        },
        "required": ["applied", "description", "code", "existing"],
    }
    lines = {"x-itemSchema": body, "schema": {"type": "string", "description": "one JSON object per line"}}
    return {
        "tags": [target.tag],
        "summary": summary,
        "description": "INSERT the row: an upsert, as in CQL (a row with the same primary key is overwritten, "
        "column by column). The body is a JSON object holding at least the primary key columns. An NDJSON body "
        "(`Content-Type: application/x-ndjson`, `application/jsonl`, ...) is a bulk ingest instead: each line is such "
        "an object, written as a single POST writes it, and the answer counts them. A counter table is written with "
        "PUT or PATCH; a POST to one is a 400.",
        "operationId": target.op_id("createRow"),
        "parameters": params("compactMapData", "ttl", "timestamp", "ifNotExists"),
        "requestBody": {
            "required": True,
            "content": {JSON: {"schema": body}, **dict.fromkeys(NDJSON_TYPES, lines)},
        },
        "responses": {
            "201": {
                "description": "written: the body as sent (Stargate v2 echoes it); with ifNotExists=true, the body "
                "with `applied: true`",
                "content": {JSON: {"schema": echo("the body as sent", {"applied": {"const": True}})}},
            },
            "200": {
                "description": "an NDJSON body, read to its end: how many lines were written and which were refused",
                "content": {JSON: {"schema": schema_ref(INGEST_REPORT)}},
            },
            "409": {
                "description": "ifNotExists=true, and a row with this primary key exists: nothing was written",
                "content": {JSON: {"schema": conflict}},
            },
            **errors("400", "401", "4XX", "5XX"),
        },
        "security": security(write=True, deployment=target.deployment),
    }


UPDATE_TEXT = (
    "UPDATE ... SET the columns given WHERE the key; columns the body leaves out keep their values (PUT and PATCH "
    "are the same, as in Stargate). A JSON null writes null; a counter column is incremented by its value. Under a "
    "partition key alone, only static columns can be set."
)


def update_op(target: Target, op_id: str, summary: str, body: Schema, parameters: list[Schema]) -> Schema:
    written = {
        "anyOf": [
            echo("`{data: <the body as sent>}`", {"data": echo("the body as sent")}),
            echo("raw=true: the body as sent"),
        ]
    }
    return {
        "tags": [target.tag],
        "summary": summary,
        "description": UPDATE_TEXT,
        "operationId": op_id,
        "parameters": [*parameters, *params("raw", "compactMapData", "ttl", "timestamp")],
        "requestBody": {"required": True, "content": {JSON: {"schema": body}}},
        "responses": {
            "200": {
                "description": "written: `{data: <the body>}`, or the body alone with raw=true",
                "content": {JSON: {"schema": written}},
            },
            **errors("400", "401", "4XX", "5XX"),
        },
        "security": security(write=True, deployment=target.deployment),
    }


def delete_op(target: Target, op_id: str, summary: str, parameters: list[Schema]) -> Schema:
    return {
        "tags": [target.tag],
        "summary": summary,
        "description": "DELETE the row, the partition or the clustering range at the key path.",
        "operationId": op_id,
        "parameters": parameters,
        "responses": {"204": ref("responses", "rows.204"), **errors("400", "401", "4XX", "5XX")},
        "security": security(write=True, deployment=target.deployment),
    }


def fields_param(items: Schema) -> Schema:
    return {
        "name": "fields",
        "in": "query",
        "description": "the columns to answer, comma-separated (spaces trimmed, duplicates dropped); all by default",
        "style": "form",
        "explode": False,
        "schema": {"type": "array", "items": items},
    }


def where_param(schema: Schema, example: Schema | None) -> Schema:
    media: Schema = {"schema": schema}
    if example is not None:
        media["example"] = example
    return {
        "name": "where",
        "in": "query",
        "required": True,
        "description": 'the conditions, a JSON object `{"column": {"$op": value, ...}, ...}`, all ANDed. Operators '
        "(case-insensitive): " + ", ".join(f"`{op}`" for op in OPERATORS) + ". `$ne` is a 400, as in Stargate.",
        "content": {JSON: media},
    }


def sort_param(schema: Schema, example: Schema | None) -> Schema:
    media: Schema = {"schema": schema}
    if example is not None:
        media["example"] = example
    return {
        "name": "sort",
        "in": "query",
        "description": 'ORDER BY, a JSON object `{"column": "asc"|"desc"}`: exactly `desc` sorts descending, anything '
        "else ascending (Stargate v2). Cassandra orders by clustering columns, within a partition.",
        "content": {JSON: media},
    }


# ---- the generic routes ----------------------------------------------------------------------------------------

WHERE_TEXT = (
    "The rows matching `where`. A condition Cassandra serves only with ALLOW FILTERING is a 400, unless the request "
    "asks for it (allowFiltering=true) and the deployment allows it (ROWS_ALLOW_FILTERING)."
)
ALL_TEXT = "Every row of the table, a page at a time."
KEY_TEXT = (
    "The row at a full primary key, or the partition or clustering range at a prefix of it (every partition key "
    "column, then some clustering columns)."
)


def generic_paths(deployment: Deployment) -> dict[str, Schema]:
    """Stargate's seven routes over any table, with its operation ids and parameter names."""

    def path_param(name: str, description: str) -> Schema:
        return {"name": name, "in": "path", "required": True, "description": description, "schema": {"type": "string"}}

    names = [
        path_param("keyspaceName", "a served keyspace (ROWS_KEYSPACES); another is a 400 `Keyspace 'K' not found`"),
        path_param("tableName", "a table of that keyspace; another is a 400 `Table 'T' not found (in keyspace 'K')`"),
    ]
    primary_key = path_param(
        "primaryKey",
        "the primary key's values in order, one path segment each (`k1/k2/...`): every partition key column, then "
        "a prefix of the clustering columns; each value percent-encoded on its own (`%2F` is a `/` inside a value). "
        "A generated client sends one segment here: each table's own paths take each key column as a parameter.",
    )
    target = Target(ROWS_TAG, GENERIC_ROW, GENERIC_PAGE, deployment)
    where = where_param(
        {"type": "object", "additionalProperties": schema_ref(CONDITIONS)},
        {"name": {"$eq": "ada"}, "born": {"$gt": 1980}},
    )
    sort = sort_param({"type": "object", "additionalProperties": {"type": "string", "enum": ["asc", "desc"]}}, None)
    reads = [
        fields_param({"type": "string"}),
        *params("page-size", "page-state", "raw"),
        sort,
        *params("compactMapData", "format"),
    ]
    any_row = {"type": "object", "description": "column name to value, in the JSON form of the column's type"}
    insert = {**any_row, "description": "the row: column name to value, with at least the primary key columns"}
    base = f"{PREFIX}/{{keyspaceName}}/{{tableName}}"
    paths = {
        base: {
            "parameters": names,
            "get": read_op(
                target, "getRowWithWhere", "Search a table", WHERE_TEXT, [where, *reads, *params("allowFiltering")]
            ),
            "post": create_op(target, "Add row", insert),
        },
        base + "/rows": {
            "parameters": names,
            "get": read_op(target, "getAllRows", "Retrieve all rows", ALL_TEXT, reads),
        },
        base + "/{primaryKey}": {
            "parameters": [*names, primary_key],
            "get": read_op(target, "getRows", "Get row(s)", KEY_TEXT + " A literal `rows` is the route above.", reads),
            "put": update_op(target, "updateRows", "Replace row(s)", any_row, []),
            "patch": update_op(target, "patchRows", "Update part of a row(s)", any_row, []),
            "delete": delete_op(target, "deleteRows", "Delete row(s)", []),
        },
    }
    return {path: inline(served(item, deployment)) for path, item in paths.items()}


WRITE_METHODS = ("post", "put", "patch", "delete")


def served(path_item: Schema, deployment: Deployment) -> Schema:
    """The path's operations as ROWS_API serves them: under `read` a write verb is a 405, so it is not described."""
    if deployment.writes:
        return path_item
    return {key: value for key, value in path_item.items() if key not in WRITE_METHODS}


def inline(path_item: Schema) -> Schema:
    """Path parameters on each operation rather than on the path: tools that walk `item.items()` as operations
    (this project's fuzz test among them) then meet only operations."""
    shared = path_item.pop("parameters", [])
    for operation in path_item.values():
        operation["parameters"] = [*shared, *operation.get("parameters", [])]
    return path_item
