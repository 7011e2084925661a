"""The database-error line writes the path as the access line does (ACCESS_LOG_PATHS): under `template` the route
template, so a key in the path lands in no line of the request. The error is real: a driver timeout shorter than
any answer of the node (as tests/test_errors.py provokes its 504). One app per test, not per module: how error lines
write paths is set per process as an app is made (`app.http.errors.configure`), so two apps must not overlap."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from cassandra.cluster import Session

from app.config import Settings
from tests.support.app import hardened_client
from tests.support.log_lines import AccessLines, lines_of

KEY_ROUTE = "/v2/keyspaces/{keyspace}/{table}/{key:path}"
SECRET = "Secretgenus/secretspecies"


@pytest.fixture
async def templated(settings: Settings, cql: Session) -> AsyncIterator[httpx.AsyncClient]:
    async with hardened_client(settings, request_timeout=0.00001, access_log_paths="template") as client:
        yield client


@pytest.fixture
async def raw(settings: Settings, cql: Session) -> AsyncIterator[httpx.AsyncClient]:
    async with hardened_client(settings, request_timeout=0.00001, access_log_paths="raw") as client:
        yield client


@pytest.fixture
def error_lines() -> Iterator[AccessLines]:
    yield from lines_of("app.errors")


async def timed_out_read(client: httpx.AsyncClient, settings: Settings) -> str:
    path = f"/v2/keyspaces/{settings.keyspace}/animals/{SECRET}"
    response = await client.get(path)
    assert response.status_code == 504
    return path


async def test_under_template_paths_the_database_error_line_names_the_route_template(
    templated: httpx.AsyncClient, settings: Settings, error_lines: AccessLines
) -> None:
    await timed_out_read(templated, settings)
    assert error_lines.fields == [{"method": "GET", "path": KEY_ROUTE, "error": "database_timeout"}]


async def test_under_template_paths_the_key_is_in_no_error_message(
    templated: httpx.AsyncClient, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="app.errors"):
        await timed_out_read(templated, settings)
    messages = [record.getMessage() for record in caplog.records if record.name == "app.errors"]
    assert messages and not [message for message in messages if SECRET in message]


async def test_under_raw_paths_the_database_error_line_names_the_path_as_requested(
    raw: httpx.AsyncClient, settings: Settings, error_lines: AccessLines
) -> None:
    path = await timed_out_read(raw, settings)
    assert error_lines.fields == [{"method": "GET", "path": path, "error": "database_timeout"}]
