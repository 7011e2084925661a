"""Bulk ingest: a POST with an NDJSON body writes a row per line, streamed, and reports each refused line by number.

Every row is checked in Cassandra itself (`cql`), never through the service that wrote it.
"""

from __future__ import annotations

import asyncio
import threading
import time
import tracemalloc
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import orjson
import pytest
from cassandra.cluster import Session

from app.config import Settings
from app.rows.ingest import MAX_DESCRIPTION, MAX_ERRORS
from bench.harness import proxy as tcp_proxy
from tests.support.app import API_KEY, app_client, hardened_client
from tests.support.names import unique
from tests.support.poll import eventually_sync
from tests.support.processes import Server, proxied_uvicorn
from tests.support.rows import assert_stargate_error, create_table, path

COLUMNS = "id text, part int, label text, score int, active boolean, PRIMARY KEY ((id), part)"
NDJSON = {"content-type": "application/x-ndjson"}


@pytest.fixture(scope="module")
def items(cql: Session) -> str:
    return create_table(cql, COLUMNS, prefix="ingest")


def line(key: str, part: int, **columns: object) -> bytes:
    return orjson.dumps({"id": key, "part": part, "label": f"l{part}", **columns}) + b"\n"


def body(key: str, parts: range) -> bytes:
    return b"".join(line(key, part) for part in parts)


def stored(cql: Session, table: str, key: str) -> list[int]:
    return [row["part"] for row in cql.execute(f"SELECT part FROM {table} WHERE id = %s", (key,))]


async def ingest(
    client: httpx.AsyncClient,
    keyspace: str,
    table: str,
    content: bytes | AsyncIterator[bytes],
    *,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    sent = {**NDJSON, **(headers or {})}
    return await client.post(path(keyspace, table), content=content, params=params, headers=sent)


# ---- lines and counts ------------------------------------------------------------------------------------------


async def test_every_line_is_written_and_the_answer_counts_them(
    client: httpx.AsyncClient, keyspace_name: str, items: str, cql: Session
) -> None:
    key = unique()
    response = await ingest(client, keyspace_name, items, body(key, range(50)))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "written": 50,
        "refused": 0,
        "blank": 0,
        "lines": 50,
        "errors": [],
        "errorsTruncated": False,
    }
    assert sorted(stored(cql, items, key)) == list(range(50))


async def test_the_row_is_written_as_a_single_post_would_write_it(
    client: httpx.AsyncClient, keyspace_name: str, items: str, cql: Session
) -> None:
    key = unique()
    await ingest(client, keyspace_name, items, line(key, 1, score=7, active=True))
    row = cql.execute(f"SELECT * FROM {items} WHERE id = %s", (key,)).one()
    assert row == {"id": key, "part": 1, "label": "l1", "score": 7, "active": True}


BAD_LINES = {
    "not JSON": (b'{"id": "x", "part": \n', "bad_json", "Invalid JSON payload"),
    "not an object": (b'["x", 1]\n', "bad_json", "a line must be a JSON object"),
    "unknown column": (b'{"id": "x", "part": 1, "colour": "red"}\n', "unknown_field", "Unknown field name 'colour'"),
    "bad value": (b'{"id": "x", "part": 1, "score": "many"}\n', "bad_value", "Failed to deserialize field"),
    "missing key column": (b'{"id": "x", "label": "no part"}\n', "bad_row", "missing primary key column(s) ['part']"),
    "duplicate field": (b'{"id": "x", "part": 1, "part": 2}\n', "bad_json", "Duplicate field 'part'"),
    "nested too deeply": (b"[" * 50_000 + b"]" * 50_000 + b"\n", "bad_json", "maximum recursion depth exceeded"),
}


@pytest.mark.parametrize("kind", list(BAD_LINES))
async def test_a_bad_line_in_the_middle_is_reported_by_number_and_reason_and_the_others_are_written(
    client: httpx.AsyncClient, keyspace_name: str, items: str, cql: Session, kind: str
) -> None:
    bad, error, reason = BAD_LINES[kind]
    key = unique()
    response = await ingest(client, keyspace_name, items, body(key, range(3)) + bad + body(key, range(3, 6)))
    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["written"], answer["refused"], answer["lines"]) == (6, 1, 7)
    [refusal] = answer["errors"]
    assert (refusal["line"], refusal["code"], refusal["error"]) == (4, 400, error)
    assert reason in refusal["description"]
    assert sorted(stored(cql, items, key)) == [0, 1, 2, 3, 4, 5]


