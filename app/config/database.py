"""The setting groups that say which database to use and how to talk to it: Astra, Cassandra, consistency."""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal, Self

from cassandra import ConsistencyLevel
from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator

from app.config.common import CommaList, EmptyIsUnset, LowerCase, empty_is_unset
from app.exceptions import ConfigError

ASTRA_VARIABLES = (
    "ASTRA_DB_CLIENT_ID",
    "ASTRA_DB_CLIENT_SECRET",
    "ASTRA_DB_SECURE_BUNDLE_PATH",
    "ASTRA_DB_KEYSPACE",
)
ASTRA_FIELDS = tuple(name.lower() for name in ASTRA_VARIABLES)
DriverIO = Literal["loop", "libev"]


class Mode(StrEnum):
    ASTRA = "astra"
    SELF_HOSTED = "self-hosted"


def is_loopback(host: str) -> bool:
    """An address (or `localhost`) that never leaves this machine; any other name counts as remote."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


class AstraSettings(BaseModel):
    """Astra DB (all four, or none)

    The four `ASTRA_DB_*` select Astra DB, through its Secure Connect Bundle; without them the service is self-hosted.
    """

    astra_db_client_id: str | None = Field(default=None, description="Astra: `token`, or the token's client id")
    astra_db_client_secret: SecretStr | None = Field(
        default=None, description="Astra: the `AstraCS:...` application token (never logged or echoed)"
    )
    astra_db_secure_bundle_path: Path | None = Field(
        default=None, description="Astra: path of the Secure Connect Bundle zip; setting it (non-empty) selects Astra"
    )
    astra_db_keyspace: str | None = Field(default=None, description="Astra: the keyspace made in the Astra console")

    @field_validator(*ASTRA_FIELDS, mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return empty_is_unset(value)

    @model_validator(mode="after")
    def _all_four_or_none(self) -> Self:
        given = {name: getattr(self, name.lower()) for name in ASTRA_VARIABLES}
        present = [name for name, value in given.items() if value]
        if present and len(present) < len(given):
            missing = ", ".join(name for name in given if name not in present)
            raise ConfigError(
                f"Astra DB configuration is incomplete: {missing} not set (all four ASTRA_DB_* are needed)"
            )
        return self

    @property
    def mode(self) -> Mode:
        return Mode.ASTRA if self.astra_db_secure_bundle_path else Mode.SELF_HOSTED


class CassandraSettings(BaseModel):
    """Cassandra: the nodes, TLS, the driver's IO and reconnection

    The `CASSANDRA_*` connection settings apply when self-hosted (no Astra bundle); the driver's IO, reconnection and
    speculation apply to Astra too.
    """

    cassandra_contact_points: CommaList[str] = Field(
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

    driver_io: Annotated[DriverIO, LowerCase] = Field(
        # loop: 0.54 against 0.82 ms CPU per point read at c=64 (bench/results/cuts.md), and the whole fault suite
        # passes under both (bench/results/faults.md).
        default="loop",
        description="where the driver's sockets run: `loop` (this service's event loop) or `libev` (a driver thread)",
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
    cassandra_tls_ca_file: Annotated[Path | None, EmptyIsUnset] = Field(
        default=None,
        description="TLS to the nodes: the CA certificate(s) that signed them (PEM); setting it turns TLS on, with "
        "host-name checking (each node's certificate must name the address the driver connects to)",
    )
    cassandra_tls_cert_file: Annotated[Path | None, EmptyIsUnset] = Field(
        default=None, description="TLS: this service's client certificate (PEM), for nodes that require one"
    )
    cassandra_tls_key_file: Annotated[Path | None, EmptyIsUnset] = Field(
        default=None, description="TLS: the private key of CASSANDRA_TLS_CERT_FILE (PEM, unencrypted)"
    )
    cassandra_allow_plaintext: bool = Field(
        default=False,
        description="let CASSANDRA_PASSWORD cross the network without TLS to a contact point that is not loopback "
        "(refused otherwise)",
    )

    @model_validator(mode="after")
    def _check_connection(self) -> Self:
        if not self.cassandra_contact_points:
            raise ConfigError("CASSANDRA_CONTACT_POINTS is empty")
        if self.reconnect_max_delay < self.reconnect_delay:
            raise ConfigError("RECONNECT_DELAY is larger than RECONNECT_MAX_DELAY")
        if (self.cassandra_tls_cert_file is None) != (self.cassandra_tls_key_file is None):
            raise ConfigError("CASSANDRA_TLS_CERT_FILE and CASSANDRA_TLS_KEY_FILE go together: set both or neither")
        if self.cassandra_tls_cert_file is not None and self.cassandra_tls_ca_file is None:
            raise ConfigError(
                "CASSANDRA_TLS_CERT_FILE needs CASSANDRA_TLS_CA_FILE, the CA that signed the nodes' certificates "
                "(/etc/ssl/certs/ca-certificates.crt for a public CA)"
            )
        return self

    @property
    def tls(self) -> bool:
        """TLS to self-hosted nodes (Astra's comes with its bundle)."""
        return self.cassandra_tls_ca_file is not None


class ConsistencySettings(BaseModel):
    """Consistency levels"""

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

    @field_validator("read_consistency", "write_consistency", "serial_consistency")
    @classmethod
    def _known_level(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value.strip().upper() not in ConsistencyLevel.name_to_value:
            raise ValueError(f"unknown consistency level {value!r}")
        return value.strip().upper()
