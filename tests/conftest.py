"""Fixtures every test starts from: a throwaway keyspace on the real node, the app in-process, or a real uvicorn."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from cassandra.cluster import Session
from fastapi import FastAPI

from app.cluster import connect
from app.config import Settings, load_settings
from app.main import create_app
from app.schema import apply_schema, drop_keyspace

ROOT = Path(__file__).resolve().parent.parent


def unique(prefix: str = "g") -> str:
    """A name no other test uses: tests never depend on each other's rows."""
    return f"{prefix}{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
def keyspace() -> str:
    return unique("test_")


@pytest.fixture(scope="session")
def settings(keyspace: str) -> Settings:
    # Tests write anonymously; tests/test_auth.py and tests/hardened_app.py build keyed apps of their own.
    return load_settings(
        cassandra_keyspace=keyspace, page_state_secret="tests-only-secret", api_keys="", allow_anonymous_writes=True
    )


@pytest.fixture(scope="session")
def cql(settings: Settings) -> Iterator[Session]:
    """A plain driver session on the throwaway keyspace, with `schema/` applied; dropped at the end."""
    cluster, session = connect(settings)
    apply_schema(session, settings)
    yield session
    drop_keyspace(session, settings.keyspace)
    cluster.shutdown()


@pytest.fixture(scope="session")
async def app(settings: Settings, cql: Session) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with LifespanManager(application) as manager:
        yield manager.app  # type: ignore[misc]


@pytest.fixture(scope="session")
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as http:
        yield http


def client_for(asgi_app: object, headers: dict[str, str] | None = None) -> httpx.AsyncClient:
    """An httpx client that calls the ASGI app in-process (the lifespan must already be running)."""
    transport = httpx.ASGITransport(app=asgi_app)  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://api.test", headers=headers)


@asynccontextmanager
async def app_client(settings: Settings, *, headers: dict[str, str] | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """The app in-process with its own lifespan (its own driver session) and these settings, behind a client."""
    async with LifespanManager(create_app(settings)) as manager, client_for(manager.app, headers) as http:
        yield http


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
        PAGE_STATE_SECRET="tests-only-secret",
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


@pytest.fixture(scope="session")
def server(settings: Settings, cql: Session, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One real uvicorn for the session, on the test keyspace."""
    running = start_server(service_env(settings), tmp_path_factory.mktemp("uvicorn") / "server.log")
    yield running
    stop_server(running)
