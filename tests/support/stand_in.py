"""The local Astra stand-in (`scripts/astra-local`) as the tests use it: started once per session (the `stand_in`
fixture in tests/conftest.py), with the four variables of its bundle and a superuser session for provisioning.

Its node is also a self-hosted Cassandra with client TLS (mutual), PasswordAuthenticator and CassandraAuthorizer:
tests/test_tls.py and tests/test_permanent_errors.py use it that way too.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from app.config import Settings, load_settings
from astra_local.stand_in import Layout
from tests.support.processes import PAGE_STATE_SECRET, ROOT

START_TIMEOUT = 240


@dataclass(frozen=True)
class StandIn:
    layout: Layout
    variables: dict[str, str]

    def settings(self, **overrides: Any) -> Settings:
        values: dict[str, Any] = {k.lower(): v for k, v in self.variables.items()}
        values.update(page_state_secret=PAGE_STATE_SECRET, _env_file=None)
        values.update(overrides)
        return load_settings(**values)

    def env(self, **overrides: str) -> dict[str, str]:
        """A uvicorn subprocess's environment: the four variables and nothing self-hosted."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ASTRA_DB_", "CASSANDRA_"))}
        env.update(self.variables, PAGE_STATE_SECRET=PAGE_STATE_SECRET, LOG_LEVEL="warning", CONNECT_TIMEOUT="5")
        env.update(overrides)
        return env

    @property
    def keyspace(self) -> str:
        return self.variables["ASTRA_DB_KEYSPACE"]


def run_script(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=START_TIMEOUT, check=False
    )


def read_env_file(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#"))
    return {name: value for name, value in pairs}


def stand_in_for_the_session() -> Iterator[StandIn]:
    """`scripts/astra-local start`, then `scripts/init-db` through the bundle; stopped at the end of the session.

    It fails (never skips) when the stand-in cannot start: the Astra path is part of what CI proves. A stand-in a
    developer already had running is left running.
    """
    already_running = run_script("scripts/astra-local", "status").returncode == 0
    started = run_script("scripts/astra-local", "start")
    if started.returncode != 0:
        run_script("scripts/astra-local", "stop")
        pytest.fail(f"scripts/astra-local start failed:\n{started.stdout}\n{started.stderr}", pytrace=False)
    layout = Layout.from_env()
    variables = read_env_file(layout.env_file)
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ASTRA_DB_", "CASSANDRA_"))}
        init = run_script("scripts/init-db", env={**env, **variables})
        if init.returncode != 0:
            pytest.fail(f"scripts/init-db through the bundle failed:\n{init.stdout}\n{init.stderr}", pytrace=False)
        yield StandIn(layout, variables)
    finally:
        if not already_running:
            stopped = run_script("scripts/astra-local", "stop")
            assert stopped.returncode == 0, stopped.stderr