async def test_lines_written_refused_and_blank_add_up_to_the_lines_read(
    client: httpx.AsyncClient, keyspace_name: str, items: str
) -> None:
    key = unique()
    bad = [bad for bad, _, _ in BAD_LINES.values()]
    content = b"".join(line(key, i) + bad[i % len(bad)] + b"\n" for i in range(30))
    answer = (await ingest(client, keyspace_name, items, content)).json()
    assert (answer["written"], answer["refused"], answer["blank"], answer["lines"]) == (30, 30, 30, 90)
    assert [e["line"] for e in answer["errors"]] == list(range(2, 90, 3))  # in line order


async def test_blank_lines_are_skipped_but_keep_their_numbers(
    client: httpx.AsyncClient, keyspace_name: str, items: str, cql: Session
) -> None:
    key = unique()
    content = b"\n" + line(key, 1) + b"   \n\t\r\n" + b"oops\n" + line(key, 2) + b"\n"
    answer = (await ingest(client, keyspace_name, items, content)).json()
    assert (answer["written"], answer["blank"], answer["lines"]) == (2, 4, 7)
    assert [e["line"] for e in answer["errors"]] == [5]
    assert sorted(stored(cql, items, key)) == [1, 2]


async def test_a_final_line_without_a_newline_is_written(
    client: httpx.AsyncClient, keyspace_name: str, items: str, cql: Session
) -> None:
    key = unique()
    content = body(key, range(2)) + line(key, 2).rstrip(b"\n")
    answer = (await ingest(client, keyspace_name, items, content)).json()
    assert (answer["written"], answer["lines"]) == (3, 3)
    assert sorted(stored(cql, items, key)) == [0, 1, 2]


async def test_crlf_line_endings_are_accepted(
    client: httpx.AsyncClient, keyspace_name: str, items: str, cql: Session
) -> None:
    key = unique()
    content = body(key, range(3)).replace(b"\n", b"\r\n")
    assert (await ingest(client, keyspace_name, items, content)).json()["written"] == 3
    assert sorted(stored(cql, items, key)) == [0, 1, 2]


async def test_an_empty_body_writes_nothing_and_says_so(
    client: httpx.AsyncClient, keyspace_name: str, items: str
) -> None:
    response = await ingest(client, keyspace_name, items, b"")
    assert (response.status_code, response.json()["lines"], response.json()["written"]) == (200, 0, 0)


@pytest.mark.parametrize(
    "content_type",
    ["application/jsonl", "application/json-lines", "application/ndjson", "application/x-ndjson; charset=utf-8"],
)
async def test_every_ndjson_content_type_is_an_ingest(
    client: httpx.AsyncClient, keyspace_name: str, items: str, cql: Session, content_type: str
) -> None:
    key = unique()
    response = await ingest(client, keyspace_name, items, body(key, range(2)), headers={"content-type": content_type})
    assert response.json()["written"] == 2
    assert sorted(stored(cql, items, key)) == [0, 1]


async def test_the_astra_path_takes_an_ingest_too(
    client: httpx.AsyncClient, keyspace_name: str, items: str, cql: Session
) -> None:
    key = unique()
    url = path(keyspace_name, items, prefix="/api/rest/v2/keyspaces")
    response = await client.post(url, content=body(key, range(2)), headers=NDJSON)
    assert response.json()["written"] == 2
    assert sorted(stored(cql, items, key)) == [0, 1]


async def test_the_list_of_errors_is_bounded_and_says_it_was_truncated(
    client: httpx.AsyncClient, keyspace_name: str, items: str
) -> None:
    content = b"not json\n" * (MAX_ERRORS + 5)
    answer = (await ingest(client, keyspace_name, items, content)).json()
    assert answer["refused"] == MAX_ERRORS + 5
    assert [e["line"] for e in answer["errors"]] == list(range(1, MAX_ERRORS + 1))  # the first ones
    assert answer["errorsTruncated"] is True


