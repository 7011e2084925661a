"""Paging as Stargate does it (`page-size`, an opaque `pageState`, absent on the last page), and NDJSON streams of a
whole result, which Stargate never had."""

from __future__ import annotations

import httpx
import orjson
import pytest
from cassandra.cluster import Session
from cassandra.concurrent import execute_concurrent_with_args
from prometheus_client import REGISTRY

from app.config import Settings
from tests.support.processes import Server
from tests.support.rows import create_table, path

ROWS = 250
MANY = 5_000


@pytest.fixture(scope="module")
def events(cql: Session) -> str:
    """One partition of ROWS rows and another of MANY."""
    table = create_table(cql, "feed text, seq int, body text, PRIMARY KEY ((feed), seq)", prefix="events")
    insert = cql.prepare(f"INSERT INTO {table} (feed, seq, body) VALUES (?, ?, ?)")
    rows = [("small", i, f"e{i}") for i in range(ROWS)] + [("big", i, f"e{i}") for i in range(MANY)]
    execute_concurrent_with_args(cql, insert, rows, concurrency=128)
    return table


async def test_the_default_page_size_is_100(client: httpx.AsyncClient, keyspace_name: str, events: str) -> None:
    body = (await client.get(path(keyspace_name, events, "small"))).json()
    assert body["count"] == 100
    assert body["pageState"]


@pytest.mark.parametrize("size", ["0", "-5", ""])
async def test_a_page_size_of_zero_or_less_means_100(
    client: httpx.AsyncClient, keyspace_name: str, events: str, size: str
) -> None:
    body = (await client.get(path(keyspace_name, events, "small"), params={"page-size": size})).json()
    assert body["count"] == 100


async def test_a_page_state_walk_yields_every_row_once_in_order(
    client: httpx.AsyncClient, keyspace_name: str, events: str
) -> None:
    seen: list[int] = []
    params = {"page-size": "37"}
    for _ in range(100):
        body = (await client.get(path(keyspace_name, events, "small"), params=params)).json()
        assert body["count"] == len(body["data"])
        seen += [row["seq"] for row in body["data"]]
        if "pageState" not in body:
            break
        params["page-state"] = body["pageState"]
    assert seen == list(range(ROWS))


async def test_the_last_page_has_no_page_state(client: httpx.AsyncClient, keyspace_name: str, events: str) -> None:
    first = (await client.get(path(keyspace_name, events, "small"), params={"page-size": "200"})).json()
    last = (
        await client.get(
            path(keyspace_name, events, "small"), params={"page-size": "200", "page-state": first["pageState"]}
        )
    ).json()
    assert last["count"] == ROWS - 200
    assert "pageState" not in last


async def test_a_tampered_page_state_is_a_400(client: httpx.AsyncClient, keyspace_name: str, events: str) -> None:
    token = (await client.get(path(keyspace_name, events, "small"))).json()["pageState"]
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    response = await client.get(path(keyspace_name, events, "small"), params={"page-state": flipped})
    assert response.status_code == 400
    assert response.json()["code"] == 400


async def test_a_page_state_from_another_query_is_a_400(
    client: httpx.AsyncClient, keyspace_name: str, events: str
) -> None:
    token = (await client.get(path(keyspace_name, events, "small"))).json()["pageState"]
    response = await client.get(path(keyspace_name, events, "big"), params={"page-state": token})
    assert response.status_code == 400


async def test_raw_pages_have_no_page_state_to_give(client: httpx.AsyncClient, keyspace_name: str, events: str) -> None:
    response = await client.get(path(keyspace_name, events, "small"), params={"raw": "true"})
    assert len(response.json()) == 100


def test_ndjson_streams_every_page_of_a_result_complete_and_in_order(
    server: Server, keyspace_name: str, events: str
) -> None:
    url = f"{server.url}{path(keyspace_name, events, 'big')}"
    seqs = []
    with httpx.stream(
        "GET", url, params={"page-size": "100"}, headers={"accept": "application/x-ndjson"}, timeout=60
    ) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/x-ndjson")
        for line in r.iter_lines():
            seqs.append(orjson.loads(line)["seq"])
    assert seqs == list(range(MANY))


@pytest.mark.parametrize(
    ("params", "headers", "media"),
    [
        ({"format": "ndjson"}, {}, "application/x-ndjson"),
        ({}, {"accept": "application/jsonl"}, "application/jsonl"),
    ],
)
async def test_ndjson_is_chosen_by_format_or_by_accept(
    client: httpx.AsyncClient,
    keyspace_name: str,
    events: str,
    params: dict[str, str],
    headers: dict[str, str],
    media: str,
) -> None:
    response = await client.get(f"/v2/keyspaces/{keyspace_name}/{events}/rows", params=params, headers=headers)
    assert response.headers["content-type"].startswith(media)
    assert len(response.text.splitlines()) == ROWS + MANY


async def test_a_stream_without_page_size_fetches_page_size_rows_a_time_not_stargates_100(
    client: httpx.AsyncClient, keyspace_name: str, events: str, settings: Settings
) -> None:
    assert settings.page_size > 100, "the test needs a PAGE_SIZE above Stargate's page of 100"
    fetched = REGISTRY.get_sample_value("app_pages_fetched_total", {"framing": "ndjson"}) or 0
    response = await client.get(path(keyspace_name, events, "big"), params={"format": "ndjson"})
    assert len(response.text.splitlines()) == MANY
    pages = (REGISTRY.get_sample_value("app_pages_fetched_total", {"framing": "ndjson"}) or 0) - fetched
    assert pages <= -(-MANY // settings.page_size) + 1
