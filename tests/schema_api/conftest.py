"""One app per module, serving two keyspaces of the module's own, created over the API and dropped at the end."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from cassandra.cluster import Session

from app.config import Settings
from tests.support.schema_api import S, create_keyspace, keyspace_names, schema_client


@pytest.fixture(scope="module")
def served() -> list[str]:
    """The module's keyspaces: the first is created for it, the others are left for its tests to create."""
    return keyspace_names(3)


@pytest.fixture(scope="module")
async def api(settings: Settings, cql: Session, served: list[str]) -> AsyncIterator[httpx.AsyncClient]:
    """`cql`: the session's keyspace exists (the app's driver session starts in it)."""
    async with schema_client(settings, served) as client:
        await create_keyspace(client, served[0])
        yield client
        for name in served:
            await client.delete(f"{S}/{name}")


@pytest.fixture(scope="module")
def ks(api: httpx.AsyncClient, served: list[str]) -> str:
    return served[0]
