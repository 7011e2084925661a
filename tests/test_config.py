"""Configuration: a missing or contradictory setting fails at start-up with one clear line, secrets never echoed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app.config import Mode, load_settings
from app.exceptions import ConfigError
from tests.support.names import unique
from tests.support.processes import ROOT, free_port, service_env, start_uvicorn, stop_server

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


def test_launcher_exits_with_one_line_on_contradictory_configuration() -> None:
    env = service_env(load_settings(), ASTRA_DB_KEYSPACE="sample")
    result = subprocess.run(
        [sys.executable, "-m", "app"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert result.stderr.startswith("configuration error: Astra DB configuration is incomplete")


def test_unreachable_cassandra_fails_start_up_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    env = service_env(load_settings(), CASSANDRA_PORT=str(free_port()), CONNECT_TIMEOUT="3")
    server = start_uvicorn(env, tmp_path / "uvicorn.log", wait_ready=False)
    assert server.process.wait(60) == 3
    output = server.output()
    assert "start-up failed: cannot reach Cassandra at 127.0.0.1" in output
    assert "Traceback" not in output


def test_missing_keyspace_fails_start_up_saying_to_run_init_db(tmp_path: Path) -> None:
    env = service_env(load_settings(), CASSANDRA_KEYSPACE=unique("missing_"))
    server = start_uvicorn(env, tmp_path / "uvicorn.log", wait_ready=False)
    try:
        assert server.process.wait(60) == 3
    finally:
        stop_server(server)
    output = server.output()
    assert "does not exist: run scripts/init-db" in output
    assert "Traceback" not in output


@pytest.mark.parametrize("level", ["INFO", " Warning "])
def test_log_level_is_case_insensitive(level: str) -> None:
    assert load_settings(log_level=level).log_level == level.strip().lower()


def test_a_bad_log_level_is_one_configuration_line_from_the_launcher() -> None:
    env = service_env(load_settings(), LOG_LEVEL="loud")
    result = subprocess.run(
        [sys.executable, "-m", "app"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert result.stderr.startswith("configuration error: LOG_LEVEL:")


def test_a_bad_configuration_under_plain_uvicorn_fails_start_up_with_one_line(tmp_path: Path) -> None:
    server = start_uvicorn(service_env(load_settings(), LOG_LEVEL="loud"), tmp_path / "uvicorn.log", wait_ready=False)
    assert server.process.wait(60) == 3
    output = server.output()
    assert "configuration error: LOG_LEVEL:" in output
    assert "Traceback" not in output


def test_an_empty_astra_variable_counts_as_unset() -> None:
    settings = load_settings(astra_db_secure_bundle_path="", astra_db_client_id=" ")
    assert settings.mode is Mode.SELF_HOSTED
