"""Key values in the path: each segment is percent-decoded on its own, so `%2F` inside a value is data."""

from __future__ import annotations

import httpx
import pytest
from cassandra.cluster import Session

from tests.support.rows import create_table, path

SPECIAL = ["a/b", "with space", "plus+sign", "100%", "naïve ünïcode ✓", "it's", 'say "hi"', "back\\slash"]


@pytest.fixture(scope="module")
def labels(cql: Session) -> str:
    return create_table(cql, "id text, sub text, v int, PRIMARY KEY ((id), sub)", prefix="labels")


@pytest.mark.parametrize("value", SPECIAL)
async def test_a_key_value_round_trips_through_the_path(
    client: httpx.AsyncClient, keyspace_name: str, labels: str, cql: Session, value: str
) -> None:
    response = await client.put(path(keyspace_name, labels, value, value), json={"v": 1})
    assert response.status_code == 200, response.text
    stored = cql.execute(f"SELECT id, sub FROM {labels} WHERE id = %s", (value,)).one()
    assert (stored["id"], stored["sub"]) == (value, value)
    read = await client.get(path(keyspace_name, labels, value, value))
    assert read.json()["data"] == [{"id": value, "sub": value, "v": 1}]


async def test_a_literal_slash_separates_key_values(
    client: httpx.AsyncClient, keyspace_name: str, labels: str, cql: Session
) -> None:
    await client.put(path(keyspace_name, labels, "left", "right"), json={"v": 2})
    read = await client.get(f"/v2/keyspaces/{keyspace_name}/{labels}/left/right")
    assert read.json()["data"] == [{"id": "left", "sub": "right", "v": 2}]


async def test_a_plus_in_the_path_is_a_plus_not_a_space(
    client: httpx.AsyncClient, keyspace_name: str, labels: str
) -> None:
    await client.put(path(keyspace_name, labels, "1+1", "two"), json={"v": 3})
    read = await client.get(f"/v2/keyspaces/{keyspace_name}/{labels}/1+1/two")
    assert read.json()["count"] == 1


async def test_rows_as_the_only_key_value_is_the_whole_table_route(
    client: httpx.AsyncClient, keyspace_name: str, cql: Session
) -> None:
    """As in Stargate, `/rows` wins over a partition keyed `rows`, which is read with more key values instead."""
    table = create_table(cql, "id text, sub text, v int, PRIMARY KEY ((id), sub)", prefix="rowskey")
    for key in ("rows", "other"):
        await client.put(path(keyspace_name, table, key, "x"), json={"v": 1})
    whole = (await client.get(f"/v2/keyspaces/{keyspace_name}/{table}/rows")).json()
    assert sorted(r["id"] for r in whole["data"]) == ["other", "rows"]
    narrowed = (await client.get(f"/v2/keyspaces/{keyspace_name}/{table}/rows/x")).json()
    assert narrowed["data"] == [{"id": "rows", "sub": "x", "v": 1}]


async def test_single_quotes_around_a_key_value_are_stripped(
    client: httpx.AsyncClient, keyspace_name: str, labels: str
) -> None:
    await client.put(path(keyspace_name, labels, "quoted", "q"), json={"v": 4})
    read = await client.get(path(keyspace_name, labels, "'quoted'", "'q'"))
    assert read.json()["data"] == [{"id": "quoted", "sub": "q", "v": 4}]
