"""The setting group of the Stargate-compatible rows API: what it serves, and the bounds of its cold paths."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from app.config.common import CommaList, LowerCase

RowsApi = Literal["off", "read", "readwrite"]


class RowsApiSettings(BaseModel):
    """The rows API (Stargate REST v2 compatible)"""

    rows_api: Annotated[RowsApi, LowerCase] = Field(
        default="readwrite",
        description="the rows and schema API under /v2 and /api/rest/v2: `readwrite`, `read` (every write is a 405), "
        "or `off` (every path there is a 404)",
    )
    rows_keyspaces: CommaList[str] = Field(
        default_factory=list,
        description="keyspaces the rows API serves: a comma list, or * for every keyspace that is not Cassandra's or "
        "a tool's (system*, dse_*, OpsCenter, ...; those are refused even when listed) (default: the service's own "
        "keyspace)",
    )

    schema_api_writes: bool = Field(
        default=True,
        description="the schema API's writes (Stargate's POST, PUT and DELETE under /v2/schemas/...: keyspaces, "
        "tables, columns, indexes, types); false answers them 405, and schema changes go through CQL",
    )
    rows_allow_filtering: bool = Field(
        default=False, description="let rows API requests ask for ALLOW FILTERING with allowFiltering=true"
    )
    rows_compact_map_data: bool = Field(
        default=True,
        description="the default of compactMapData: maps as JSON objects (Stargate v2) or key/value lists (false, v1)",
    )
    rows_statement_cache: int = Field(
        default=1000, ge=16, le=100_000, description="prepared where/fields/sort shapes the rows API keeps"
    )
    max_conditions: int = Field(
        default=32, ge=1, le=1000, description="conditions one `where` (or filter) may hold, `$in` lists counted as one"
    )
    max_in_values: int = Field(default=100, ge=1, le=10_000, description="values one `$in` list may hold")
    max_number_digits: int = Field(
        default=1000,
        ge=40,
        le=100_000,
        description="digits a varint or decimal value may have (other number types are bounded by their own range), "
        "and the length of any number in JSON input",
    )
    write_timestamp_ahead_seconds: float = Field(
        default=300.0,
        ge=0,
        le=10 * 365 * 86_400,
        description="how far ahead of this server's clock a client's write `timestamp` (microseconds) may be; "
        "behind, any value from 10^15 (2001) on",
    )
    write_timestamp_any: bool = Field(
        default=False,
        description="accept any client write `timestamp` from 0 to 2^63-1 (migrations that keep old write times)",
    )
    prepare_concurrency: int = Field(
        default=4,
        ge=1,
        le=64,
        description="worker threads that may prepare statements and refresh schema metadata at once (their own "
        "limiter, apart from every other worker thread)",
    )
    prepare_misses_per_second: float = Field(
        default=20.0,
        gt=0,
        le=10_000,
        description="new statement shapes prepared per second per process, in bursts of up to 2 seconds' worth; "
        "past it a request that needs one gets 503 with Retry-After",
    )
    negative_cache_seconds: float = Field(
        default=60.0,
        ge=0,
        le=3600,
        description="how long a statement Cassandra refused, or an unknown keyspace or table, is answered from "
        "memory without asking Cassandra again",
    )
    key_shape_tables: int = Field(
        default=256,
        ge=1,
        le=100_000,
        description="tables whose key statements (read, insert, update, delete) are kept prepared; the least "
        "recently used beyond it are forgotten",
    )
    schema_refreshes_per_second: float = Field(
        default=2.0,
        gt=0,
        le=100,
        description="schema refreshes (asked by a lookup that missed) per second per process, in bursts of 5",
    )
    openapi_max_tables: int = Field(
        default=200,
        ge=0,
        le=100_000,
        description="tables typed in the combined /openapi.json; beyond, the per-table documents are listed by name",
    )
    rows_ingest_concurrency: int = Field(
        default=64,
        ge=1,
        le=4096,
        description="writes (a row, or a batch of one partition's rows) one NDJSON bulk ingest (a POST with an "
        "NDJSON body) keeps in flight at once; MAX_IN_FLIGHT still bounds the whole process",
    )
    write_batch_max_rows: int = Field(
        default=100,
        ge=1,
        le=10_000,
        description="rows of one partition a multi-row write (the Data API's insertMany, an NDJSON bulk ingest) "
        "sends as one UNLOGGED batch; 1 sends every row alone",
    )
    write_batch_max_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        le=8 * 1024 * 1024,
        description="bytes of bound values one such batch may hold (a row over it goes alone); Cassandra refuses a "
        "mutation over half its commitlog segment (16 MiB by default)",
    )

    # Stargate's exact shapes and its /v2/cql endpoint (issue 20, items 3 and 5).
    stargate_error_code_in_body: bool = Field(
        default=False,
        description="put our stable error code back in Stargate-shaped error bodies as `error` (it is always in the "
        "X-Error-Code header); off, the bodies are exactly Stargate's ApiError, which its clients parse strictly",
    )
    cql_api: bool = Field(
        default=False,
        description="serve Stargate's POST /v2/cql (a CQL statement sent as text): as the caller's role in "
        "pass-through mode, and only for a key with the admin scope in keys mode",
    )
