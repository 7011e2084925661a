"""The service as a real process, for what needs a socket: streams, disconnects, shutdown, start-up failures.

Two ways to run it, one way to stop anything:
- `start_uvicorn`: a plain uvicorn serving app.main:app (ready once /healthz answers);
- `start_app`: `python -m app`, what scripts/run execs: the guarded protocol (header deadline, connection cap),
  draining on SIGTERM, the memory bound's log line, workers (ready once /readyz answers);
- `stop_process` / `stop_server`: SIGTERM, a grace period, then SIGKILL (bench/harness/processes.py, shared with
  the benchmark).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.config import Settings
from bench.harness.processes import answers, free_port, stop_process
from bench.harness.proxy import TcpProxy
from bench.harness.proxy import start as start_proxy

ROOT = Path(__file__).resolve().parents[2]
# The cursor secret of every test service: PAGE_STATE_SECRETS wants at least 32 bytes.
PAGE_STATE_SECRET = "tests-only-page-state-secret-0123456789"
# How long a start-up that must fail may take before the test calls it a hang.
FAILURE_TIMEOUT = 90

__all__ = [
    "PAGE_STATE_SECRET",
    "ROOT",
    "Server",
    "failed_start",
    "free_port",
    "proxied_uvicorn",
    "service_env",
    "start_app",
    "start_uvicorn",
    "stop_process",
    "stop_server",
    "wait_until_answering",
]


def service_env(settings: Settings, **extra: str) -> dict[str, str]:
    """Environment for a service process on the same database and keyspace as `settings`: open writes, no keys,
    quiet logs, the tests' cursor secret; `extra` adds or overrides variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASTRA_DB_", "CASSANDRA_"))}
    env.update(
        CASSANDRA_CONTACT_POINTS=",".join(settings.cassandra_contact_points),
        CASSANDRA_PORT=str(settings.cassandra_port),
        CASSANDRA_KEYSPACE=settings.keyspace,
        PAGE_STATE_SECRET=PAGE_STATE_SECRET,
        API_KEYS="",
        ALLOW_ANONYMOUS_WRITES="true",
        LOG_LEVEL="warning",
    )
    env.update(extra)
    return env


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def _spawn(
    command: list[str],
    env: dict[str, str],
    log: Path,
    *,
    own_session: bool = False,
    before_exec: Callable[[], None] | None = None,
) -> subprocess.Popen[bytes]:
    with log.open("wb") as handle:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=own_session,
            preexec_fn=before_exec,
        )


def start_uvicorn(env: dict[str, str], log: Path, *, wait_ready: bool = True, timeout: float = 60) -> Server:
    """A real uvicorn serving app.main:app on a free port, answering /healthz (unless `wait_ready` is False)."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "app.main:app", "--port", str(port)]
    process = _spawn([*command, "--loop", "uvloop", "--http", "httptools"], env, log)
    server = Server(f"http://127.0.0.1:{port}", process, log)
    return wait_until_answering(server, "/healthz", timeout) if wait_ready else server


def start_app(
    env: dict[str, str],
    log: Path,
    *,
    workers: int = 1,
    timeout: float = 90,
    host: str = "127.0.0.1",
    port: int | None = None,
    wait_path: str | None = "/readyz",
    max_descriptors: int | None = None,
) -> Server:
    """`python -m app` on `host` and `port` (a free one by default), ready once `wait_path` answers 200 (None: do
    not wait); `max_descriptors` sets its RLIMIT_NOFILE (soft and hard) before it starts. It gets a session of its
    own, so a test's SIGTERM reaches the server alone, not pytest."""
    port = port or free_port(host)

    def limit_descriptors() -> None:  # in the child, before exec
        if max_descriptors is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (max_descriptors, max_descriptors))

    command = [sys.executable, "-m", "app", "--host", host, "--port", str(port), "--workers", str(workers)]
    preexec = limit_descriptors if max_descriptors is not None else None
    process = _spawn(command, env, log, own_session=True, before_exec=preexec)
    server = Server(f"http://{host}:{port}", process, log)
    return wait_until_answering(server, wait_path, timeout) if wait_path else server


def wait_until_answering(server: Server, path: str, timeout: float) -> Server:
    """Poll `path` until it answers 200; a server that exits or stays silent fails the test with its log."""
    if answers(f"{server.url}{path}", server.process, timeout):
        return server
    if server.process.poll() is not None:
        raise RuntimeError(f"the service exited with {server.process.returncode}:\n{server.output()}")
    stop_server(server)
    raise RuntimeError(f"the service did not answer {path} within {timeout}s:\n{server.output()}")


@contextmanager
def proxied_uvicorn(settings: Settings, host: str, log: Path, **env: str) -> Iterator[tuple[Server, TcpProxy]]:
    """A real uvicorn whose only way to Cassandra is a TCP proxy on `host` (a loopback address of the test's own)
    that the test can cut; both stopped on the way out."""
    proxy = start_proxy(host, free_port(host), settings.cassandra_contact_points[0], settings.cassandra_port)
    env = {"CASSANDRA_CONTACT_POINTS": host, "CASSANDRA_PORT": str(proxy.port), **env}
    try:
        running = start_uvicorn(service_env(settings, **env), log)
        try:
            yield running, proxy
        finally:
            stop_server(running)
    finally:
        proxy.close()


def stop_server(server: Server, grace: float = 30, *, signal: bool = True) -> int:
    """`stop_process` on the server's process: its exit status."""
    return stop_process(server.process, grace, signal=signal)


def failed_start(env: dict[str, str], log: Path, *, code: int | None = None) -> str:
    """A real uvicorn that must fail: its output, after checking it exited non-zero (with `code`, when given)
    without a traceback."""
    server = start_uvicorn(env, log, wait_ready=False)
    try:
        exited = server.process.wait(timeout=FAILURE_TIMEOUT)
    except subprocess.TimeoutExpired:
        stop_server(server)
        pytest.fail(f"uvicorn hung instead of failing:\n{server.output()}")
    output = server.output()
    assert exited != 0, output
    assert code is None or exited == code, output
    assert "Traceback" not in output, output
    return output
