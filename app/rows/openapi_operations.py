"""The parts of the rows API's OpenAPI description that no table changes: shared components, the operations'
shapes, and Stargate's seven generic routes (`/v2/keyspaces/{keyspaceName}/{tableName}...`).

`app.routes.rows` serves plain Starlette routes, which FastAPI does not document; this module and
`app.rows.openapi_tables` describe them, `app.rows.openapi` assembles the document. The generic routes carry
Stargate's operation ids, parameters, envelope and error body, plus our additions (NDJSON streams and ingest,
`allowFiltering`, `ttl`, `timestamp`, `ifNotExists`); the settings that change what a client may do (keys,
PROTECT_READS, ROWS_ALLOW_FILTERING, MAX_PAGE_SIZE, ROWS_COMPACT_MAP_DATA) are read once, into a `Deployment`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.config import Settings
from app.streaming import NDJSON_TYPES

Schema = dict[str, Any]

PREFIX = "/v2/keyspaces"
ROWS_TAG = "rows (Stargate REST v2)"
STATE_KEY = "rows_catalog"
JSON = "application/json"
DEFAULT_PAGE_SIZE = 100
MAX_TTL = 630_720_000  # Cassandra's cap on a TTL: 20 years, in seconds


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


# ---- shared parts: parameters, responses, schemas -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Deployment:
    """What the settings change in the description."""

    compact_maps: bool
    max_page_size: int
    protect_reads: bool
    allow_filtering: bool
    keyed_writes: bool  # False: writes are open (no API_KEYS, ALLOW_ANONYMOUS_WRITES)

    @classmethod
    def of(cls, settings: Settings) -> Deployment:
        return cls(
            compact_maps=settings.rows_compact_map_data,
            max_page_size=settings.max_page_size,
            protect_reads=settings.protect_reads,
            allow_filtering=settings.rows_allow_filtering,
            keyed_writes=bool(settings.api_keys) or not settings.allow_anonymous_writes,
        )


def ref(kind: str, name: str) -> Schema:
    return {"$ref": f"#/components/{kind}/{name}"}


def schema_ref(name: str) -> Schema:
    return ref("schemas", name)


ERROR = "rows.StargateError"
GENERIC_ROW = "rows.Row"
GENERIC_PAGE = "rows.RowsPage"
STREAM_ERROR = "rows.StreamError"
CONDITIONS = "rows.Conditions"
INGEST_REPORT = "rows.IngestReport"
SECURITY = {
    "CassandraToken": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Cassandra-Token",
        "description": "Stargate's token header: one of API_KEYS",
    },
    "HTTPBearer": {"type": "http", "scheme": "bearer", "description": "one of API_KEYS"},
    "APIKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key", "description": "one of API_KEYS"},
}


def shared_schemas() -> dict[str, Schema]:
    return {
        ERROR: {
            "title": "Stargate error",
            "type": "object",
            "description": "Stargate's `ApiError` (nulls included, as it serialises them), with our `error` code.",
            "properties": {
                "description": {"type": "string", "description": "what was wrong, naming the field or value"},
                "code": {"type": "integer", "description": "the HTTP status"},
                "grpcStatus": {"type": ["string", "null"]},
                "internalTxId": {"type": ["string", "null"]},
                "error": {"type": "string", "description": "a stable machine-readable reason"},
            },
            "required": ["description", "code"],
        },
        GENERIC_ROW: {
            "title": "Row",
            "type": "object",
            "description": "A row: each selected column by its CQL name, in the JSON form of its type (see the tag's "
            "table), null where the row has no value. Each table's own schema is under its tag.",
            "additionalProperties": True,
        },
        GENERIC_PAGE: page_schema(GENERIC_ROW, "Rows"),
        STREAM_ERROR: {
            "title": "NDJSON error line",
            "type": "object",
            "description": "The last line of a stream that failed after its first row: the rows before it are "
            "not the whole result.",
            "properties": {"error": {"type": "string"}, "detail": {}},
            "required": ["error", "detail"],
        },
        INGEST_REPORT: {
            "title": "Bulk ingest report",
            "type": "object",
            "description": "What became of an NDJSON body's lines (numbered from 1, blank ones included). When the "
            "ingest stopped early, the error fields and `resumeFromLine` stand beside these.",
            "properties": {
                "written": {"type": "integer", "minimum": 0},
                "refused": {"type": "integer", "minimum": 0},
                "blank": {"type": "integer", "minimum": 0},
                "lines": {"type": "integer", "minimum": 0},
                "errors": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "line": {"type": "integer", "minimum": 1},
                            "code": {"type": "integer"},
                            "error": {"type": "string"},
                            "description": {"type": "string"},
                        },
                        "required": ["line", "code", "error", "description"],
                    },
                },
                "errorsTruncated": {"type": "boolean"},
                "resumeFromLine": {"type": "integer", "minimum": 1},
            },
            "required": ["written", "refused", "blank", "lines", "errors", "errorsTruncated"],
        },
        CONDITIONS: {
            "title": "Conditions on one column",
            "type": "object",
            "description": "Operators (matched case-insensitively), ANDed. `$ne` is refused, as in Stargate.",
            "properties": {
                "$eq": {"description": "= (an array value adds one condition per element)"},
                "$lt": {},
                "$lte": {},
                "$gt": {},
                "$gte": {},
                "$in": {"type": "array", "minItems": 1},
                "$contains": {"description": "a list/set element, or a map value"},
                "$containsKey": {"description": "a map key"},
                "$containsEntry": {
                    "type": "object",
                    "properties": {"key": {}, "value": {}},
                    "required": ["key", "value"],
                },
                "$exists": {"const": True, "description": "`= true` on a boolean column"},
            },
            "minProperties": 1,
        },
    }


def page_schema(row: str, title: str) -> Schema:
    return {
        "title": title,
        "type": "object",
        "description": "One page: `count` rows in `data`; `pageState` fetches the next page (absent on the last).",
        "properties": {
            "count": {"type": "integer", "minimum": 0, "description": "the number of rows in this page"},
            "pageState": {"type": "string", "description": "opaque: pass it back as `page-state`"},
            "data": {"type": "array", "items": schema_ref(row)},
        },
        "required": ["count", "data"],
        "additionalProperties": False,
    }


def shared_parameters(deployment: Deployment) -> dict[str, Schema]:
    filtering = "allowed" if deployment.allow_filtering else "refused (400)"
    return {
        "rows.page-size": {
            "name": "page-size",
            "in": "query",
            "description": f"rows per page; 0, a negative value or none means {DEFAULT_PAGE_SIZE}; at most "
            f"{deployment.max_page_size} (MAX_PAGE_SIZE). A stream fetches pages of this size.",
            "schema": {"type": "integer", "default": DEFAULT_PAGE_SIZE},
        },
        "rows.page-state": {
            "name": "page-state",
            "in": "query",
            "description": "the `pageState` of the previous page; a token from another query is a 400",
            "schema": {"type": "string"},
        },
        "rows.raw": {
            "name": "raw",
            "in": "query",
            "description": "true: the bare rows (GET) or the bare body (PUT/PATCH), without the envelope",
            "schema": {"type": "boolean", "default": False},
        },
        "rows.compactMapData": {
            "name": "compactMapData",
            "in": "query",
            "description": "maps as JSON objects (true) or as `[{key, value}]` lists (false), read and written; "
            f"the default is this deployment's ROWS_COMPACT_MAP_DATA ({str(deployment.compact_maps).lower()})",
            "schema": {"type": "boolean", "default": deployment.compact_maps},
        },
        "rows.format": {
            "name": "format",
            "in": "query",
            "description": "ndjson: stream every page, one JSON row per line (as `Accept: application/x-ndjson`)",
            "schema": {"type": "string", "enum": ["ndjson"]},
        },
        "rows.allowFiltering": {
            "name": "allowFiltering",
            "in": "query",
            "description": "true: add ALLOW FILTERING, for a `where` Cassandra would otherwise refuse; "
            f"ROWS_ALLOW_FILTERING decides whether a request may ask (this deployment: {filtering})",
            "schema": {"type": "boolean", "default": False},
        },
        "rows.ttl": {
            "name": "ttl",
            "in": "query",
            "description": "USING TTL: the written values expire after this many seconds (not on counters)",
            "schema": {"type": "integer", "minimum": 0, "maximum": MAX_TTL},
        },
        "rows.timestamp": {
            "name": "timestamp",
            "in": "query",
            "description": "USING TIMESTAMP: the write's time, in microseconds since the epoch (not on counters, "
            "nor with ifNotExists)",
            "schema": {"type": "integer", "minimum": 0, "maximum": 2**63 - 1},
        },
        "rows.ifNotExists": {
            "name": "ifNotExists",
            "in": "query",
            "description": "true: INSERT ... IF NOT EXISTS (a lightweight transaction). 201 with `applied: true`, "
            "or 409 with the existing row",
            "schema": {"type": "boolean", "default": False},
        },
    }


def shared_responses() -> dict[str, Schema]:
    def error(description: str) -> Schema:
        return {"description": description, "content": {JSON: {"schema": schema_ref(ERROR)}}}

    return {
        "rows.400": error(
            "refused: an unknown keyspace, table or column, a bad `where`, `sort`, key, value or body, or a "
            "statement Cassandra refuses; `description` names the field or value"
        ),
        "rows.401": error("the key (X-Cassandra-Token, Bearer or X-API-Key) is missing or not valid"),
        "rows.4XX": error(
            "403: no API_KEYS configured for a write (or PROTECT_READS); 413: body larger than "
            "MAX_BODY_BYTES; 405 and other refusals"
        ),
        "rows.5XX": error(
            "Cassandra or the service could not answer: 503 (overloaded, with Retry-After), 504 (timed out), 502/500"
        ),
        "rows.204": {"description": "deleted (whether or not rows were there)"},
    }


def shared_components(deployment: Deployment) -> dict[str, dict[str, Schema]]:
    return {
        "schemas": shared_schemas(),
        "parameters": shared_parameters(deployment),
        "responses": shared_responses(),
        "securitySchemes": SECURITY,
    }


def errors(*statuses: str) -> dict[str, Schema]:
    return {status: ref("responses", f"rows.{status}") for status in statuses}


def params(*names: str) -> list[Schema]:
    return [ref("parameters", f"rows.{name}") for name in names]


def security(*, write: bool, deployment: Deployment) -> list[dict[str, list[str]]]:
    keyed: list[dict[str, list[str]]] = [{name: []} for name in SECURITY]
    if write:
        return keyed if deployment.keyed_writes else [{}]
    return keyed if deployment.protect_reads else [{}, *keyed]


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
    """POST: one row as a JSON object, or a bulk ingest as NDJSON (a row per line, `app.rows.ingest`)."""
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
    return {path: inline(item) for path, item in paths.items()}


def inline(path_item: Schema) -> Schema:
    """Path parameters on each operation rather than on the path: tools that walk `item.items()` as operations
    (this project's fuzz test among them) then meet only operations."""
    shared = path_item.pop("parameters", [])
    for operation in path_item.values():
        operation["parameters"] = [*shared, *operation.get("parameters", [])]
    return path_item
