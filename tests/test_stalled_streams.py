"""Clients that stop reading cannot pin the stream slots: a stream that makes no progress for STREAM_IDLE_TIMEOUT is
cut, its slot comes back, and its connection is reset; MAX_STREAM_SECONDS caps a whole stream.

Against a real `python -m app`: 70 clients with a 4 KiB receive buffer open NDJSON streams of a big partition (half
through the sample's listings, half through the rows API) and never read, with MAX_STREAMS=64. Before the fix every
listing answered 503 for as long as they stayed connected.
"""

from __future__ import annotations

import calendar
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
from cassandra.cluster import Session
from cassandra.concurrent import execute_concurrent_with_args

from app.config import Settings
from app.db.statements import CQL
from tests.support.names import unique
from tests.support.poll import eventually_sync
from tests.support.processes import Server, service_env, start_app, stop_server
from tests.support.rows import filled_table
from tests.support.service import metric, port_of, tcp_connections

STALLED = 70
MAX_STREAMS = 64
IDLE = 2.0  # STREAM_IDLE_TIMEOUT for the test (30 s by default)
ROWS = 6000
URL = "https://example.org/" + "x" * 1000  # ~1 KB a row: 6 MB a partition, more than a socket buffer holds
NDJSON = "application/x-ndjson"


@pytest.fixture(scope="module")
def big_genus(cql: Session) -> str:
    genus = unique("stall")
    statement = cql.prepare(CQL["upsert_animal"])
    rows = [(genus, f"s{i:06d}", URL, 1.5, i, ["Chordata"]) for i in range(ROWS)]
    execute_concurrent_with_args(cql, statement, rows, concurrency=64)
    return genus


@pytest.fixture(scope="module")
def big_table(cql: Session) -> str:
    rows = [("big", i, URL) for i in range(ROWS)]
    return filled_table(cql, "p text, c int, payload text, PRIMARY KEY (p, c)", "p, c, payload", rows)


def _start(settings: Settings, log: Path, **extra: str) -> Server:
    env = service_env(
        settings,
        MAX_STREAMS=str(MAX_STREAMS),
        STREAM_IDLE_TIMEOUT=str(IDLE),
        METRICS_CACHE_SECONDS="0",
        LOG_LEVEL="warning",
        **extra,
    )
    return start_app(env, log)


