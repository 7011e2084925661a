"""Database trouble is an answer, not a traceback: 503 with Retry-After, or 504, always with a JSON body.

The failures are real: the service reaches Cassandra through a TCP proxy that the test cuts, or waits on the
driver with a timeout shorter than any real answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import httpx
import orjson
import pytest
from cassandra import ConsistencyLevel, OperationTimedOut, ReadTimeout, Unavailable, WriteTimeout
from cassandra.cluster import NoHostAvailable, Session
from cassandra.protocol import OverloadedErrorMessage

from app.config import Settings
from app.db.errors import map_driver_error
from app.http.errors import error_response
from bench.harness import proxy as tcp_proxy
from tests.support.app import app_client


@pytest.fixture
def proxy(settings: Settings, cql: Session) -> Iterator[tcp_proxy.TcpProxy]:
    running = tcp_proxy.start("127.0.0.1", 0, settings.cassandra_contact_points[0], settings.cassandra_port)
    yield running
    running.close()


@pytest.fixture
async def proxied_client(settings: Settings, proxy: tcp_proxy.TcpProxy) -> AsyncIterator[httpx.AsyncClient]:
    """The app, connected to the real node only through the proxy."""
    proxied = settings.model_copy(update={"cassandra_port": proxy.port, "request_timeout": 2.0})
    async with app_client(proxied) as http:
        yield http


async def test_reads_work_through_the_proxy(proxied_client: httpx.AsyncClient) -> None:
    response = await proxied_client.get("/animal/Vanessa/atalanta")
    assert response.status_code == 200


async def test_unreachable_node_answers_503_with_retry_after_and_a_json_body(
    proxied_client: httpx.AsyncClient, proxy: tcp_proxy.TcpProxy
) -> None:
    proxy.cut()
    await asyncio.sleep(0.2)  # let the driver's IO thread see the reset
    for path in ("/animal/Vanessa/atalanta", "/plant/Plantago", "/plant/Plantago?format=ndjson"):
        response = await proxied_client.get(path)
        assert response.status_code == 503, path
        assert response.headers["retry-after"].isdigit()
        assert response.json()["error"] == "database_unavailable"
        assert response.json()["detail"]


async def test_writes_to_an_unreachable_node_answer_503(
    proxied_client: httpx.AsyncClient, proxy: tcp_proxy.TcpProxy
) -> None:
    proxy.cut()
    await asyncio.sleep(0.2)
    response = await proxied_client.post("/plant", json={"genus": "Cut", "species": "off", "sightings": 1})
    assert response.status_code == 503
    assert response.json()["error"] == "database_unavailable"


async def test_readyz_turns_503_when_the_node_is_unreachable(
    settings: Settings, proxied_client: httpx.AsyncClient, proxy: tcp_proxy.TcpProxy
) -> None:
    assert (await proxied_client.get("/readyz")).status_code == 200
    proxy.cut()
    await asyncio.sleep(0.2 + settings.readiness_cache_seconds)  # /readyz answers from its last check until then
    response = await proxied_client.get("/readyz")
    assert response.status_code == 503
    assert (await proxied_client.get("/healthz")).status_code == 200  # the process itself is fine


async def test_driver_timeout_answers_504(settings: Settings, cql: Session) -> None:
    impatient = settings.model_copy(update={"request_timeout": 0.00001})
    async with app_client(impatient) as http:
        response = await http.get("/plant/Plantago")
    assert response.status_code == 504
    assert response.json()["error"] == "database_timeout"
    assert "retry-after" not in response.headers


@pytest.mark.parametrize(
    ("exc", "status", "error"),
    [
        (NoHostAvailable("none", {}), 503, "database_unavailable"),
        (Unavailable("x", ConsistencyLevel.QUORUM, 2, 1), 503, "database_unavailable"),
        (OverloadedErrorMessage(0x1001, "busy", None), 503, "database_overloaded"),
        (ReadTimeout("x"), 504, "database_timeout"),
        (WriteTimeout("x", write_type=0), 504, "database_timeout"),
        (OperationTimedOut("x"), 504, "database_timeout"),
        (RuntimeError("anything else"), 503, "database_error"),
    ],
)
def test_driver_exceptions_map_to_http_statuses(exc: Exception, status: int, error: str) -> None:
    mapped = map_driver_error(exc)
    assert (mapped.status, mapped.error) == (status, error)


def test_an_error_quoting_text_that_is_not_utf8_is_still_written() -> None:
    answer = error_response(400, "unknown_field", "Unknown field name 'a\ud800'", path="/v2/keyspaces/ks/t")
    assert orjson.loads(answer.body)["description"] == "Unknown field name 'a\\ud800'"
