"""The setting groups that bound one request's life: timeouts, pages and streams, and admission."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, Field, IPvAnyNetwork, SecretStr, model_validator

from app.config.common import CommaList
from app.exceptions import ConfigError

MIN_PAGE_STATE_SECRET_BYTES = 32
MAKE_A_SECRET = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"


class TimeoutSettings(BaseModel):
    """Timeouts"""

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
    schema_change_timeout_seconds: float = Field(
        default=60.0,
        gt=0,
        le=600,
        description="bound of a schema change (Stargate's schema API, the Data API's DDL) in place of SERVER_TIMEOUT:"
        " dropping a keyspace snapshots its tables first, and agreement may take a while",
    )
    header_timeout: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="seconds a connection may take to send a request's headers, from connecting or from the first "
        "byte of its next request; then it is closed (python -m app)",
    )


class PagingSettings(BaseModel):
    """Pages, streams and cursors"""

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
    max_page_bytes: int = Field(
        default=1024 * 1024,
        ge=64 * 1024,
        le=256 * 1024 * 1024,
        description="the rows API's byte budget per page: a JSON page stops there and hands back its cursor, and a "
        "stream of a wide table fetches fewer rows at a time",
    )

    @model_validator(mode="after")
    def _page_size_within_its_cap(self) -> Self:
        if self.max_page_size < self.page_size:
            raise ConfigError("PAGE_SIZE is larger than MAX_PAGE_SIZE")
        return self

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
    page_state_secret: SecretStr | None = Field(
        default=None,
        description="the key that seals cursor tokens, at least 32 bytes: the same as a one-element PAGE_STATE_SECRETS",
    )
    page_state_secrets: CommaList[SecretStr] = Field(
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

    @model_validator(mode="after")
    def _secrets_long_enough(self) -> Self:
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
        return self

    @property
    def page_state_keys(self) -> list[bytes]:
        """The cursor secrets, sealing one first; empty when none is configured."""
        secrets = self.page_state_secrets or ([self.page_state_secret] if self.page_state_secret else [])
        return [secret.get_secret_value().encode() for secret in secrets]


class AdmissionSettings(BaseModel):
    """Admission: request and stream limits, bodies, memory

    Past these limits a request waits briefly, then gets 503 with Retry-After; start-up checks that the limits fit
    MAX_IN_FLIGHT and MEMORY_BUDGET_MB.
    """

    max_in_flight: int = Field(default=1024, ge=1, le=32_768, description="database requests in flight per process")
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

    @model_validator(mode="after")
    def _admitted_requests_fit_in_flight(self) -> Self:
        wanted = self.max_concurrent_requests + 2 * self.max_streams
        if wanted > self.max_in_flight:
            raise ConfigError(
                f"MAX_CONCURRENT_REQUESTS + 2 x MAX_STREAMS ({self.max_concurrent_requests} + 2 x {self.max_streams} "
                f"= {wanted}) is more than MAX_IN_FLIGHT ({self.max_in_flight}): admitted requests would wait for "
                "the driver"
            )
        return self

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

    @property
    def connection_limit(self) -> int:
        """uvicorn's limit_concurrency: every request and stream the admission control can hold, and some room."""
        if self.max_connections is not None:
            return self.max_connections
        return self.max_concurrent_requests + self.max_queued_requests + self.max_streams + 64

    # added by edge: who called, and how their path is written, in the access line (app/http/client_address.py,
    # app/http/observability.py)
    trusted_proxies: CommaList[IPvAnyNetwork] = Field(
        default_factory=list,
        max_length=64,
        description="comma-separated addresses or CIDRs of the proxies in front of the service; from a peer among "
        "them, the access line's client is the rightmost X-Forwarded-For hop that is not one of them (empty: the "
        "peer's own address)",
    )
    access_log_paths: Literal["raw", "template"] = Field(
        default="raw",
        description="the path in the access line and the error lines: `raw` as requested, or `template`, the route "
        "template (`/v2/keyspaces/{keyspace}/{table}/{key}`), because key paths can be personal data",
    )
