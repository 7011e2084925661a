"""Streams through a real uvicorn socket: complete and ordered, paging that stops with the client, errors mid-stream."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import orjson
import pytest
import uvicorn
from cassandra.cluster import Session
from cassandra.concurrent import execute_concurrent_with_args
from prometheus_client import REGISTRY

from app.config import Settings
from app.db.database import Database
from app.db.statements import CQL
from app.main import create_app
from bench.harness import proxy as tcp_proxy
from tests.support.names import unique
from tests.support.processes import Server, free_port, proxied_uvicorn

MANY = 10_000
BIG_ROWS = 4_000
BIG_URL = "https://example.org/" + "x" * 8_000  # ~8 KB a row: the stream outgrows every socket buffer
NDJSON = {"accept": "application/x-ndjson"}


def species(i: int) -> str:
    return f"s{i:06d}"  # zero-padded, so clustering order is numeric order


def load_plants(cql: Session, genus: str, count: int) -> None:
    statement = cql.prepare(CQL["upsert_plant"])
    execute_concurrent_with_args(cql, statement, [(genus, species(i), i) for i in range(count)], concurrency=128)


def load_big_animals(cql: Session, genus: str, count: int) -> None:
    statement = cql.prepare(CQL["upsert_animal"])
    rows = [(genus, species(i), BIG_URL, 1.5, i, ["Chordata"]) for i in range(count)]
    execute_concurrent_with_args(cql, statement, rows, concurrency=128)


@pytest.fixture(scope="module")
def many_plants(cql: Session) -> str:
    genus = unique("many")
    load_plants(cql, genus, MANY)
    return genus


@pytest.fixture(scope="module")
def big_animals(cql: Session) -> str:
    genus = unique("big")
    load_big_animals(cql, genus, BIG_ROWS)
    return genus


def test_ndjson_stream_of_many_pages_is_complete_and_in_order(server: Server, many_plants: str) -> None:
    url = f"{server.url}/plant/{many_plants}?page_size=100"
    rows = []
    with httpx.stream("GET", url, headers=NDJSON, timeout=60) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/x-ndjson")
        for line in response.iter_lines():
            rows.append(orjson.loads(line))
    assert [row["species"] for row in rows] == [species(i) for i in range(MANY)]
    assert rows[1234] == {"genus": many_plants, "species": species(1234), "sightings": 1234}


def test_json_array_stream_of_many_pages_is_complete_and_in_order(server: Server, many_plants: str) -> None:
    response = httpx.get(f"{server.url}/plant/{many_plants}", params={"page_size": 100, "format": "json"}, timeout=60)
    assert response.status_code == 200
    rows = orjson.loads(response.content)
    assert [row["species"] for row in rows] == [species(i) for i in range(MANY)]


def test_ndjson_is_chosen_by_the_format_parameter_and_by_jsonl_accept(server: Server, many_plants: str) -> None:
    by_format = httpx.get(f"{server.url}/plant/{many_plants}?format=ndjson&page_size=700", timeout=60)
    by_accept = httpx.get(f"{server.url}/plant/{many_plants}", headers={"accept": "application/jsonl"}, timeout=60)
    assert by_accept.headers["content-type"].startswith("application/jsonl")
    assert by_format.content == by_accept.content
    assert len(by_format.content.splitlines()) == MANY


def test_empty_listing_streams_as_empty_array_and_no_lines(server: Server) -> None:
    genus = unique("none")
    assert httpx.get(f"{server.url}/plant/{genus}", timeout=10).json() == []
    assert httpx.get(f"{server.url}/plant/{genus}", headers=NDJSON, timeout=10).content == b""


@pytest.fixture(scope="module")
async def local_server(settings: Settings, cql: Session) -> AsyncIterator[str]:
    """The app under a real uvicorn in this process and loop, so the test can read the process's page counters."""
    port = free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    running = uvicorn.Server(config)
    task = asyncio.ensure_future(running.serve())
    while not running.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    yield f"127.0.0.1:{port}"
    running.should_exit = True
    await task


def pages_fetched() -> int:
    """Driver pages fetched for listings by this process, in every framing (`app_pages_fetched_total`)."""
    framings = ("json", "ndjson", "page")
    return int(sum(REGISTRY.get_sample_value("app_pages_fetched_total", {"framing": f}) or 0 for f in framings))


