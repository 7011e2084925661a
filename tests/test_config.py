"""Configuration: a missing or contradictory setting fails at start-up with one clear line, secrets never echoed."""

from __future__ import annotations

import re
import subprocess
import sys
import typing
from pathlib import Path
from typing import Any

import pytest
from pydantic_settings import BaseSettings

from app.config import Mode, Settings, load_settings
from app.exceptions import ConfigError
from tests.support.names import unique
from tests.support.processes import ROOT, failed_start, free_port, service_env

ASTRA = {
    "astra_db_client_id": "token",
    "astra_db_client_secret": "AstraCS:not-a-real-secret",
    "astra_db_secure_bundle_path": "/tmp/bundle.zip",
    "astra_db_keyspace": "sample",
}


def test_defaults_point_at_the_local_node() -> None:
    settings = load_settings()
    assert settings.mode is Mode.SELF_HOSTED
    assert (settings.cassandra_contact_points, settings.cassandra_port) == (["127.0.0.1"], 9042)


def test_contact_points_are_read_from_a_comma_separated_list() -> None:
    settings = load_settings(cassandra_contact_points="127.0.0.1, 127.0.0.2,127.0.0.3")
    assert settings.cassandra_contact_points == ["127.0.0.1", "127.0.0.2", "127.0.0.3"]


def test_all_four_astra_variables_select_astra_mode() -> None:
    settings = load_settings(**ASTRA)
    assert settings.mode is Mode.ASTRA
    assert settings.keyspace == "sample"


def test_partial_astra_configuration_names_what_is_missing() -> None:
    with pytest.raises(ConfigError, match="ASTRA_DB_CLIENT_SECRET, ASTRA_DB_SECURE_BUNDLE_PATH"):
        load_settings(astra_db_client_id="token", astra_db_keyspace="sample")


def test_astra_bundle_and_contact_points_together_are_refused() -> None:
    with pytest.raises(ConfigError, match="choose Astra or self-hosted"):
        load_settings(**ASTRA, cassandra_contact_points="127.0.0.1")


def test_a_keyspace_that_is_not_an_identifier_is_refused() -> None:
    with pytest.raises(ConfigError, match="not a valid CQL identifier"):
        load_settings(cassandra_keyspace="sample; DROP TABLE animals")


def test_an_unknown_consistency_level_is_refused() -> None:
    with pytest.raises(ConfigError, match="READ_CONSISTENCY"):
        load_settings(read_consistency="MOST")


def test_a_non_numeric_port_is_one_line_naming_the_variable() -> None:
    with pytest.raises(ConfigError, match="CASSANDRA_PORT"):
        load_settings(cassandra_port="ninety")


