"""The setting groups of who may do what (access) and of running the service (logs, probes, metrics, the sample)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator

from app.config.common import MIN_KEY_LENGTH, CommaList, EmptyIsUnset, LowerCase
from app.exceptions import ConfigError
from app.identity.keys_file import read_keys_file

LogLevel = Literal["trace", "debug", "info", "warning", "error", "critical"]
SampleApi = Literal["auto", "on", "off"]
AuthMode = Literal["keys", "passthrough"]


class AccessSettings(BaseModel):
    """Access control"""

    api_keys: CommaList[SecretStr] = Field(
        default_factory=list,
        description="comma-separated keys accepted for writes (and reads with PROTECT_READS), sent as "
        "'Authorization: Bearer <key>' or 'X-API-Key: <key>'",
    )

    @model_validator(mode="after")
    def _keys_long_enough(self) -> Self:
        short = sum(len(key.get_secret_value()) < MIN_KEY_LENGTH for key in self.api_keys)
        if short:
            raise ConfigError(f"API_KEYS: {short} key(s) shorter than {MIN_KEY_LENGTH} characters")
        return self

    allow_anonymous_writes: bool = Field(default=False, description="with API_KEYS unset, let anyone write (demo)")
    protect_reads: bool = Field(
        default=False, description="require an API key for reads and /metrics too (probes and docs stay open)"
    )
    allow_anonymous_reads: bool = Field(
        default=False,
        description="with ROWS_KEYSPACES=* and reads open (AUTH_MODE=keys, PROTECT_READS off), start anyway: anyone "
        "who reaches the port reads every served keyspace",
    )
    loopback_hosts_only: bool = Field(
        default=False,
        description="answer only requests whose Host is localhost or a loopback address, others 421 (DNS "
        "rebinding); --local-demo turns it on when it serves on loopback",
    )

    # Pass-through: the callers' own sessions (app.db.identities)
    identity_sessions: int = Field(
        default=50,
        ge=1,
        le=10_000,
        description="pass-through identity: at most this many per-credential driver sessions stay open (least "
        "recently used closed first), one connection per node each",
    )
    identity_idle_seconds: float = Field(
        default=300.0, gt=0, le=86_400, description="a credential's session unused this long is closed"
    )
    identity_max_age_seconds: float = Field(
        default=3600.0,
        gt=0,
        le=604_800,
        description="a credential's session older than this logs in again at its next use: how long a dropped role "
        "or changed password can still use a session opened before",
    )
    identity_refused_seconds: float = Field(
        default=60.0,
        ge=0,
        le=3600,
        description="credentials Cassandra refused are refused again for this long without a new login",
    )
    identity_logins_per_second: float = Field(
        default=10.0, gt=0, le=10_000, description="logins of new credentials per second, for the whole process"
    )
    identity_logins_per_address_per_second: float = Field(
        default=2.0, gt=0, le=10_000, description="logins of new credentials per second from one client address"
    )

    # Who a request is: the mode, scoped keys, and the tokens of /v1/auth (app.identity)
    auth_mode: Annotated[AuthMode, LowerCase] = Field(
        default="keys",
        description="`keys`: API keys admit requests and the service's own role does the work; `passthrough`: the "
        "caller's token (AstraCS:..., Cassandra:<b64 user>:<b64 password>, or one from POST /v1/auth) is the "
        "database credential, and Cassandra's GRANTs decide",
    )

    api_keys_file: Annotated[Path | None, EmptyIsUnset] = Field(
        default=None,
        description="a JSON or TOML file of named, scoped API keys (id, sha256, scopes, expires; see "
        "docs/access-control.md), re-read when it changes; API_KEYS still work, with every scope",
    )

    @field_validator("api_keys_file")
    @classmethod
    def _api_keys_file_is_valid(cls, value: Path | None) -> Path | None:
        if value is not None:
            read_keys_file(value)  # a wrong file stops start-up with one line; later, a wrong edit keeps the old keys
        return value

    auth_token_ttl_seconds: int = Field(
        default=1800,
        ge=1,
        le=30 * 86_400,
        description="a token from POST /v1/auth is refused when unused for this long (Stargate's 1800 s); each "
        "use past a minute answers a renewed token in X-Cassandra-Token-Renewed",
    )
    auth_token_max_age_seconds: int = Field(
        default=86_400,
        ge=1,
        le=365 * 86_400,
        description="a token from POST /v1/auth is refused this long after its login, however often it is used",
    )

    @model_validator(mode="after")
    def _auth_token_windows_agree(self) -> Self:
        if self.auth_token_max_age_seconds < self.auth_token_ttl_seconds:
            raise ConfigError("AUTH_TOKEN_MAX_AGE_SECONDS is shorter than AUTH_TOKEN_TTL_SECONDS")
        return self


class OperationsSettings(BaseModel):
    """Operations: logs, start-up, shutdown, probes and metrics"""

    log_level: Annotated[LogLevel, LowerCase] = Field(
        default="info",
        description="the service's and uvicorn's log level, any case: trace, debug, info, warning, error or "
        "critical (the driver logs from warning up unless debug or trace)",
    )

    init_schema_on_startup: bool = Field(
        default=False,
        description="apply `schema/` when the service starts: the keyspace (self-hosted), tables and sample data",
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

    @model_validator(mode="after")
    def _metrics_key_long_enough(self) -> Self:
        if self.metrics_key is not None and len(self.metrics_key.get_secret_value()) < MIN_KEY_LENGTH:
            raise ConfigError(f"METRICS_KEY is shorter than {MIN_KEY_LENGTH} characters")
        return self

    metrics_cache_seconds: float = Field(
        default=1.0, ge=0, le=60, description="how long /metrics reuses its last rendering (0: render every scrape)"
    )

    # The sample face
    sample_api: Annotated[SampleApi, LowerCase] = Field(
        default="auto",
        description="the sample's /animal and /plant routes: `auto` serves them when the keyspace has both tables "
        "`animals` and `plants`, `on` refuses to start without them, `off` answers 404 (one start-up line says "
        "which and why)",
    )
