"""`Settings`: every group of settings in one flat class, read from the environment and `.env`.

pydantic collects the fields of every base, so each environment variable is still the bare field name
(`REQUEST_TIMEOUT`, not `TIMEOUTS__REQUEST`): nested models would rename them, and a nested BaseSettings with its own
prefix ignores the outer `.env`. A group's own rules sit under its fields; the rules that span groups are here.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.config.common import IDENTIFIER, MIB
from app.config.data_api import DataApiSettings
from app.config.database import AstraSettings, CassandraSettings, ConsistencySettings, Mode, is_loopback
from app.config.operations import AccessSettings, OperationsSettings
from app.config.posture import refuse_unsafe
from app.config.rows_api import RowsApiSettings
from app.config.serving import AdmissionSettings, PagingSettings, TimeoutSettings
from app.exceptions import ConfigError

if TYPE_CHECKING:
    from app.http.limits import MemoryBound


class Settings(
    AstraSettings,
    CassandraSettings,
    ConsistencySettings,
    TimeoutSettings,
    PagingSettings,
    RowsApiSettings,
    DataApiSettings,
    AccessSettings,
    AdmissionSettings,
    OperationsSettings,
    BaseSettings,
):
    """Every knob of the service; names are the environment variables, case-insensitive. The groups, in this order,
    are the sections of docs/configuration.md and .env.example (their docstrings are the headings)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    @model_validator(mode="after")
    def _check_consistent(self) -> Settings:
        self._one_database()
        self._keyspace_is_an_identifier()
        self._credentials_never_in_clear_text()
        self._memory_fits_the_budget()
        refuse_unsafe(self)  # secure defaults (app.config.posture)
        return self

    def _one_database(self) -> None:
        if self.mode is Mode.ASTRA and "cassandra_contact_points" in self.model_fields_set:
            raise ConfigError(
                "both ASTRA_DB_SECURE_BUNDLE_PATH and CASSANDRA_CONTACT_POINTS are set: choose Astra or self-hosted"
            )

    def _keyspace_is_an_identifier(self) -> None:
        if not IDENTIFIER.fullmatch(self.keyspace):
            raise ConfigError(f"keyspace {self.keyspace!r} is not a valid CQL identifier (letters, digits, _; 48 max)")

    def _credentials_never_in_clear_text(self) -> None:
        """Astra brings its own TLS; a password to a remote node needs TLS, or the operator's explicit consent."""
        if self.mode is Mode.ASTRA:
            files = {
                "CASSANDRA_TLS_CA_FILE": self.cassandra_tls_ca_file,
                "CASSANDRA_TLS_CERT_FILE": self.cassandra_tls_cert_file,
                "CASSANDRA_TLS_KEY_FILE": self.cassandra_tls_key_file,
            }
            given = [name for name, value in files.items() if value is not None]
            if given:
                raise ConfigError(f"{', '.join(given)} set with an Astra bundle: the bundle brings its own TLS")
            return
        if self.tls or not self.cassandra_username or self.cassandra_allow_plaintext:
            return
        remote = [point for point in self.cassandra_contact_points if not is_loopback(point)]
        if remote:
            raise ConfigError(
                f"CASSANDRA_USERNAME/CASSANDRA_PASSWORD would cross the network in clear text to {remote[0]}: set "
                "CASSANDRA_TLS_CA_FILE (TLS to the nodes), or CASSANDRA_ALLOW_PLAINTEXT=true to accept that"
            )

    def _memory_fits_the_budget(self) -> None:
        bound = self.memory_bound
        if self.memory_budget_mb and bound.total > self.memory_budget_mb * MIB:
            raise ConfigError(f"the limits can hold more memory than MEMORY_BUDGET_MB allows: {bound.describe()}")

    @property
    def memory_bound(self) -> MemoryBound:
        # Imported here: app.http.limits imports this module (Settings), and the config stays importable alone.
        from app.http.limits import MemoryBound

        return MemoryBound.of(self)

    @property
    def keyspace(self) -> str:
        return self.astra_db_keyspace or self.cassandra_keyspace

    @property
    def served_keyspaces(self) -> list[str]:
        """What the rows API serves: none with ROWS_API=off."""
        if self.rows_api == "off":
            return []
        return self.rows_keyspaces or [self.keyspace]

    @cached_property
    def describe(self) -> str:
        """A one-line, secret-free summary for the start-up log."""
        if self.mode is Mode.ASTRA:
            return f"Astra DB via bundle {self.astra_db_secure_bundle_path}, keyspace {self.keyspace}"
        points = ",".join(self.cassandra_contact_points)
        tls = " over TLS" if self.tls else ""
        return f"Cassandra at {points}:{self.cassandra_port}{tls}, keyspace {self.keyspace}"


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
