"""The shared components of the rows API's OpenAPI description: what every operation refers to by `$ref`
(the error body, the page envelope, the common parameters and responses, the security schemes), and the
`Deployment`: the settings that change what a client may do, read once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.config import Settings

Schema = dict[str, Any]

JSON = "application/json"
DEFAULT_PAGE_SIZE = 100
MAX_TTL = 630_720_000  # Cassandra's cap on a TTL: 20 years, in seconds


@dataclass(frozen=True, slots=True)
class Deployment:
    """What the settings change in the description."""

    compact_maps: bool
    max_page_size: int
    protect_reads: bool
    allow_filtering: bool
    keyed_writes: bool  # False: writes are open (no API_KEYS, ALLOW_ANONYMOUS_WRITES)
    rows: bool = True  # False under ROWS_API=off: no route under /v2/ is served, so none is described
    writes: bool = True  # False under ROWS_API=read (or off): the write verbs are 405s, so they are not described

    @classmethod
    def of(cls, settings: Settings) -> Deployment:
        return cls(
            compact_maps=settings.rows_compact_map_data,
            max_page_size=settings.max_page_size,
            protect_reads=settings.protect_reads,
            allow_filtering=settings.rows_allow_filtering,
            keyed_writes=bool(settings.api_keys) or not settings.allow_anonymous_writes,
            rows=settings.rows_api != "off",
            writes=settings.rows_api == "readwrite",
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
        ERROR: _error_schema(),
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
        INGEST_REPORT: _ingest_report_schema(),
        CONDITIONS: _conditions_schema(),
    }


def _error_schema() -> Schema:
    return {
        "title": "Stargate error",
        "type": "object",
        "description": "Stargate's `ApiError`, exactly (nulls included, as it serialises them); our stable error code "
        "is in the `X-Error-Code` header.",
        "properties": {
            "description": {"type": "string", "description": "what was wrong, naming the field or value"},
            "code": {"type": "integer", "description": "the HTTP status"},
            "grpcStatus": {"type": ["string", "null"]},
            "internalTxId": {"type": ["string", "null"]},
        },
        "required": ["description", "code"],
    }


def _ingest_report_schema() -> Schema:
    return {
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
    }


def _conditions_schema() -> Schema:
    return {
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
    return {**_read_parameters(deployment), **_write_parameters()}


def _read_parameters(deployment: Deployment) -> dict[str, Schema]:
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
    }


def _write_parameters() -> dict[str, Schema]:
    return {
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
