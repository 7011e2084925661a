"""The edge as one layer (app/http/edge.py): its answers before and around the app carry the request id, and the
server timeout bounds a handler until its status line, never a stream after it. Routes of the test's own are added
to the app, as tests/test_unhandled_errors.py does, because no route of the service can be made slow on demand."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from cassandra.cluster import Session
from starlette.responses import StreamingResponse

from app.config import Settings
from app.main import create_app
from tests.support.app import API_KEY, client_for, hardened_settings, lifespan
from tests.support.rows import assert_stargate_error

SERVER_TIMEOUT = 0.5


async def slow() -> None:
    await asyncio.sleep(SERVER_TIMEOUT * 10)


async def fails() -> None:
    raise RuntimeError("a bug before the answer")


async def long_stream() -> StreamingResponse:
    async def body() -> AsyncIterator[bytes]:
        for part in (b"[1", b",2", b",3]"):
            yield part
            await asyncio.sleep(SERVER_TIMEOUT)

    return StreamingResponse(body(), media_type="application/json")


@pytest.fixture(scope="module")
async def client(settings: Settings, cql: Session) -> AsyncIterator[httpx.AsyncClient]:
    application = create_app(hardened_settings(settings, server_timeout=SERVER_TIMEOUT))
    application.add_api_route("/test-only/slow", slow)
    application.add_api_route("/test-only/fails", fails)
    application.add_api_route("/test-only/long-stream", long_stream)
    async with lifespan(application) as manager, client_for(manager.app) as http:
        yield http


async def test_a_handler_slower_than_the_server_timeout_is_a_504_with_its_request_id(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/test-only/slow", headers={"X-Request-ID": "slow-1"})
    assert response.status_code == 504
    assert response.json()["error"] == "server_timeout"
    assert response.headers["x-request-id"] == "slow-1"


async def test_an_unhandled_exception_is_a_json_500_with_its_request_id(client: httpx.AsyncClient) -> None:
    response = await client.get("/test-only/fails", headers={"X-Request-ID": "bug-1"})
    assert response.status_code == 500
    assert response.json() == {"error": "internal_error", "detail": "an unexpected error occurred"}
    assert response.headers["x-request-id"] == "bug-1"


async def test_a_stream_longer_than_the_server_timeout_is_not_cut(client: httpx.AsyncClient) -> None:
    response = await client.get("/test-only/long-stream")
    assert (response.status_code, response.json()) == (200, [1, 2, 3])


async def test_an_oversized_body_on_a_hot_route_is_a_413_in_stargates_shape(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    """Counted while it is read (no Content-Length): the hot route's own read meets the limit."""

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(settings.max_body_bytes // 1024 + 2):
            yield b" " * 1024

    response = await client.post(
        f"/v2/keyspaces/{settings.keyspace}/animals",
        content=chunks(),
        headers={"Content-Type": "application/json", "X-API-Key": API_KEY},
    )
    assert_stargate_error(response, 413, error="payload_too_large")
