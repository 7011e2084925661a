"""An app with explicit hardening settings (keys, limits) on the test keyspace, for the issue-6 test modules."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from app.config import Settings, load_settings
from tests.conftest import app_client

API_KEY = "test-key-0123456789"
OTHER_KEY = "second-key-abcdef"


def hardened_settings(base: Settings, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "cassandra_keyspace": base.keyspace,
        "page_state_secret": "tests-only-secret",
        "api_keys": f"{API_KEY},{OTHER_KEY}",
        "allow_anonymous_writes": False,
        "protect_reads": False,
        "log_level": "warning",
    }
    values.update(overrides)
    return load_settings(**values)


@asynccontextmanager
async def hardened_client(base: Settings, *, headers: dict[str, str] | None = None,
                          **overrides: object) -> AsyncIterator[httpx.AsyncClient]:
    """The app in-process (its own lifespan, its own driver session) behind an httpx client."""
    async with app_client(hardened_settings(base, **overrides), headers=headers) as client:
        yield client
