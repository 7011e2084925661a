"""`python -m app` (what scripts/run execs) as a subprocess, and what a test reads off it from outside.

The fault tests get services from the `launch` fixture (tests/faults/conftest.py), which terminates each one it
started; the edge tests use `start_service` for what only the launcher has: the guarded protocol (header deadline,
connection cap), draining on SIGTERM, the memory bound's log line, the workers' exit status.
`tests/support/server.py` runs a plain uvicorn instead.
"""

from __future__ import annotations

import os
import re
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable
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
    wait_path: str | None = "/readyz",
    max_descriptors: int | None = None,
) -> Server:
    """`python -m app` on `host` and `port` (a free one by default), ready once `wait_path` answers 200 (None: do
    not wait); `max_descriptors` sets its RLIMIT_NOFILE (soft and hard) before it starts."""
    port = port or free_port(host)

    def limit_descriptors() -> None:  # in the child, before exec
        if max_descriptors is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (max_descriptors, max_descriptors))

    with log.open("wb") as handle:  # the child keeps its own descriptor
        process = subprocess.Popen(
            [sys.executable, "-m", "app", "--host", host, "--port", str(port), "--workers", str(workers)],
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a test's SIGTERM reaches the server alone, not pytest
            preexec_fn=limit_descriptors if max_descriptors is not None else None,
        )
    server = Server(f"http://{host}:{port}", process, log)
    return wait_until_answering(server, wait_path, timeout) if wait_path else server


def wait_for(check: Callable[[], bool], within: float, interval: float = 0.1) -> float:
    """Seconds until `check()` is true, polled every `interval`; fails the test after `within`."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > within:
            raise AssertionError(f"not within {within} s")
        time.sleep(interval)
    return time.monotonic() - started


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


def port_of(server: Server) -> int:
    return int(server.url.rsplit(":", 1)[1])


def metric(server: Server, name: str, headers: dict[str, str] | None = None, **labels: str) -> float:
    """One sample of the service's /metrics (0 when absent)."""
    text = httpx.get(f"{server.url}/metrics", headers=headers, timeout=10).text
    wanted = name + ("{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}" if labels else "")
    for line in text.splitlines():
        if line.startswith(wanted + " "):
            return float(line.split()[-1])
    return 0.0


def open_descriptors(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def socket_inodes(pid: int) -> set[int]:
    found = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            found.add(int(target[8:-1]))
    return found


def tcp_connections(pid: int, keep: Callable[[int, int], bool]) -> list[tuple[int, int]]:
    """(local port, remote port) of the process's TCP sockets for which `keep(local, remote)` holds."""
    inodes = socket_inodes(pid)
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, remote, inode = fields[1], fields[2], int(fields[9])
            ports = int(local.rsplit(":", 1)[1], 16), int(remote.rsplit(":", 1)[1], 16)
            if inode in inodes and keep(*ports):
                found.append(ports)
    return found


def json_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("{")]


def non_json_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip() and not re.match(r"^\{.*\}$", line)]
