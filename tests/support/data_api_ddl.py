"""The Data API's schema commands called as the transport calls them: a `Command` built on the app's own `Backend`,
handed to the command's handler. For tests of the handlers that need no HTTP (tests/data_api/test_ddl_*.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from app.config import Settings
from app.http.deps import Backend
from app.main import create_app
from app.routes.data_api import ddl_indexes, ddl_keyspaces, ddl_tables, ddl_types
from app.routes.data_api.command import Answer, Command, DataApiError, Spec
from tests.support.app import hardened_settings, lifespan

SCHEMA_COMMANDS: dict[str, Spec] = {
    **ddl_tables.COMMANDS,
    **ddl_indexes.COMMANDS,
    **ddl_types.COMMANDS,
    **ddl_keyspaces.COMMANDS,
}


@asynccontextmanager
async def ddl_backend(base: Settings, **overrides: object) -> AsyncIterator[Backend]:
    """The app's `Backend` (its own lifespan and driver session), serving every non-system keyspace unless
    `rows_keyspaces` says otherwise."""
    settings = hardened_settings(base, **{"rows_keyspaces": "*", "allow_anonymous_reads": True, **overrides})
    async with lifespan(create_app(settings)) as manager:
        yield manager._state["backend"]


async def run(
    backend: Backend, name: str, options: dict[str, Any], *, keyspace: str | None = None, table: str | None = None
) -> Answer:
    command = Command(name, options, backend, keyspace, table, principal="test")
    return await SCHEMA_COMMANDS[name].handler(command)


async def refusal(
    backend: Backend, name: str, options: dict[str, Any], *, keyspace: str | None = None, table: str | None = None
) -> DataApiError:
    """The `DataApiError` the command raises (the test fails if it answers instead)."""
    try:
        answer = await run(backend, name, options, keyspace=keyspace, table=table)
    except DataApiError as exc:
        return exc
    raise AssertionError(f"{name} answered {answer!r} instead of refusing")
