"""Secure defaults, whatever the mode: what stops start-up, and what every start-up says about anonymous access.

`refuse_unsafe` runs as a rule of `Settings` (so `python -m app` and plain uvicorn both stop with one line):
- a system or infrastructure keyspace listed in ROWS_KEYSPACES (`app.config.keyspaces`);
- ROWS_KEYSPACES=* while reads are anonymous, unless ALLOW_ANONYMOUS_READS=true says so by name;
- PROTECT_READS=true with no key anywhere (AUTH_MODE=keys): no request could ever be admitted.

`posture_warnings` are the WARNING lines of every start-up (`log_posture`, called by `app.main.create_app`):
anonymous reads or writes, and settings that mean nothing in the chosen AUTH_MODE, with those of `.env` (and
misspelt-looking ones of the environment) that are no setting (`app.config.unknown`). Pass-through is never
anonymous: every request logs in.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app.config.keyspaces import is_infrastructure
from app.config.unknown import unknown_settings
from app.exceptions import ConfigError

if TYPE_CHECKING:
    from app.config.settings import Settings

log = logging.getLogger("app")
ENV_FILE = Path(".env")  # pydantic-settings reads it from the working directory

# Settings of pass-through alone (the callers' sessions, the tokens of POST /v1/auth).
PASSTHROUGH_ONLY = (
    "identity_sessions",
    "identity_idle_seconds",
    "identity_max_age_seconds",
    "identity_refused_seconds",
    "identity_logins_per_second",
    "identity_logins_per_address_per_second",
    "auth_token_ttl_seconds",
    "auth_token_max_age_seconds",
)


@dataclass(frozen=True, slots=True)
class Anonymous:
    """What a request without any credential may do."""

    reads: bool
    writes: bool

    @classmethod
    def of(cls, settings: Settings) -> Anonymous:
        if settings.auth_mode == "passthrough":
            return cls(reads=False, writes=False)
        keyed = bool(settings.api_keys) or settings.api_keys_file is not None
        return cls(reads=not settings.protect_reads, writes=settings.allow_anonymous_writes and not keyed)


def refuse_unsafe(settings: Settings) -> None:
    """A ConfigError (one line naming the variables) for a configuration that is unsafe or cannot admit anyone."""
    refused = [name for name in settings.rows_keyspaces if name != "*" and is_infrastructure(name)]
    if refused:
        raise ConfigError(
            f"ROWS_KEYSPACES names {refused[0]}, a keyspace of Cassandra's or of a tool's (system*, dse_*, "
            "stargate_*, OpsCenter, reaper_db, ...): the rows API never serves those; remove it from the list"
        )
    keyless = not settings.api_keys and settings.api_keys_file is None
    if settings.auth_mode == "keys" and settings.protect_reads and keyless:
        raise ConfigError(
            "PROTECT_READS=true but neither API_KEYS nor API_KEYS_FILE is set: no request could be admitted; "
            "set API_KEYS or API_KEYS_FILE, or AUTH_MODE=passthrough, or PROTECT_READS=false"
        )
    everything = "*" in settings.rows_keyspaces and settings.rows_api != "off"
    if everything and Anonymous.of(settings).reads and not settings.allow_anonymous_reads:
        raise ConfigError(
            "ROWS_KEYSPACES=* with anonymous reads (PROTECT_READS off) lets anyone read every keyspace: set "
            "PROTECT_READS=true with API_KEYS or API_KEYS_FILE, or AUTH_MODE=passthrough, or "
            "ALLOW_ANONYMOUS_READS=true to accept that"
        )


def log_posture(settings: Settings) -> None:
    """One WARNING line each: what `posture_warnings` says, and the names that are no setting."""
    for line in posture_warnings(settings) + unknown_settings(type(settings).model_fields, ENV_FILE):
        log.warning(line)


def posture_warnings(settings: Settings) -> list[str]:
    """The WARNING lines of a start-up: anonymous access that is on, and settings the mode ignores."""
    lines: list[str] = []
    anonymous = Anonymous.of(settings)
    if anonymous.reads:
        reads = _reads(settings)
        lines.append(f"anonymous reads are on (PROTECT_READS is off): anyone who reaches the port reads {reads}")
    if anonymous.writes:
        lines.append(
            "anonymous writes are on (ALLOW_ANONYMOUS_WRITES=true, no API_KEYS or API_KEYS_FILE): anyone who reaches "
            f"the port writes to {_writes(settings)}"
        )
    given = settings.model_fields_set
    if settings.auth_mode == "passthrough":
        ignored = [name for name in ("allow_anonymous_writes", "allow_anonymous_reads") if getattr(settings, name)]
        lines += [f"{name.upper()} is ignored with AUTH_MODE=passthrough: every request logs in" for name in ignored]
    else:
        unused = [name.upper() for name in PASSTHROUGH_ONLY if name in given]
        if unused:
            lines.append(f"{', '.join(unused)} have no effect with AUTH_MODE=keys (pass-through settings)")
    return lines


def _served(settings: Settings) -> str:
    if settings.rows_api == "off":
        return ""
    names = settings.served_keyspaces
    keyspaces = "every keyspace" if "*" in names else "keyspace(s) " + ", ".join(names)
    return f"{keyspaces} through the rows API"


def _sample(settings: Settings) -> str:
    return "" if settings.sample_api == "off" else "the sample (/animal, /plant)"


def _reads(settings: Settings) -> str:
    metrics = "/metrics" if settings.metrics_enabled and settings.metrics_key is None else ""
    return " and ".join(part for part in (_served(settings), _sample(settings), metrics) if part) or "nothing"


def _writes(settings: Settings) -> str:
    rows = _served(settings) if settings.rows_api == "readwrite" else ""
    return " and ".join(part for part in (rows, _sample(settings)) if part) or "nothing"