def test_the_secret_never_appears_in_the_settings_repr() -> None:
    settings = load_settings(**ASTRA)
    assert "not-a-real-secret" not in repr(settings)
    assert "not-a-real-secret" not in settings.describe


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"ASTRA_DB_KEYSPACE": "sample"}, "configuration error: Astra DB configuration is incomplete"),
        ({"LOG_LEVEL": "loud"}, "configuration error: LOG_LEVEL:"),
    ],
    ids=["contradictory-configuration", "bad-log-level"],
)
def test_the_launcher_exits_with_one_configuration_line(variables: dict[str, str], message: str) -> None:
    env = service_env(load_settings(), **variables)
    result = subprocess.run(
        [sys.executable, "-m", "app"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert result.stderr.startswith(message)


def test_unreachable_cassandra_fails_start_up_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    env = service_env(load_settings(), CASSANDRA_PORT=str(free_port()), CONNECT_TIMEOUT="3")
    output = failed_start(env, tmp_path / "uvicorn.log", code=3)
    assert "start-up failed: cannot reach Cassandra at 127.0.0.1" in output


def test_missing_keyspace_fails_start_up_saying_to_run_init_db(tmp_path: Path) -> None:
    env = service_env(load_settings(), CASSANDRA_KEYSPACE=unique("missing_"))
    output = failed_start(env, tmp_path / "uvicorn.log", code=3)
    assert "does not exist: run scripts/init-db" in output


@pytest.mark.parametrize("level", ["INFO", " Warning "])
def test_log_level_is_case_insensitive(level: str) -> None:
    assert load_settings(log_level=level).log_level == level.strip().lower()


def test_a_bad_configuration_under_plain_uvicorn_fails_start_up_with_one_line(tmp_path: Path) -> None:
    output = failed_start(service_env(load_settings(), LOG_LEVEL="loud"), tmp_path / "uvicorn.log", code=3)
    assert "configuration error: LOG_LEVEL:" in output


def test_an_empty_astra_variable_counts_as_unset() -> None:
    settings = load_settings(astra_db_secure_bundle_path="", astra_db_client_id=" ")
    assert settings.mode is Mode.SELF_HOSTED


# ---- the public names: no environment variable renamed, no default changed -----------------------------------

# (environment variable, default), in the order of app/config.py at main 03adda0, before Settings was split into
# groups. Secrets default to None or [].
ENV_NAMES_AND_DEFAULTS: tuple[tuple[str, Any], ...] = (
    ("ASTRA_DB_CLIENT_ID", None),
    ("ASTRA_DB_CLIENT_SECRET", None),
    ("ASTRA_DB_SECURE_BUNDLE_PATH", None),
    ("ASTRA_DB_KEYSPACE", None),
    ("CASSANDRA_CONTACT_POINTS", ["127.0.0.1"]),
    ("CASSANDRA_PORT", 9042),
    ("CASSANDRA_LOCAL_DC", None),
    ("CASSANDRA_USERNAME", None),
    ("CASSANDRA_PASSWORD", None),
    ("CASSANDRA_KEYSPACE", "sample"),
    ("CASSANDRA_REPLICATION", "{'class': 'SimpleStrategy', 'replication_factor': 1}"),
    ("CASSANDRA_PROTOCOL_VERSION", None),
    ("DRIVER_IO", "loop"),
    ("CASSANDRA_TLS_CA_FILE", None),
    ("CASSANDRA_TLS_CERT_FILE", None),
    ("CASSANDRA_TLS_KEY_FILE", None),
    ("CASSANDRA_ALLOW_PLAINTEXT", False),
    ("READ_CONSISTENCY", None),
    ("WRITE_CONSISTENCY", None),
    ("SERIAL_CONSISTENCY", "LOCAL_SERIAL"),
    ("REQUEST_TIMEOUT", 5.0),
    ("CONNECT_TIMEOUT", 10.0),
    ("SERVER_TIMEOUT", 10.0),
    ("SHUTDOWN_DRAIN_SECONDS", 30.0),
    ("PRE_STOP_DELAY", 0.0),
    ("HEADER_TIMEOUT", 10.0),
    ("RECONNECT_DELAY", 1.0),
    ("RECONNECT_MAX_DELAY", 10.0),
    ("SPECULATIVE_DELAY", 0.5),
    ("PAGE_SIZE", 1000),
    ("MAX_PAGE_SIZE", 5000),
    ("MAX_CURSOR_PAGE_SIZE", 1000),
    ("MAX_IN_FLIGHT", 1024),
    ("STREAM_READ_AHEAD", True),
    ("STREAM_IDLE_TIMEOUT", 30.0),
    ("MAX_STREAM_SECONDS", 600.0),
    ("MAX_PAGE_BYTES", 1048576),
    ("PAGE_STATE_SECRET", None),
    ("PAGE_STATE_SECRETS", []),
    ("PAGE_STATE_TTL", 86400),
    ("INIT_SCHEMA_ON_STARTUP", False),
    ("LOG_LEVEL", "info"),
    ("ROWS_KEYSPACES", []),
    ("ROWS_ALLOW_FILTERING", False),
    ("ROWS_COMPACT_MAP_DATA", True),
    ("ROWS_STATEMENT_CACHE", 1000),
    ("MAX_CONDITIONS", 32),
    ("MAX_IN_VALUES", 100),
    ("MAX_NUMBER_DIGITS", 1000),
    ("WRITE_TIMESTAMP_AHEAD_SECONDS", 300.0),
    ("WRITE_TIMESTAMP_ANY", False),
    ("PREPARE_CONCURRENCY", 4),
    ("PREPARE_MISSES_PER_SECOND", 20.0),
    ("NEGATIVE_CACHE_SECONDS", 60.0),
    ("KEY_SHAPE_TABLES", 256),
    ("SCHEMA_REFRESHES_PER_SECOND", 2.0),
    ("OPENAPI_MAX_TABLES", 200),
    ("ROWS_INGEST_CONCURRENCY", 64),
    ("API_KEYS", []),
    ("ALLOW_ANONYMOUS_WRITES", False),
    ("PROTECT_READS", False),
    ("MAX_BODY_BYTES", 262144),
    ("MAX_CONCURRENT_REQUESTS", 256),
    ("MAX_QUEUED_REQUESTS", 512),
    ("QUEUE_TIMEOUT_MS", 200),
    ("MAX_STREAMS", 64),
    ("MAX_CONNECTIONS", None),
    ("MEMORY_BUDGET_MB", 4096),
    ("MEMORY_ROW_BYTES", 2048),
    ("READINESS_CACHE_SECONDS", 1.0),
    ("METRICS_ENABLED", True),
    ("METRICS_KEY", None),
    ("METRICS_CACHE_SECONDS", 1.0),
)

# Settings added since 03adda0, each on purpose.
ADDED_SINCE: tuple[str, ...] = (
    "SAMPLE_API",
    "IDENTITY_SESSIONS",
    "IDENTITY_IDLE_SECONDS",
    "IDENTITY_MAX_AGE_SECONDS",
    "IDENTITY_REFUSED_SECONDS",
    "IDENTITY_LOGINS_PER_SECOND",
    "IDENTITY_LOGINS_PER_ADDRESS_PER_SECOND",
    "AUTH_MODE",
    "API_KEYS_FILE",
    "AUTH_TOKEN_TTL_SECONDS",
    "AUTH_TOKEN_MAX_AGE_SECONDS",
    "ROWS_API",
    "ALLOW_ANONYMOUS_READS",
    "LOOPBACK_HOSTS_ONLY",
    "STARGATE_ERROR_CODE_IN_BODY",
    "CQL_API",
    "SCHEMA_CHANGE_TIMEOUT_SECONDS",
    "DATA_API_MAX_INSERT_ROWS",
    "DATA_API_MAX_IN_VALUES",
    "DATA_API_MAX_FILTER_PROPERTIES",
    "DATA_API_PAGE_SIZE",
    "DATA_API_MAX_SORT_ROWS",
    "SCHEMA_API_WRITES",
    "TRUSTED_PROXIES",
    "ACCESS_LOG_PATHS",
    "WRITE_BATCH_MAX_ROWS",
    "WRITE_BATCH_MAX_BYTES",
)


def _default(name: str) -> object:
    info = Settings.model_fields[name]
    return info.default_factory() if info.default_factory is not None else info.default  # type: ignore[call-arg]


def test_every_environment_name_and_default_is_kept() -> None:
    """Today's names and defaults, exactly: a setting added later is listed in ADDED_SINCE, none renamed or changed."""
    now = {name.upper(): _default(name) for name in Settings.model_fields}
    before = dict(ENV_NAMES_AND_DEFAULTS)
    assert {name: now[name] for name in before if name in now} == before
    assert set(now) - set(before) == set(ADDED_SINCE)


def test_every_setting_belongs_to_a_group_with_a_heading() -> None:
    """The groups are Settings' bases; each has a docstring (its docs heading) and none is empty."""
    grouped = [name for base in Settings.__bases__ if base is not BaseSettings for name in base.__pydantic_fields__]
    assert sorted(grouped) == sorted(Settings.model_fields)
    assert all(base.__doc__ for base in Settings.__bases__ if base is not BaseSettings)


def test_no_two_groups_name_a_validator_alike() -> None:
    """Settings inherits every group's validators by name: a second `_check` would silently replace the first."""
    names: list[str] = []
    for base in Settings.__bases__:
        if base is not BaseSettings:
            found = base.__pydantic_decorators__
            names += [*found.field_validators, *found.model_validators]
    assert sorted(names) == sorted(set(names))


# ---- names of durations -----------------------------------------------------------------------------------------

# Durations named before the rule (durations in seconds end in `_seconds`): public names, kept as they are.
NAMED_BEFORE_THE_RULE = {
    "request_timeout",
    "connect_timeout",
    "server_timeout",
    "header_timeout",
    "reconnect_delay",
    "reconnect_max_delay",
    "speculative_delay",
    "pre_stop_delay",
    "stream_idle_timeout",
    "page_state_ttl",
    "queue_timeout_ms",
}
DURATION_WORDS = {
    "timeout",
    "delay",
    "ttl",
    "interval",
    "period",
    "duration",
    "grace",
    "linger",
    "age",
    "ms",
    "seconds",
}
SECONDS_IN_TEXT = re.compile(r"(?<!per )\b(seconds?|milliseconds?)\b")


def is_duration(name: str) -> bool:
    """A number whose name or description speaks of time (rates, `..._per_second`, are not durations)."""
    info = Settings.model_fields[name]
    numeric = {int, float} & {info.annotation, *typing.get_args(info.annotation)}
    if not numeric or name.endswith("_per_second"):
        return False
    return bool(DURATION_WORDS & set(name.split("_")) or SECONDS_IN_TEXT.search(info.description or ""))


def test_a_duration_added_since_the_rule_ends_in_seconds() -> None:
    durations = {name for name in Settings.model_fields if is_duration(name)}
    assert durations >= NAMED_BEFORE_THE_RULE  # each older name is still there, and still seen as a duration
    assert sorted(name for name in durations - NAMED_BEFORE_THE_RULE if not name.endswith("_seconds")) == []


def test_the_duration_rule_sees_the_durations_named_either_way() -> None:
    assert is_duration("max_stream_seconds") and is_duration("queue_timeout_ms") and is_duration("page_state_ttl")
    assert not is_duration("prepare_misses_per_second") and not is_duration("max_page_bytes")
