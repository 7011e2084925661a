"""The Data API face's tests: one app per module (open reads and anonymous writes, keys mode), on the session's
keyspace, and tables of each module's own made over CQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from cassandra.cluster import Session

from app.config import Settings, load_settings
from app.main import create_app
from tests.support.app import client_for, lifespan
from tests.support.processes import PAGE_STATE_SECRET


@pytest.fixture(scope="module")
async def api(settings: Settings, cql: Session) -> AsyncIterator[httpx.AsyncClient]:
    """The app of this module: anonymous reads and writes on the session keyspace (keys mode, no keys)."""
    own = load_settings(
        cassandra_keyspace=settings.keyspace,
        page_state_secret=PAGE_STATE_SECRET,
        api_keys="",
        allow_anonymous_writes=True,
        log_level="warning",
    )
    async with lifespan(create_app(own)) as manager, client_for(manager.app) as client:
        yield client
