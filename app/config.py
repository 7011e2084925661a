"""Configuration from the environment and `.env`: Astra through a Secure Connect Bundle, or self-hosted Cassandra."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from cassandra import ConsistencyLevel
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.exceptions import ConfigError

ASTRA_VARIABLES = (
    "ASTRA_DB_CLIENT_ID",
    "ASTRA_DB_CLIENT_SECRET",
    "ASTRA_DB_SECURE_BUNDLE_PATH",
    "ASTRA_DB_KEYSPACE",
)
ASTRA_FIELDS = tuple(name.lower() for name in ASTRA_VARIABLES)
# `\Z`, not `$`: `$` also matches before a trailing newline. Use it with `fullmatch` (`match` is safe too).
IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,47}\Z")
MIN_KEY_LENGTH = 16  # characters of an API key (or METRICS_KEY): shorter ones are refused at start-up
MIN_PAGE_STATE_SECRET_BYTES = 32
MAKE_A_SECRET = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
LogLevel = Literal["trace", "debug", "info", "warning", "error", "critical"]
DriverIO = Literal["loop", "libev"]


class Mode(StrEnum):
    ASTRA = "astra"
    SELF_HOSTED = "self-hosted"


class Settings(BaseSettings):
    """Every knob of the service; names are the environment variables, case-insensitive."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # Astra DB (all four, or none)
    astra_db_client_id: str | None = Field(default=None, description="Astra: `token`, or the token's client id")
    astra_db_client_secret: SecretStr | None = Field(
        default=None, description="Astra: the `AstraCS:...` application token (never logged or echoed)"
    )
    astra_db_secure_bundle_path: Path | None = Field(
        default=None, description="Astra: path of the Secure Connect Bundle zip; setting it (non-empty) selects Astra"
    )
    astra_db_keyspace: str | None = Field(default=None, description="Astra: the keyspace made in the Astra console")

    # Self-hosted Cassandra
    cassandra_contact_points: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["127.0.0.1"],
        description="comma-separated node addresses; setting it means 'use my cluster, start no local node'",
    )
    cassandra_port: int = Field(default=9042, ge=1, le=65535, description="CQL port")
    cassandra_local_dc: str | None = Field(
        default=None, description="local data center for DC-aware load balancing (default: the driver's choice)"
    )
    cassandra_username: str | None = Field(default=None, description="PasswordAuthenticator user")
    cassandra_password: SecretStr | None = Field(default=None, description="PasswordAuthenticator password")
    cassandra_keyspace: str = Field(
        default="sample", description="keyspace (created by scripts/init-db when self-hosted)"
    )
    cassandra_replication: str = Field(
        default="{'class': 'SimpleStrategy', 'replication_factor': 1}",
        description="replication map of a keyspace that scripts/init-db creates",
    )
    cassandra_protocol_version: int | None = Field(
        default=None,
        ge=3,
        le=5,
        description="native protocol version (default 4, also on Astra: v5 only adds per-frame checksums)",
    )
    driver_io: DriverIO = Field(
        # loop: 0.54 against 0.82 ms CPU per point read at c=64 (bench/results/cuts.md), and the whole fault suite
        # passes under both (bench/results/faults.md).
        default="loop",
        description="where the driver's sockets run: `loop` (this service's event loop) or `libev` (a driver thread)",
    )
    cassandra_tls_ca_file: Path | None = Field(
        default=None,
        description="TLS to the nodes: the CA certificate(s) that signed them (PEM); setting it turns TLS on, with "
        "host-name checking (each node's certificate must name the address the driver connects to)",
    )
    cassandra_tls_cert_file: Path | None = Field(
        default=None, description="TLS: this service's client certificate (PEM), for nodes that require one"
    )
    cassandra_tls_key_file: Path | None = Field(
        default=None, description="TLS: the private key of CASSANDRA_TLS_CERT_FILE (PEM, unencrypted)"
    )
    cassandra_allow_plaintext: bool = Field(
        default=False,
        description="let CASSANDRA_PASSWORD cross the network without TLS to a contact point that is not loopback "
        "(refused otherwise)",
    )

    # Behaviour
    read_consistency: str | None = Field(
        default=None,
        description="consistency of reads, any case (default: LOCAL_QUORUM on Astra or a multi-node cluster, "
        "else LOCAL_ONE)",
    )
    write_consistency: str | None = Field(
        default=None, description="consistency of writes, any case (default: as for reads)"
    )
    serial_consistency: str = Field(
        default="LOCAL_SERIAL",
        description="consistency of the rows API's lightweight transactions (ifNotExists), any case",
    )
    request_timeout: float = Field(default=5.0, gt=0, le=120, description="driver timeout per request, seconds (504)")
    connect_timeout: float = Field(
        default=10.0,
        gt=0,
        le=120,
        description="seconds to reach the cluster: at start-up, per reconnection attempt, and for Astra's metadata",
    )
    server_timeout: float = Field(
        default=10.0, gt=0, le=600, description="overall bound per request until its response starts, seconds (504)"
    )
    shutdown_drain_seconds: float = Field(
        default=30.0, ge=0, le=3600, description="on SIGTERM, how long in-flight requests and streams may finish"
    )
    pre_stop_delay: float = Field(
        default=0.0,
        ge=0,
        le=300,
        description="on SIGTERM, seconds to go on serving, with /readyz answering 503, before the listener closes "
        "(python -m app)",
    )
    header_timeout: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="seconds a connection may take to send a request's headers, from connecting or from the first "
        "byte of its next request; then it is closed (python -m app)",
    )
    reconnect_delay: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="seconds before the first attempt to reconnect to a node; each further attempt waits twice as "
        "long (±15%), up to RECONNECT_MAX_DELAY",
    )
    reconnect_max_delay: float = Field(
        default=10.0, gt=0, le=600, description="the longest wait between two reconnection attempts, seconds"
    )
    speculative_delay: float = Field(
        default=0.5, ge=0, le=60, description="seconds before an idempotent request also goes to another node (0: off)"
    )
    page_size: int = Field(
        default=1000, ge=1, le=10_000, description="rows per driver page for listings (streams and cursor pages)"
    )
    max_page_size: int = Field(
        default=5000, ge=1, le=10_000, description="the cap on a client's `page_size` (and the rows API's `page-size`)"
    )
    max_cursor_page_size: int = Field(
        default=1000,
        ge=1,
        le=10_000,
        description="the lower cap for an answer that holds its whole page in memory: `format=page`, and the rows "
        "API's JSON pages",
    )
    max_in_flight: int = Field(default=1024, ge=1, le=32_768, description="database requests in flight per process")
    stream_read_ahead: bool = Field(
        default=True, description="fetch a stream's next page while the current one is sent (at most one ahead)"
    )
    stream_idle_timeout: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="seconds a stream (JSON, NDJSON, the rows API's NDJSON) may wait for its client to take bytes; "
        "then it is cut and its slot comes back",
    )
    max_stream_seconds: float | None = Field(
        default=600.0,
        gt=0,
        le=86_400,
        description="the longest a whole stream may run, seconds (empty: no cap); NDJSON ends with an error line, "
        "a JSON array is cut",
    )
    max_page_bytes: int = Field(
        default=4 * 1024 * 1024,
        ge=64 * 1024,
        le=256 * 1024 * 1024,
        description="the rows API's byte budget per page: a JSON page stops there and hands back its cursor, and a "
        "stream of a wide table fetches fewer rows at a time",
    )
    page_state_secret: SecretStr | None = Field(
        default=None,
        description="the key that seals cursor tokens, at least 32 bytes: the same as a one-element PAGE_STATE_SECRETS",
    )
    page_state_secrets: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description="comma-separated keys for cursor tokens, each at least 32 bytes: the first seals, any opens "
        "(rotation). Default: a random key per process; `python -m app --workers N` makes one for its workers",
    )
    page_state_ttl: int = Field(
        default=86_400,
        ge=1,
        le=30 * 86_400,
        description="seconds a cursor token is accepted after it was issued (then 400 bad_page_state)",
    )
    init_schema_on_startup: bool = Field(
        default=False,
        description="apply `schema/` when the service starts: the keyspace (self-hosted), tables and sample data",
    )
    log_level: LogLevel = Field(
        default="info",
        description="the service's and uvicorn's log level, any case: trace, debug, info, warning, error or "
        "critical (the driver logs from warning up unless debug or trace)",
    )

    # The rows API (Stargate REST v2 compatible)
    rows_keyspaces: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="keyspaces the rows API serves: a comma list, or * for every non-system keyspace "
        "(default: the service's own keyspace)",
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
        description="inserts one NDJSON bulk ingest (a POST with an NDJSON body) keeps in flight at once; "
        "MAX_IN_FLIGHT still bounds the whole process",
    )

    # Access control, admission limits, request bodies, metrics
    api_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description="comma-separated keys accepted for writes (and reads with PROTECT_READS), sent as "
        "'Authorization: Bearer <key>' or 'X-API-Key: <key>'",
    )
    allow_anonymous_writes: bool = Field(default=False, description="with API_KEYS unset, let anyone write (demo)")
    protect_reads: bool = Field(
        default=False, description="require an API key for reads and /metrics too (probes and docs stay open)"
    )
    max_body_bytes: int = Field(default=262_144, ge=1024, le=64 * 1024 * 1024, description="larger bodies get 413")
    max_concurrent_requests: int = Field(
        default=256, ge=1, le=32_768, description="requests handled at once per process; more wait, then get 503"
    )
    max_queued_requests: int = Field(
        default=512, ge=0, le=100_000, description="requests (and new streams) waiting for a slot"
    )
    queue_timeout_ms: int = Field(
        default=200, ge=0, le=60_000, description="longest wait for a request or stream slot before 503"
    )
    max_streams: int = Field(default=64, ge=1, le=10_000, description="open JSON/NDJSON streams per process")
    max_connections: int | None = Field(
        default=None,
        ge=16,
        le=100_000,
        description="open connections per process, uvicorn's limit_concurrency (python -m app; default "
        "MAX_CONCURRENT_REQUESTS + MAX_QUEUED_REQUESTS + MAX_STREAMS + 64)",
    )
    memory_budget_mb: int = Field(
        default=4096,
        ge=0,
        le=1_048_576,
        description="per process, the most memory that admitted requests' pages, bodies and ingest lines may hold "
        "at worst; start-up refuses limits whose worst case is larger (0: log the bound, check nothing)",
    )
    memory_row_bytes: int = Field(
        default=2048,
        ge=64,
        le=64 * 1024 * 1024,
        description="the size of one row, decoded and as JSON, that the memory bound assumes (the sample's largest "
        "animal is ~42 KiB, a typical one ~1.3 KiB)",
    )
    readiness_cache_seconds: float = Field(
        default=1.0,
        ge=0,
        le=60,
        description="how long /readyz reuses its last check of Cassandra; concurrent probes always share one query",
    )
    metrics_enabled: bool = Field(default=True, description="serve /metrics in Prometheus format (false: 404)")
    metrics_key: SecretStr | None = Field(
        default=None,
        description="a key for /metrics alone (Bearer or X-API-Key); when set, /metrics needs it whatever "
        "PROTECT_READS says",
    )
    metrics_cache_seconds: float = Field(
        default=1.0, ge=0, le=60, description="how long /metrics reuses its last rendering (0: render every scrape)"
    )

    @field_validator(*ASTRA_FIELDS, mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # `ASTRA_DB_SECURE_BUNDLE_PATH=` in a .env means "not set", as scripts/local-cassandra-needed reads it.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("log_level", "driver_io", mode="before")
    @classmethod
    def _lower_case(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("cassandra_tls_ca_file", "cassandra_tls_cert_file", "cassandra_tls_key_file", mode="before")
    @classmethod
    def _empty_path_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("api_keys", "cassandra_contact_points", "rows_keyspaces", "page_state_secrets", mode="before")
    @classmethod
    def _split_comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("read_consistency", "write_consistency", "serial_consistency")
    @classmethod
    def _known_level(cls, value: str | None) -> str | None:

        if value is None:
            return None
        if value.strip().upper() not in ConsistencyLevel.name_to_value:
            raise ValueError(f"unknown consistency level {value!r}")
        return value.strip().upper()

    @model_validator(mode="after")
    def _check_consistent(self) -> Settings:
        given = {name: getattr(self, name.lower()) for name in ASTRA_VARIABLES}
        present = [name for name, value in given.items() if value]
        if present and len(present) < len(given):
            missing = ", ".join(name for name in given if name not in present)
            raise ConfigError(
                f"Astra DB configuration is incomplete: {missing} not set (all four ASTRA_DB_* are needed)"
            )
        if present and "cassandra_contact_points" in self.model_fields_set:
            raise ConfigError(
                "both ASTRA_DB_SECURE_BUNDLE_PATH and CASSANDRA_CONTACT_POINTS are set: choose Astra or self-hosted"
            )
        if not self.cassandra_contact_points:
            raise ConfigError("CASSANDRA_CONTACT_POINTS is empty")
        if not IDENTIFIER.fullmatch(self.keyspace):
            raise ConfigError(f"keyspace {self.keyspace!r} is not a valid CQL identifier (letters, digits, _; 48 max)")
        if self.max_page_size < self.page_size:
            raise ConfigError("PAGE_SIZE is larger than MAX_PAGE_SIZE")
        if self.reconnect_max_delay < self.reconnect_delay:
            raise ConfigError("RECONNECT_DELAY is larger than RECONNECT_MAX_DELAY")
        self._check_tls(astra=bool(present))
        self._check_page_state_secrets()
        short = sum(len(key.get_secret_value()) < MIN_KEY_LENGTH for key in self.api_keys)
        if short:
            raise ConfigError(f"API_KEYS: {short} key(s) shorter than {MIN_KEY_LENGTH} characters")
        if self.metrics_key is not None and len(self.metrics_key.get_secret_value()) < MIN_KEY_LENGTH:
            raise ConfigError(f"METRICS_KEY is shorter than {MIN_KEY_LENGTH} characters")
        wanted = self.max_concurrent_requests + 2 * self.max_streams
        if wanted > self.max_in_flight:
            raise ConfigError(
                f"MAX_CONCURRENT_REQUESTS + 2 x MAX_STREAMS ({self.max_concurrent_requests} + 2 x {self.max_streams} "
                f"= {wanted}) is more than MAX_IN_FLIGHT ({self.max_in_flight}): admitted requests would wait for "
                "the driver"
            )
        bound = self.memory_bound
        if self.memory_budget_mb and bound.total > self.memory_budget_mb * MIB:
            raise ConfigError(f"the limits can hold more memory than MEMORY_BUDGET_MB allows: {bound.describe()}")
        return self

    def _check_tls(self, *, astra: bool) -> None:
        files = {
            "CASSANDRA_TLS_CA_FILE": self.cassandra_tls_ca_file,
            "CASSANDRA_TLS_CERT_FILE": self.cassandra_tls_cert_file,
            "CASSANDRA_TLS_KEY_FILE": self.cassandra_tls_key_file,
        }
        given = [name for name, value in files.items() if value is not None]
        if astra and given:
            raise ConfigError(f"{', '.join(given)} set with an Astra bundle: the bundle brings its own TLS")
        if (self.cassandra_tls_cert_file is None) != (self.cassandra_tls_key_file is None):
            raise ConfigError("CASSANDRA_TLS_CERT_FILE and CASSANDRA_TLS_KEY_FILE go together: set both or neither")
        if self.cassandra_tls_cert_file is not None and self.cassandra_tls_ca_file is None:
            raise ConfigError(
                "CASSANDRA_TLS_CERT_FILE needs CASSANDRA_TLS_CA_FILE, the CA that signed the nodes' certificates "
                "(/etc/ssl/certs/ca-certificates.crt for a public CA)"
            )
        if astra or self.tls or not self.cassandra_username or self.cassandra_allow_plaintext:
            return
        remote = [point for point in self.cassandra_contact_points if not is_loopback(point)]
        if remote:
            raise ConfigError(
                f"CASSANDRA_USERNAME/CASSANDRA_PASSWORD would cross the network in clear text to {remote[0]}: set "
                "CASSANDRA_TLS_CA_FILE (TLS to the nodes), or CASSANDRA_ALLOW_PLAINTEXT=true to accept that"
            )

    def _check_page_state_secrets(self) -> None:
        if self.page_state_secret is not None and self.page_state_secrets:
            raise ConfigError("both PAGE_STATE_SECRET and PAGE_STATE_SECRETS are set: keep PAGE_STATE_SECRETS only")
        name = "PAGE_STATE_SECRETS" if self.page_state_secrets else "PAGE_STATE_SECRET"
        keys = self.page_state_keys
        for number, key in enumerate(keys, start=1):
            if len(key) < MIN_PAGE_STATE_SECRET_BYTES:
                which = f"secret {number} of {len(keys)}" if len(keys) > 1 else "the secret"
                raise ConfigError(
                    f"{name}: {which} is {len(key)} bytes, and each must be at least {MIN_PAGE_STATE_SECRET_BYTES} "
                    f"(make one with: {MAKE_A_SECRET})"
                )

    @property
    def tls(self) -> bool:
        """TLS to self-hosted nodes (Astra's comes with its bundle)."""
        return self.cassandra_tls_ca_file is not None

    @property
    def page_state_keys(self) -> list[bytes]:
        """The cursor secrets, sealing one first; empty when none is configured."""
        secrets = self.page_state_secrets or ([self.page_state_secret] if self.page_state_secret else [])
        return [secret.get_secret_value().encode() for secret in secrets]

    @property
    def connection_limit(self) -> int:
        """uvicorn's limit_concurrency: every request and stream the admission control can hold, and some room."""
        if self.max_connections is not None:
            return self.max_connections
        return self.max_concurrent_requests + self.max_queued_requests + self.max_streams + 64

    @property
    def memory_bound(self) -> MemoryBound:
        return MemoryBound.of(self)

    @property
    def mode(self) -> Mode:
        return Mode.ASTRA if self.astra_db_secure_bundle_path else Mode.SELF_HOSTED

    @property
    def keyspace(self) -> str:
        return self.astra_db_keyspace or self.cassandra_keyspace

    @property
    def served_keyspaces(self) -> list[str]:
        return self.rows_keyspaces or [self.keyspace]

    @cached_property
    def describe(self) -> str:
        """A one-line, secret-free summary for the start-up log."""
        if self.mode is Mode.ASTRA:
            return f"Astra DB via bundle {self.astra_db_secure_bundle_path}, keyspace {self.keyspace}"
        points = ",".join(self.cassandra_contact_points)
        tls = " over TLS" if self.tls else ""
        return f"Cassandra at {points}:{self.cassandra_port}{tls}, keyspace {self.keyspace}"


def is_loopback(host: str) -> bool:
    """An address (or `localhost`) that never leaves this machine; any other name counts as remote."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class MemoryBound:
    """The most that admitted requests can hold at once, per process, from the limits alone.

    - a request slot holds at most one whole page (`format=page`, a rows API JSON page);
    - a stream holds the page being sent and the one read ahead: 2 pages;
    - a request slot reads at most MAX_BODY_BYTES of body;
    - a bulk ingest (it holds a stream slot) has ROWS_INGEST_CONCURRENCY lines in flight, each up to MAX_BODY_BYTES.
    A page is the larger of MAX_PAGE_BYTES (the rows API's budget, for tables of any width) and its rows at
    MEMORY_ROW_BYTES each (the sample's tables, whose rows are known). Point reads, the driver and the interpreter
    come on top."""

    page_rows: int
    row_bytes: int
    page_budget: int
    body_bytes: int
    ingest_bytes: int
    budget_mb: int
    requests: int
    streams: int
    cursor_page: int
    stream_page: int

    @classmethod
    def of(cls, settings: Settings) -> MemoryBound:
        requests, streams = settings.max_concurrent_requests, settings.max_streams
        cursor_page = min(settings.max_cursor_page_size, settings.max_page_size)
        return cls(
            page_rows=requests * cursor_page + streams * 2 * settings.max_page_size,
            row_bytes=settings.memory_row_bytes,
            page_budget=settings.max_page_bytes,
            body_bytes=requests * settings.max_body_bytes,
            ingest_bytes=streams * settings.rows_ingest_concurrency * settings.max_body_bytes,
            budget_mb=settings.memory_budget_mb,
            requests=requests,
            streams=streams,
            cursor_page=cursor_page,
            stream_page=settings.max_page_size,
        )

    @property
    def cursor_page_bytes(self) -> int:
        return max(self.page_budget, self.cursor_page * self.row_bytes)

    @property
    def stream_page_bytes(self) -> int:
        return max(self.page_budget, self.stream_page * self.row_bytes)

    @property
    def page_bytes(self) -> int:
        return self.requests * self.cursor_page_bytes + self.streams * 2 * self.stream_page_bytes

    @property
    def total(self) -> int:
        return self.page_bytes + self.body_bytes + self.ingest_bytes

    def describe(self) -> str:
        budget = f"MEMORY_BUDGET_MB={self.budget_mb}" if self.budget_mb else "no MEMORY_BUDGET_MB check"
        return (
            f"{self.total / MIB:,.0f} MiB at worst ({budget}): pages of {self.requests} requests x "
            f"{self.cursor_page_bytes / MIB:,.1f} MiB + {self.streams} streams x 2 x "
            f"{self.stream_page_bytes / MIB:,.1f} MiB (MAX_PAGE_BYTES={self.page_budget:,}, or rows at "
            f"MEMORY_ROW_BYTES={self.row_bytes:,}) = {self.page_bytes / MIB:,.0f} MiB, "
            f"{self.body_bytes / MIB:,.0f} MiB of request bodies, {self.ingest_bytes / MIB:,.0f} MiB of ingest lines"
        )


def load_settings(**overrides: Any) -> Settings:
    """Settings, with pydantic's validation errors folded into one ConfigError line."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            if isinstance(err.get("ctx", {}).get("error"), ConfigError):
                problems.append(str(err["ctx"]["error"]))
            else:
                where = ".".join(str(p) for p in err["loc"]).upper() or "configuration"
                problems.append(f"{where}: {err['msg']}")
        raise ConfigError("; ".join(problems)) from None