async def test_a_refusal_description_is_cut_short(client: httpx.AsyncClient, keyspace_name: str, items: str) -> None:
    content = orjson.dumps({"id": unique(), "part": 1, "score": "9" * 100_000 + "x"}) + b"\n"
    [refusal] = (await ingest(client, keyspace_name, items, content)).json()["errors"]
    assert refusal["error"] == "bad_value"
    assert len(refusal["description"]) <= MAX_DESCRIPTION


# ---- write options ---------------------------------------------------------------------------------------------


async def test_ttl_applies_to_ingested_rows(
    client: httpx.AsyncClient, keyspace_name: str, items: str, cql: Session
) -> None:
    key = unique()
    await ingest(client, keyspace_name, items, body(key, range(3)), params={"ttl": "300"})
    left = [r["left"] for r in cql.execute(f"SELECT TTL(label) AS left FROM {items} WHERE id = %s", (key,))]
    assert len(left) == 3
    assert all(0 < seconds <= 300 for seconds in left)


async def test_timestamp_applies_to_ingested_rows(
    client: httpx.AsyncClient, keyspace_name: str, items: str, cql: Session
) -> None:
    key, micros = unique(), time.time_ns() // 1000
    await ingest(client, keyspace_name, items, body(key, range(2)), params={"timestamp": str(micros)})
    at = [r["at"] for r in cql.execute(f"SELECT WRITETIME(label) AS at FROM {items} WHERE id = %s", (key,))]
    assert at == [micros, micros]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"ifNotExists": "true"}, "'ifNotExists' cannot be combined with an NDJSON body"),
        ({"ttl": "soon"}, "Invalid 'ttl' parameter"),
    ],
    ids=["if-not-exists", "bad-ttl"],
)
async def test_a_refused_parameter_is_a_400_before_any_line_is_written(
    client: httpx.AsyncClient, keyspace_name: str, items: str, cql: Session, params: dict[str, str], message: str
) -> None:
    key = unique()
    response = await ingest(client, keyspace_name, items, body(key, range(2)), params=params)
    assert_stargate_error(response, 400, message)
    assert stored(cql, items, key) == []


async def test_a_counter_table_is_refused_before_the_body_is_read(
    client: httpx.AsyncClient, keyspace_name: str, cql: Session
) -> None:
    counters = create_table(cql, "id text PRIMARY KEY, hits counter", prefix="counts")
    response = await ingest(client, keyspace_name, counters, b'{"id": "a", "hits": 1}\n')
    assert_stargate_error(response, 400, "has counter columns: write them with PUT or PATCH")


# ---- sizes and streaming ---------------------------------------------------------------------------------------


async def test_a_body_larger_than_max_body_bytes_is_accepted(
    client: httpx.AsyncClient, keyspace_name: str, items: str, cql: Session, settings: Settings
) -> None:
    key = unique()
    content = body(key, range(8000))
    assert len(content) > settings.max_body_bytes
    response = await ingest(client, keyspace_name, items, content)
    assert (response.status_code, response.json()["written"]) == (200, 8000)
    assert len(stored(cql, items, key)) == 8000


