"""Configuration from the environment and `.env`: Astra through a Secure Connect Bundle, or self-hosted Cassandra."""

from __future__ import annotations

import re
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
IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,47}$")
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
        default=None, description="Astra: path of the Secure Connect Bundle zip; setting it selects Astra"
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
        default="libev",
        description="where the driver's sockets run: `loop` (this service's event loop) or `libev` (a driver thread)",
    )

    # Behaviour
    read_consistency: str | None = Field(
        default=None,
        description="consistency of reads (default: LOCAL_QUORUM on Astra or a multi-node cluster, else LOCAL_ONE)",
    )
    write_consistency: str | None = Field(default=None, description="consistency of writes (default: as for reads)")
    request_timeout: float = Field(default=5.0, gt=0, le=120, description="driver timeout per request, seconds (504)")
    connect_timeout: float = Field(default=10.0, gt=0, le=120, description="seconds to reach the cluster at start-up")
    server_timeout: float = Field(
        default=10.0, gt=0, le=600, description="overall bound per request until its response starts, seconds (504)"
    )
    shutdown_drain_seconds: float = Field(
        default=30.0, ge=0, le=3600, description="on SIGTERM, how long in-flight requests and streams may finish"
    )
    reconnect_delay: float = Field(default=1.0, gt=0, le=60, description="seconds between reconnection attempts")
    speculative_delay: float = Field(
        default=0.5, ge=0, le=60, description="seconds before an idempotent request also goes to another node (0: off)"
    )
    page_size: int = Field(default=1000, ge=1, le=10_000, description="rows per driver page when streaming")
    max_page_size: int = Field(default=5000, ge=1, le=100_000, description="the cap on a client's `page_size`")
    max_in_flight: int = Field(default=1024, ge=1, le=32_768, description="database requests in flight per process")
    stream_read_ahead: bool = Field(
        default=True, description="fetch a stream's next page while the current one is sent (at most one ahead)"
    )
    page_state_secret: SecretStr | None = Field(
        default=None, description="key that seals cursor tokens (default: random per process; scripts/run sets one)"
    )
    init_schema_on_startup: bool = Field(default=False, description="apply `schema/` when the service starts")
    log_level: LogLevel = Field(default="info", description="trace, debug, info, warning, error or critical")

    # Access control, admission limits, request bodies, metrics
    api_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list, description="comma-separated keys accepted for writes (and reads with PROTECT_READS)"
    )
    allow_anonymous_writes: bool = Field(default=False, description="with API_KEYS unset, let anyone write (demo)")
    protect_reads: bool = Field(default=False, description="require an API key for reads too (probes stay open)")
    max_body_bytes: int = Field(default=262_144, ge=1024, le=64 * 1024 * 1024, description="larger bodies get 413")
    max_concurrent_requests: int = Field(
        default=256, ge=1, le=32_768, description="requests handled at once per process; more wait, then get 503"
    )
    max_queued_requests: int = Field(default=512, ge=0, le=100_000, description="requests waiting for a slot")
    queue_timeout_ms: int = Field(default=200, ge=0, le=60_000, description="longest wait for a slot before 503")
    max_streams: int = Field(default=64, ge=1, le=10_000, description="open JSON/NDJSON streams per process")
    metrics_enabled: bool = Field(default=True, description="serve /metrics in Prometheus format")

    @field_validator("log_level", "driver_io", mode="before")
    @classmethod
    def _lower_case(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("api_keys", "cassandra_contact_points", mode="before")
    @classmethod
    def _split_comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("read_consistency", "write_consistency")
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
        if not IDENTIFIER.match(self.keyspace):
            raise ConfigError(f"keyspace {self.keyspace!r} is not a valid CQL identifier (letters, digits, _; 48 max)")
        if self.max_page_size < self.page_size:
            raise ConfigError("PAGE_SIZE is larger than MAX_PAGE_SIZE")
        return self

    @property
    def mode(self) -> Mode:
        return Mode.ASTRA if self.astra_db_secure_bundle_path else Mode.SELF_HOSTED

    @property
    def keyspace(self) -> str:
        return self.astra_db_keyspace or self.cassandra_keyspace

    @cached_property
    def describe(self) -> str:
        """A one-line, secret-free summary for the start-up log."""
        if self.mode is Mode.ASTRA:
            return f"Astra DB via bundle {self.astra_db_secure_bundle_path}, keyspace {self.keyspace}"
        points = ",".join(self.cassandra_contact_points)
        return f"Cassandra at {points}:{self.cassandra_port}, keyspace {self.keyspace}"


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