@pytest.fixture(scope="module")
def service(settings: Settings, cql: Session, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = _start(settings, tmp_path_factory.mktemp("stalled") / "server.log")
    yield running
    stop_server(running)


def stalled_reader(port: int, path: str) -> socket.socket:
    """A client that asks for a stream and never reads a byte of it, with a 4 KiB receive buffer."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: test\r\nAccept: {NDJSON}\r\n\r\n".encode())
    return sock


def listing_status(server: Server) -> int:
    return httpx.get(f"{server.url}/plant/Plantago", params={"format": "ndjson"}, timeout=10).status_code


def cut_times(log: str, *, since: float) -> list[float]:
    """Seconds after `since` at which the service logged cutting an idle stream, in order."""
    found = []
    for line in log.splitlines():
        if line.startswith("{") and "cutting a stream" in line:
            stamp = orjson.loads(line)["ts"]
            at = calendar.timegm(time.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S")) + float(stamp[19:-1] or 0)
            found.append(at - since)
    return sorted(found)


def test_stalled_readers_are_cut_and_listings_are_served_again(
    service: Server, settings: Settings, big_genus: str, big_table: str
) -> None:
    port = port_of(service)
    ks = settings.keyspace
    paths = [
        f"/animal/{big_genus}?format=ndjson&page_size=100"
        if i % 2 == 0
        else f"/v2/keyspaces/{ks}/{big_table}/big?page-size=100"
        for i in range(STALLED)
    ]
    assert listing_status(service) == 200
    cut_before = metric(service, "app_streams_cut_total", reason="idle")
    opened, opened_wall = time.monotonic(), time.time()
    readers = [stalled_reader(port, path) for path in paths]
    try:
        eventually_sync(
            lambda: metric(service, "app_open_streams") == MAX_STREAMS, within=10, what="every stream slot is taken"
        )
        pinned = listing_status(service)
        point_read = httpx.get(f"{service.url}/plant/Plantago/afra", timeout=10).status_code
        # Served again: the idle timeout after the last bytes the kernel took for them, plus a little. How long the
        # kernel takes a stalled stream's bytes (a few MB each, 64 at once) depends on the machine's load.
        eventually_sync(
            lambda: listing_status(service) == 200, within=IDLE + 20, what="a listing is served again", interval=0.2
        )
        recovered = time.monotonic() - opened
        eventually_sync(
            lambda: metric(service, "app_open_streams") == 0, within=IDLE + 5, what="every stream slot is free"
        )
        cut = metric(service, "app_streams_cut_total", reason="idle") - cut_before
        # The stalled connections were reset, not left to drain into clients that never read (the ones shed with a
        # 503 stay until uvicorn's keep-alive closes them).
        shed = STALLED - MAX_STREAMS
        eventually_sync(
            lambda: len(tcp_connections(service.process.pid, lambda local, _: local == port)) <= shed,
            within=5,
            what="the stalled connections are closed",
        )
        reset = 0
        for sock in readers:
            sock.settimeout(5)
            try:
                while sock.recv(65536):
                    pass
            except ConnectionResetError:
                reset += 1
    finally:
        for sock in readers:
            sock.close()
    cuts = cut_times(service.output(), since=opened_wall)
    print(
        f"\nstalled readers: {STALLED} NDJSON streams (half sample listings, half rows API), 4 KiB receive buffers, "
        f"never read; MAX_STREAMS={MAX_STREAMS}, STREAM_IDLE_TIMEOUT={IDLE:g} s: listings 503 while pinned, served "
        f"again {recovered:.1f} s after the readers stopped reading; their streams were cut {cuts[0]:.1f} to "
        f"{cuts[-1]:.1f} s after (the idle timeout once the kernel buffers had filled); {cut:.0f} streams cut as "
        f"idle, {reset} connections reset, app_open_streams back to 0"
    )
    assert pinned == 503
    assert point_read == 200  # point reads never needed a stream slot
    assert cuts[0] >= IDLE  # never before the timeout
    assert recovered - cuts[0] <= 1.5  # served again as soon as the first stalled stream was cut
    assert cut >= MAX_STREAMS
    assert reset >= MAX_STREAMS
    assert "Traceback" not in service.output()


def test_a_slow_reader_that_keeps_reading_is_not_cut(service: Server, big_genus: str) -> None:
    url = f"{service.url}/animal/{big_genus}?format=ndjson&page_size=200"
    rows = 0
    with httpx.stream("GET", url, timeout=30) as response:
        for i, line in enumerate(response.iter_lines()):
            if i in (10, 500, 1500):
                time.sleep(IDLE / 2)  # pauses, each shorter than the idle timeout
            orjson.loads(line)
            rows += 1
    assert rows == ROWS


@pytest.fixture(scope="module")
def capped(settings: Settings, cql: Session, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = _start(settings, tmp_path_factory.mktemp("capped") / "server.log", MAX_STREAM_SECONDS="1")
    yield running
    stop_server(running)


@pytest.mark.parametrize("kind", ["listing", "rows"])
def test_max_stream_seconds_ends_an_ndjson_stream_with_an_error_line(
    capped: Server, settings: Settings, big_genus: str, big_table: str, kind: str
) -> None:
    if kind == "listing":
        url, key = f"{capped.url}/animal/{big_genus}?format=ndjson&page_size=100", "species"
        expected = [f"s{i:06d}" for i in range(ROWS)]
    else:
        url, key = f"{capped.url}/v2/keyspaces/{settings.keyspace}/{big_table}/big?page-size=100", "c"
        expected = list(range(ROWS))  # type: ignore[arg-type]
    cut = metric(capped, "app_streams_cut_total", reason="too_long")
    lines = []
    started = time.monotonic()
    with httpx.stream("GET", url, headers={"accept": NDJSON}, timeout=30) as response:
        for line in response.iter_lines():
            if time.monotonic() - started < 1.5:
                time.sleep(0.05)  # slow at first, so the stream outlives MAX_STREAM_SECONDS
            lines.append(orjson.loads(line))
    rows, last = lines[:-1], lines[-1]
    assert last["error"] == "stream_too_long" and "MAX_STREAM_SECONDS" in last["detail"]
    assert 0 < len(rows) < ROWS
    assert [row[key] for row in rows] == expected[: len(rows)]  # an in-order prefix, then the error line
    assert metric(capped, "app_streams_cut_total", reason="too_long") == cut + 1
