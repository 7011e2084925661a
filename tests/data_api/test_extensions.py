"""What this face serves beyond the Data API (documented in docs/data-api.md as extensions): `find` as NDJSON and
`countRows` with a bound (data-api#2037, #2038)."""

from __future__ import annotations

import httpx
import orjson
import pytest
from cassandra.cluster import Session
from cassandra.concurrent import execute_concurrent_with_args

from app.config import Settings
from tests.support.data_api import command, error_codes, ok, warning_codes
from tests.support.rows import create_table

NDJSON = {"accept": "application/x-ndjson", "Token": "t"}


@pytest.fixture(scope="module")
def numbers(cql: Session) -> str:
    """250 rows in one partition, clustered by n."""
    table = create_table(cql, "p int, n int, even boolean, PRIMARY KEY ((p), n)", prefix="numbers")
    insert = cql.prepare(f"INSERT INTO {table} (p, n, even) VALUES (?, ?, ?)")
    execute_concurrent_with_args(cql, insert, [(1, n, n % 2 == 0) for n in range(250)])
    return table


def url(settings: Settings, table: str) -> str:
    return f"/v1/{settings.keyspace}/{table}"


async def test_find_as_ndjson_streams_every_matching_row_once(
    api: httpx.AsyncClient, settings: Settings, numbers: str
) -> None:
    body = {"find": {"filter": {"p": 1}, "projection": {"n": 1}}}
    response = await api.post(url(settings, numbers), json=body, headers=NDJSON)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    lines = [orjson.loads(line) for line in response.content.splitlines()]
    assert [line["n"] for line in lines] == list(range(250))


async def test_find_as_ndjson_filters_in_memory_and_honours_a_limit(
    api: httpx.AsyncClient, settings: Settings, numbers: str
) -> None:
    body = {"find": {"filter": {"p": 1, "even": {"$ne": True}}, "projection": {"n": 1}, "options": {"limit": 5}}}
    response = await api.post(url(settings, numbers), json=body, headers=NDJSON)
    assert [orjson.loads(line)["n"] for line in response.content.splitlines()] == [1, 3, 5, 7, 9]


async def test_find_as_ndjson_refuses_an_in_memory_sort_before_streaming(
    api: httpx.AsyncClient, settings: Settings, numbers: str
) -> None:
    body = {"find": {"filter": {"p": 1}, "sort": {"even": 1}}}
    response = await api.post(url(settings, numbers), json=body, headers=NDJSON)
    assert error_codes(response.json()) == ["SORT_CLAUSE_INVALID"]


async def test_count_rows_counts_a_filter(api: httpx.AsyncClient, settings: Settings, numbers: str) -> None:
    answer = ok(await command(api, url(settings, numbers), "countRows", {"filter": {"p": 1, "n": {"$lt": 100}}}))
    assert answer["status"] == {"count": 100, "moreData": False}


async def test_count_rows_stops_at_its_bound_and_says_more_data(
    api: httpx.AsyncClient, settings: Settings, numbers: str
) -> None:
    body = {"filter": {"p": 1}, "options": {"upperBound": 200}}
    answer = ok(await command(api, url(settings, numbers), "countRows", body))
    assert answer["status"] == {"count": 200, "moreData": True}


async def test_count_rows_with_an_in_memory_predicate(api: httpx.AsyncClient, settings: Settings, numbers: str) -> None:
    answer = ok(await command(api, url(settings, numbers), "countRows", {"filter": {"p": 1, "even": {"$ne": True}}}))
    assert (answer["status"]["count"], answer["status"]["moreData"]) == (125, False)
    assert warning_codes(answer) == ["MISSING_INDEX"]  # the Data API's warning for a filter on an unindexed column


async def test_count_rows_refuses_a_bound_past_the_sort_limit(
    api: httpx.AsyncClient, settings: Settings, numbers: str
) -> None:
    body = {"options": {"upperBound": 10_001}}
    assert error_codes(await command(api, url(settings, numbers), "countRows", body)) == ["COMMAND_FIELD_VALUE_INVALID"]