async def test_a_single_row_post_stays_under_max_body_bytes(
    client: httpx.AsyncClient, keyspace_name: str, items: str, settings: Settings
) -> None:
    content = orjson.dumps({"id": unique(), "part": 1, "label": "x" * settings.max_body_bytes})
    response = await client.post(
        path(keyspace_name, items), content=content, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


async def test_a_line_longer_than_max_body_bytes_is_refused_and_the_next_lines_are_written(
    client: httpx.AsyncClient, keyspace_name: str, items: str, cql: Session, settings: Settings
) -> None:
    key = unique()
    long = line(key, 1, label="x" * settings.max_body_bytes)
    answer = (await ingest(client, keyspace_name, items, line(key, 0) + long + line(key, 2))).json()
    assert (answer["written"], answer["refused"], answer["lines"]) == (2, 1, 3)
    [refusal] = answer["errors"]
    assert (refusal["line"], refusal["code"], refusal["error"]) == (2, 413, "line_too_long")
    assert str(settings.max_body_bytes) in refusal["description"]
    assert sorted(stored(cql, items, key)) == [0, 2]


async def test_an_over_long_line_is_never_held_whole(settings: Settings, cql: Session, items: str) -> None:
    key = unique()
    chunk, chunks = b"x" * 65536, 256  # a 16 MiB line, against a 4 KiB limit

    async def content() -> AsyncIterator[bytes]:
        yield line(key, 0) + b'{"id": "' + key.encode() + b'", "part": 1, "label": "'
        for _ in range(chunks):
            yield chunk
        yield b'"}\n' + line(key, 2)

    async with app_client(settings.model_copy(update={"max_body_bytes": 4096})) as http:
        await ingest(http, settings.keyspace, items, line(key, 9))  # warm: the statements, the first imports
        tracemalloc.start()
        try:
            answer = (await ingest(http, settings.keyspace, items, content())).json()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert [(e["line"], e["error"]) for e in answer["errors"]] == [(2, "line_too_long")]
    assert answer["written"] == 2
    assert peak < 4 * 1024 * 1024, f"{peak:,} bytes at the peak for a {len(chunk) * chunks:,}-byte line"


def test_the_body_is_consumed_as_a_stream(server: Server, settings: Settings, cql: Session, items: str) -> None:
    """Through a real uvicorn socket: the first half of the body is written before the second half is sent."""
    key = unique()
    first_half_written = threading.Event()

    def content() -> Iterator[bytes]:
        yield body(key, range(100))
        eventually_sync(lambda: len(stored(cql, items, key)) == 100, within=20, what="the first 100 rows are written")
        first_half_written.set()
        yield body(key, range(100, 200))

    url = server.url + path(settings.keyspace, items)
    response = httpx.post(url, content=content(), headers=NDJSON, timeout=60)
    assert first_half_written.is_set(), "the first 100 rows were not written before the rest of the body was sent"
    assert response.json()["written"] == 200
    assert len(stored(cql, items, key)) == 200


# ---- refusals of the whole request -----------------------------------------------------------------------------


async def test_an_unknown_table_is_stargates_400(client: httpx.AsyncClient, keyspace_name: str) -> None:
    table = unique("missing")
    response = await ingest(client, keyspace_name, table, body(unique(), range(2)))
    assert_stargate_error(response, 400, f"Table '{table}' not found (in keyspace '{keyspace_name}')")


async def test_writes_need_a_key_when_keys_are_configured(settings: Settings, cql: Session, items: str) -> None:
    key = unique()
    async with hardened_client(settings) as http:
        missing = await ingest(http, settings.keyspace, items, body(key, range(2)))
        wrong = await ingest(http, settings.keyspace, items, body(key, range(2)), headers={"X-Cassandra-Token": "no"})
        right = await ingest(
            http, settings.keyspace, items, body(key, range(2)), headers={"X-Cassandra-Token": API_KEY}
        )
    assert_stargate_error(missing, 401, "Missing token")
    assert_stargate_error(wrong, 401, "Invalid token")
    assert right.json()["written"] == 2


# ---- stopping early --------------------------------------------------------------------------------------------


async def test_a_client_that_stops_sending_gets_408_and_where_to_resume(
    settings: Settings, cql: Session, items: str
) -> None:
    key = unique()

    async def content() -> AsyncIterator[bytes]:
        yield body(key, range(3)) + b'{"id": "' + key.encode()
        await asyncio.sleep(30)  # longer than SERVER_TIMEOUT: the service gives up on the rest
        yield b'", "part": 3}\n'

    async with app_client(settings.model_copy(update={"server_timeout": 0.5})) as http:
        response = await ingest(http, settings.keyspace, items, content())
    answer = assert_stargate_error(response, 408, "SERVER_TIMEOUT", report=True)
    assert (answer["written"], answer["resumeFromLine"]) == (3, 4)
    assert response.headers["connection"] == "close"
    assert sorted(stored(cql, items, key)) == [0, 1, 2]


async def test_an_ingest_holds_a_stream_slot_not_a_request_slot(settings: Settings, cql: Session, items: str) -> None:
    key = unique()
    go_on = asyncio.Event()

    async def held() -> AsyncIterator[bytes]:
        yield body(key, range(2))
        await go_on.wait()
        yield body(key, range(2, 4))

    limits = {"max_concurrent_requests": 1, "max_streams": 1, "queue_timeout_ms": 100}
    async with app_client(settings.model_copy(update=limits)) as http:
        first = asyncio.ensure_future(ingest(http, settings.keyspace, items, held()))
        await asyncio.to_thread(  # the driver session is a plain one: off the loop
            eventually_sync, lambda: len(stored(cql, items, key)) == 2, within=20, what="the first two rows are written"
        )
        point_read = await http.get(path(settings.keyspace, items, key, 0))
        second = await ingest(http, settings.keyspace, items, body(unique(), range(2)))
        go_on.set()
        answer = (await first).json()
    assert point_read.json()["count"] == 1  # the ingest gave its request slot back
    assert_stargate_error(second, 503, "MAX_STREAMS")
    assert answer["written"] == 4


@pytest.fixture
def proxy(settings: Settings, cql: Session) -> Iterator[tcp_proxy.TcpProxy]:
    running = tcp_proxy.start("127.0.0.1", 0, settings.cassandra_contact_points[0], settings.cassandra_port)
    yield running
    running.close()


async def test_a_database_failure_mid_body_stops_reading_and_answers_503_with_where_to_resume(
    settings: Settings, cql: Session, items: str, proxy: tcp_proxy.TcpProxy
) -> None:
    key = unique()
    sent_everything = False

    async def content() -> AsyncIterator[bytes]:
        nonlocal sent_everything
        yield body(key, range(10))
        await asyncio.to_thread(  # the driver session is a plain one: off the loop
            eventually_sync,
            lambda: len(stored(cql, items, key)) == 10,
            within=20,
            what="the first ten rows are written",
        )
        await asyncio.sleep(0.3)  # the acknowledgements are on their way back to the service, too
        await asyncio.to_thread(proxy.cut)
        for part in range(10, 1000):
            yield line(key, part)
            await asyncio.sleep(0.01)
        sent_everything = True

    proxied = settings.model_copy(
        update={"cassandra_contact_points": ["127.0.0.1"], "cassandra_port": proxy.port, "request_timeout": 2.0}
    )
    async with app_client(proxied) as http:
        response = await ingest(http, settings.keyspace, items, content())
    answer = assert_stargate_error(response, 503, "the ingest stopped", report=True)
    assert answer["error"] == "database_unavailable"
    assert response.headers["retry-after"].isdigit()
    assert not sent_everything, "the service went on reading the body after the database failed"
    resume = response.json()["resumeFromLine"]
    assert response.json()["written"] >= resume - 1
    assert set(range(resume - 1)) <= set(stored(cql, items, key))  # line n holds part n - 1
    assert resume == 11  # the first ten were acknowledged before the cut


@pytest.fixture
def proxied_server(settings: Settings, cql: Session, tmp_path: Path) -> Iterator[tuple[Server, tcp_proxy.TcpProxy]]:
    """A real uvicorn whose only way to Cassandra is a proxy the test can cut."""
    with proxied_uvicorn(settings, "127.0.0.8", tmp_path / "server.log", REQUEST_TIMEOUT="2") as running:
        yield running


def test_a_client_still_sending_when_the_database_fails_gets_the_answer(
    proxied_server: tuple[Server, tcp_proxy.TcpProxy], settings: Settings, cql: Session, items: str
) -> None:
    """Through a real socket: the service answers while the client is still writing a body far larger than the
    socket buffers, and the client reads that answer once it has sent the rest (no connection reset)."""
    server, proxy = proxied_server
    key = unique()

    def content() -> Iterator[bytes]:
        yield body(key, range(10))
        eventually_sync(lambda: len(stored(cql, items, key)) == 10, within=20, what="the first ten rows are written")
        time.sleep(0.3)  # the acknowledgements are on their way back to the service, too
        proxy.cut()
        for start in range(10, 200_010, 1000):
            yield body(key, range(start, start + 1000))  # ~14 MB after the cut

    url = server.url + path(settings.keyspace, items)
    response = httpx.post(url, content=content(), headers=NDJSON, timeout=60)
    answer = assert_stargate_error(response, 503, "the ingest stopped", report=True)
    assert answer["resumeFromLine"] == 11
    assert response.json()["lines"] < 200_010  # it stopped taking lines in
