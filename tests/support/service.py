"""What a test reads off a service process from outside: its /metrics, descriptors, sockets and log lines; and the
fault tests' client and environment.

The processes themselves are started and stopped by tests/support/processes.py; the fault tests get theirs from the
`launch` fixture (tests/faults/conftest.py), which stops each one it started.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import httpx

from app.config import Settings
from tests.support.processes import Server

API_KEY = "faults-key-0123456789"


class Launch(Protocol):
    """The `launch` fixture: start `python -m app` on these settings, with `workers` and extra environment."""

    def __call__(self, settings: Settings, *, workers: int = 1, **env: str) -> Server: ...


# The fault tests' services: short timeouts so that a fault shows quickly, and a key for writes.
FAULT_ENV = {
    "REQUEST_TIMEOUT": "2",
    "SERVER_TIMEOUT": "4",
    "CONNECT_TIMEOUT": "3",
    "LOG_LEVEL": "warning",
    "API_KEYS": API_KEY,
}


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
