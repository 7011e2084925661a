"""A real uvicorn or `python -m app` in a subprocess, for what needs a socket: streams, disconnects, shutdown."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from app.config import Settings

ROOT = Path(__file__).resolve().parents[2]
# The cursor secret of every test service: PAGE_STATE_SECRETS wants at least 32 bytes.
PAGE_STATE_SECRET = "tests-only-page-state-secret-0123456789"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def service_env(settings: Settings, **extra: str) -> dict[str, str]:
    """Environment for a uvicorn subprocess that talks to the same throwaway keyspace."""
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


def start_server(env: dict[str, str], log: Path, *, wait_ready: bool = True, timeout: float = 60) -> Server:
    """A real uvicorn serving app.main:app, for what needs a socket: streaming, disconnects, shutdown, start-up."""
    port = free_port()
    with log.open("wb") as handle:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "app.main:app",
                "--port",
                str(port),
                "--loop",
                "uvloop",
                "--http",
                "httptools",
            ],
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    return wait_until_answering(server, "/healthz", timeout) if wait_ready else server


def wait_until_answering(server: Server, path: str, timeout: float) -> Server:
    """Poll `path` until it answers 200; a server that exits or stays silent fails the test with its log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the service exited with {server.process.returncode}:\n{server.output()}")
        try:
            if httpx.get(f"{server.url}{path}", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    stop_server(server)
    raise RuntimeError(f"the service did not answer {path} within {timeout}s:\n{server.output()}")


def stop_server(server: Server, timeout: float = 30) -> int:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
    return server.process.returncode