async def settled(read: int, *, quiet: float = 0.5, limit: float = 20) -> int:
    """Wait until a counter stops moving (the service is blocked or idle) and return it; no timing is asserted."""
    last = pages_fetched()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while loop.time() < deadline:
        await asyncio.sleep(quiet)
        if pages_fetched() == last:
            return last
        last = pages_fetched()
    return last


async def test_stream_stops_paging_when_client_disconnects(local_server: str, big_animals: str) -> None:
    host, port = local_server.split(":")
    page_size = 20
    total_pages = BIG_ROWS // page_size
    before = pages_fetched()
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a reader that takes a little and then stalls
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (host, int(port)))
    reader, writer = await asyncio.open_connection(sock=sock, limit=4096)
    writer.write(f"GET /animal/{big_animals}?format=ndjson&page_size={page_size} HTTP/1.1\r\nhost: t\r\n\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    await reader.readexactly(4096)

    stalled = await settled(pages_fetched()) - before
    assert 1 <= stalled < total_pages // 2, "the service must stall on a stalled reader, not read the partition"

    writer.transport.abort()
    after = await settled(pages_fetched()) - before
    assert after <= stalled + 1  # at most the one page that was already on its way
    assert after < total_pages


@pytest.fixture
def proxied_server(settings: Settings, cql: Session, tmp_path: Path) -> Iterator[tuple[Server, tcp_proxy.TcpProxy]]:
    """A uvicorn subprocess whose only way to Cassandra is a proxy the test can cut."""
    with proxied_uvicorn(settings, "127.0.0.7", tmp_path / "server.log") as running:
        yield running


def test_ndjson_stream_ends_with_an_error_line_when_the_database_fails_mid_stream(
    proxied_server: tuple[Server, tcp_proxy.TcpProxy], big_animals: str
) -> None:
    server, proxy = proxied_server
    lines: list[dict[str, object]] = []
    with httpx.stream("GET", f"{server.url}/animal/{big_animals}?page_size=20", headers=NDJSON, timeout=60) as resp:
        assert resp.status_code == 200
        for line in resp.iter_lines():
            lines.append(orjson.loads(line))
            if len(lines) == 1:
                proxy.cut()  # the service is now well ahead of us and blocked on its socket
    *rows, last = lines
    assert last["error"] == "database_unavailable"
    assert isinstance(last["detail"], str) and last["detail"]
    assert 0 < len(rows) < BIG_ROWS
    assert [row["species"] for row in rows] == [species(i) for i in range(len(rows))]


def test_json_array_stream_is_aborted_when_the_database_fails_mid_stream(
    proxied_server: tuple[Server, tcp_proxy.TcpProxy], big_animals: str
) -> None:
    server, proxy = proxied_server
    received = bytearray()
    with (
        pytest.raises(httpx.RemoteProtocolError),
        httpx.stream("GET", f"{server.url}/animal/{big_animals}?page_size=20&format=json", timeout=60) as resp,
    ):
        assert resp.status_code == 200
        for chunk in resp.iter_raw():
            if not received:
                proxy.cut()
            received += chunk
    assert received.startswith(b'[{"genus":')
    assert not received.rstrip().endswith(b"]")
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(received)


def test_failure_before_the_first_byte_is_a_real_status(proxied_server: tuple[Server, tcp_proxy.TcpProxy]) -> None:
    server, proxy = proxied_server
    proxy.cut()
    for params in ({"format": "json"}, {"format": "ndjson"}, {"format": "page"}):
        response = httpx.get(f"{server.url}/plant/Plantago", params=params, timeout=30)
        assert response.status_code in (503, 504)
        assert response.headers["content-type"] == "application/json"
        assert response.json()["error"].startswith("database_")
    with contextlib.suppress(Exception):
        proxy.resume()


async def test_the_driver_does_not_keep_a_taken_page_alive(cql: Session, many_plants: str) -> None:
    """A finished driver future outlives its request (its cancelled timer waits in the driver's timer heap); it must
    not keep our waiter, and so the page, alive: a fast stream would otherwise hold every page it sent."""
    db = Database(cql, request_timeout=30, max_in_flight=8)
    statement = cql.prepare(CQL["select_plants"]).bind((many_plants,))
    pages = [await db.execute(statement, page_size=100) for _ in range(3)]
    await asyncio.sleep(0)  # leave the loop iteration whose handle resumed us (it holds the last waiter)
    gc.collect()
    for page in pages:
        assert len(page.rows) == 100
        assert not [holder for holder in gc.get_referrers(page) if isinstance(holder, asyncio.Future)]
        assert not [holder for holder in gc.get_referrers(page.rows) if holder is not page]
