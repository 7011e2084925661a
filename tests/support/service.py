"""`python -m app` (what scripts/run execs) as a subprocess for the fault tests, and a client that carries its key.

Tests get services from the `launch` fixture (tests/faults/conftest.py), which terminates each one it started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Protocol

import httpx

from app.config import Settings
from tests.support.server import ROOT, Server, free_port, service_env, stop_server, wait_until_answering

API_KEY = "faults-key-0123456789"


class Launch(Protocol):
    """The `launch` fixture: start `python -m app` on these settings, with `workers` and extra environment."""

    def __call__(self, settings: Settings, *, workers: int = 1, **env: str) -> Server: ...


def start_service(
    env: dict[str, str],
    log: Path,
    *,
    workers: int = 1,
    timeout: float = 90,
    host: str = "127.0.0.1",
    port: int | None = None,
) -> Server:
    """`python -m app` on `host` and `port` (a free one by default), ready once /readyz answers 200."""
    port = port or free_port(host)
    with log.open("wb") as handle:  # the child keeps its own descriptor
        process = subprocess.Popen(
            [sys.executable, "-m", "app", "--host", host, "--port", str(port), "--workers", str(workers)],
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a test's SIGTERM reaches the server alone, not pytest
        )
    return wait_until_answering(Server(f"http://{host}:{port}", process, log), "/readyz", timeout)


def service_env_for(settings: Settings, **extra: str) -> dict[str, str]:
    """The subprocess environment: our contact points and keyspace, short timeouts so a fault shows quickly."""
    defaults = {
        "REQUEST_TIMEOUT": "2",
        "SERVER_TIMEOUT": "4",
        "CONNECT_TIMEOUT": "3",
        "LOG_LEVEL": "warning",
        "API_KEYS": API_KEY,
    }
    return service_env(settings, **{**defaults, **extra})


def terminate(server: Server) -> None:
    """SIGTERM (if it still runs), then wait for the exit; SIGKILL if it does not come."""
    if server.process.poll() is None:
        os.kill(server.process.pid, signal.SIGTERM)
    stop_server(server)


def api_client(base_url: str, timeout: float = 30.0) -> httpx.AsyncClient:
    """A client that carries the API key writes need."""
    return httpx.AsyncClient(base_url=base_url, timeout=timeout, headers={"X-API-Key": API_KEY})
