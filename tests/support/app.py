"""The app in-process behind an httpx client: with the session's settings, or with keys and limits of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from asgi_lifespan import LifespanManager
from starlette.types import ASGIApp

from app.config import Settings, load_settings
from app.main import create_app
from tests.support.processes import PAGE_STATE_SECRET

API_KEY = "test-key-0123456789"
OTHER_KEY = "second-key-abcdef"


# A lifespan connects, prepares the sample's statements and reads the schema: on a loaded 2-core CI (three test
# lanes and their nodes) that took longer than asgi-lifespan's default of 5 s.
LIFESPAN_SECONDS = 60


def lifespan(asgi_app: ASGIApp) -> LifespanManager:
    """The app's lifespan, run in-process (`async with lifespan(app) as manager`)."""
    return LifespanManager(asgi_app, startup_timeout=LIFESPAN_SECONDS, shutdown_timeout=LIFESPAN_SECONDS)


def client_for(asgi_app: object, headers: dict[str, str] | None = None) -> httpx.AsyncClient:
    """An httpx client that calls the ASGI app in-process (the lifespan must already be running)."""
    transport = httpx.ASGITransport(app=asgi_app)  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://api.test", headers=headers)


@asynccontextmanager
async def app_client(settings: Settings, *, headers: dict[str, str] | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """The app in-process with its own lifespan (its own driver session) and these settings, behind a client."""
    async with lifespan(create_app(settings)) as manager, client_for(manager.app, headers) as http:
        yield http


def hardened_settings(base: Settings, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "cassandra_keyspace": base.keyspace,
        "page_state_secret": PAGE_STATE_SECRET,
        "api_keys": f"{API_KEY},{OTHER_KEY}",
        "allow_anonymous_writes": False,
        "protect_reads": False,
        "log_level": "warning",
    }
    values.update(overrides)
    return load_settings(**values)


@asynccontextmanager
async def hardened_client(
    base: Settings, *, headers: dict[str, str] | None = None, **overrides: object
) -> AsyncIterator[httpx.AsyncClient]:
    """The app in-process (its own lifespan, its own driver session) behind an httpx client."""
    async with app_client(hardened_settings(base, **overrides), headers=headers) as client:
        yield client


@asynccontextmanager
async def tight_app(base: Settings) -> AsyncIterator[object]:
    """The app in-process, keyed, with one request slot, one stream slot and no queue (its lifespan running): what
    the admission tests fill and overflow. A client comes from `client_for(app)`."""
    limits = {"max_concurrent_requests": 1, "max_streams": 1, "max_queued_requests": 0, "queue_timeout_ms": 0}
    async with lifespan(create_app(hardened_settings(base, **limits))) as manager:
        yield manager.app
