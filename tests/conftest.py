"""Fixtures every test starts from: a throwaway keyspace on the real node, the app in-process, or a real uvicorn."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from cassandra.cluster import Session
from fastapi import FastAPI

from app.config import Settings, load_settings
from app.db.cluster import connect
from app.db.schema import apply_schema, drop_keyspace
from app.main import create_app
from tests.support.app import client_for, lifespan, tight_app
from tests.support.names import unique
from tests.support.processes import PAGE_STATE_SECRET, Server, service_env, start_uvicorn, stop_server
from tests.support.stand_in import StandIn, stand_in_for_the_session


@pytest.fixture(scope="session")
def keyspace() -> str:
    return unique("test_")


@pytest.fixture(scope="session")
def settings(keyspace: str) -> Settings:
    # Tests write anonymously; tests/test_auth.py and tests/support/app.py build keyed apps of their own.
    return load_settings(
        cassandra_keyspace=keyspace, page_state_secret=PAGE_STATE_SECRET, api_keys="", allow_anonymous_writes=True
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
    async with lifespan(application) as manager:
        yield manager.app  # type: ignore[misc]


@pytest.fixture(scope="session")
async def session_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as http:
        yield http


@pytest.fixture
async def client(session_client: httpx.AsyncClient) -> httpx.AsyncClient:
    """The session's client, once its app is ready.

    Between tests nothing runs the session's event loop. Under DRIVER_IO=loop the driver's connections live on that
    loop, so after a long stretch of synchronous tests their heartbeats have timed out and the node is marked down
    until the reconnection backoff tries again. A serving process's loop never stands still; this one waits (at most
    30 s, then the test goes on and fails on its own) for the pool to come back instead of failing on the stall."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if (await session_client.get("/readyz")).status_code == 200:
            break
        await asyncio.sleep(0.2)
    return session_client


@pytest.fixture(scope="module")
async def tight(settings: Settings, cql: Session) -> AsyncIterator[object]:
    """The app with one request slot, one stream slot and no queue (tests/support/app.py `tight_app`), per module."""
    async with tight_app(settings) as app:
        yield app


@pytest.fixture(scope="session")
def server(settings: Settings, cql: Session, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One real uvicorn for the session, on the test keyspace."""
    running = start_uvicorn(service_env(settings), tmp_path_factory.mktemp("uvicorn") / "server.log")
    yield running
    stop_server(running)


@pytest.fixture(scope="session")
def stand_in() -> Iterator[StandIn]:
    """The local Astra stand-in (scripts/astra-local), for tests/test_astra.py and the TLS and credential tests."""
    yield from stand_in_for_the_session()
