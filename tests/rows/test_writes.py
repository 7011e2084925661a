"""Writes as Stargate answers them (POST 201 echo, PUT/PATCH `{"data": ...}`, DELETE 204), and what we add:
TTL and write timestamps, and `ifNotExists` as a lightweight transaction."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from cassandra.cluster import Session

from tests.support.names import unique
from tests.support.rows import create_table, path

COLUMNS = "id text, part int, label text, note text, PRIMARY KEY ((id), part)"


@pytest.fixture(scope="module")
def notes(cql: Session) -> str:
    return create_table(cql, COLUMNS, prefix="notes")


def stored(cql: Session, table: str, key: str) -> list[dict[str, object]]:
    return list(cql.execute(f"SELECT part, label, note FROM {table} WHERE id = %s", (key,)))


async def test_post_inserts_and_answers_201_with_the_body(
    client: httpx.AsyncClient, keyspace_name: str, notes: str, cql: Session
) -> None:
    key = unique()
    body = '{"id": "' + key + '", "part": 1, "label": "first"}'
    response = await client.post(path(keyspace_name, notes), content=body, headers={"content-type": "application/json"})
    assert response.status_code == 201
    assert response.text == body  # Stargate v2 echoes the request body as sent
    assert stored(cql, notes, key) == [{"part": 1, "label": "first", "note": None}]


async def test_post_is_an_upsert(client: httpx.AsyncClient, keyspace_name: str, notes: str, cql: Session) -> None:
    key = unique()
    await client.post(path(keyspace_name, notes), json={"id": key, "part": 1, "label": "a", "note": "n"})
    await client.post(path(keyspace_name, notes), json={"id": key, "part": 1, "label": "b"})
    assert stored(cql, notes, key) == [{"part": 1, "label": "b", "note": "n"}]  # an absent column is left as it was


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
async def test_put_and_patch_set_the_given_columns_and_keep_the_others(
    client: httpx.AsyncClient, keyspace_name: str, notes: str, cql: Session, method: str
) -> None:
    key = unique()
    await client.post(path(keyspace_name, notes), json={"id": key, "part": 2, "label": "old", "note": "kept"})
    response = await client.request(method, path(keyspace_name, notes, key, 2), json={"label": "new"})
    assert (response.status_code, response.json()) == (200, {"data": {"label": "new"}})
    assert stored(cql, notes, key) == [{"part": 2, "label": "new", "note": "kept"}]


async def test_put_with_raw_answers_the_bare_body(client: httpx.AsyncClient, keyspace_name: str, notes: str) -> None:
    response = await client.put(path(keyspace_name, notes, unique(), 1), params={"raw": "true"}, json={"label": "x"})
    assert response.json() == {"label": "x"}


async def test_a_json_null_writes_null(client: httpx.AsyncClient, keyspace_name: str, notes: str, cql: Session) -> None:
    key = unique()
    await client.post(path(keyspace_name, notes), json={"id": key, "part": 1, "label": "a", "note": "n"})
    await client.patch(path(keyspace_name, notes, key, 1), json={"note": None})
    assert stored(cql, notes, key) == [{"part": 1, "label": "a", "note": None}]


async def test_delete_by_full_key_removes_the_row_and_answers_204(
    client: httpx.AsyncClient, keyspace_name: str, notes: str, cql: Session
) -> None:
    key = unique()
    for part in (1, 2):
        await client.post(path(keyspace_name, notes), json={"id": key, "part": part, "label": "x"})
    response = await client.delete(path(keyspace_name, notes, key, 1))
    assert (response.status_code, response.content) == (204, b"")
    assert [r["part"] for r in stored(cql, notes, key)] == [2]


async def test_delete_by_partition_key_removes_the_partition(
    client: httpx.AsyncClient, keyspace_name: str, notes: str, cql: Session
) -> None:
    key = unique()
    for part in (1, 2, 3):
        await client.post(path(keyspace_name, notes), json={"id": key, "part": part, "label": "x"})
    assert (await client.delete(path(keyspace_name, notes, key))).status_code == 204
    assert stored(cql, notes, key) == []


async def test_deleting_what_is_not_there_is_still_204(
    client: httpx.AsyncClient, keyspace_name: str, notes: str
) -> None:
    assert (await client.delete(path(keyspace_name, notes, unique(), 9))).status_code == 204


async def test_ttl_is_applied_to_the_written_columns(
    client: httpx.AsyncClient, keyspace_name: str, notes: str, cql: Session
) -> None:
    key = unique()
    response = await client.post(
        path(keyspace_name, notes), params={"ttl": "300"}, json={"id": key, "part": 1, "label": "temporary"}
    )
    assert response.status_code == 201
    row = cql.execute(f"SELECT TTL(label) AS left FROM {notes} WHERE id = %s AND part = 1", (key,)).one()
    assert 0 < row["left"] <= 300


async def test_a_short_ttl_really_expires(client: httpx.AsyncClient, keyspace_name: str, notes: str) -> None:
    key = unique()
    await client.post(path(keyspace_name, notes), params={"ttl": "1"}, json={"id": key, "part": 1, "label": "gone"})
    assert (await client.get(path(keyspace_name, notes, key))).json()["count"] == 1
    for _ in range(300):  # expiry is Cassandra's business: poll (up to ~30 s), assert no time
        if (await client.get(path(keyspace_name, notes, key))).json()["count"] == 0:
            break
        await asyncio.sleep(0.1)
    assert (await client.get(path(keyspace_name, notes, key))).json() == {"count": 0, "data": []}


async def test_ttl_on_put_applies_to_the_set_columns(
    client: httpx.AsyncClient, keyspace_name: str, notes: str, cql: Session
) -> None:
    key = unique()
    await client.put(path(keyspace_name, notes, key, 1), params={"ttl": "120"}, json={"note": "short-lived"})
    row = cql.execute(f"SELECT TTL(note) AS left FROM {notes} WHERE id = %s AND part = 1", (key,)).one()
    assert 0 < row["left"] <= 120


async def test_a_write_timestamp_orders_writes_as_given(
    client: httpx.AsyncClient, keyspace_name: str, notes: str, cql: Session
) -> None:
    key = unique()
    later = time.time_ns() // 1000  # microseconds, as USING TIMESTAMP takes them
    await client.post(
        path(keyspace_name, notes), params={"timestamp": str(later)}, json={"id": key, "part": 1, "label": "b"}
    )
    await client.post(
        path(keyspace_name, notes), params={"timestamp": str(later - 1000)}, json={"id": key, "part": 1, "label": "a"}
    )
    row = cql.execute(f"SELECT label, WRITETIME(label) AS at FROM {notes} WHERE id = %s AND part = 1", (key,)).one()
    assert (row["label"], row["at"]) == ("b", later)  # the older write lost, as Cassandra's timestamps decide


async def test_if_not_exists_writes_a_new_row(
    client: httpx.AsyncClient, keyspace_name: str, notes: str, cql: Session
) -> None:
    key = unique()
    response = await client.post(
        path(keyspace_name, notes), params={"ifNotExists": "true"}, json={"id": key, "part": 1, "label": "mine"}
    )
    assert response.status_code == 201
    assert response.json() == {"applied": True, "id": key, "part": 1, "label": "mine"}
    assert stored(cql, notes, key) == [{"part": 1, "label": "mine", "note": None}]


async def test_if_not_exists_refuses_an_existing_row_and_shows_it(
    client: httpx.AsyncClient, keyspace_name: str, notes: str, cql: Session
) -> None:
    key = unique()
    await client.post(path(keyspace_name, notes), json={"id": key, "part": 1, "label": "first"})
    response = await client.post(
        path(keyspace_name, notes), params={"ifNotExists": "true"}, json={"id": key, "part": 1, "label": "second"}
    )
    assert response.status_code == 409
    body = response.json()
    assert body["applied"] is False
    assert body["existing"] == {"id": key, "part": 1, "label": "first", "note": None}
    assert stored(cql, notes, key) == [{"part": 1, "label": "first", "note": None}]


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"ttl": "-1"}, "'ttl'"),
        ({"ttl": "soon"}, "'ttl'"),
        ({"timestamp": "x"}, "'timestamp'"),
        ({"ttl": str(2**31)}, "'ttl'"),  # beyond what the driver binds: refused before, not a 500
        ({"timestamp": str(2**63)}, "'timestamp'"),
        ({"ifNotExists": "true", "timestamp": str(time.time_ns() // 1000)}, "cannot be combined"),
    ],
)
async def test_bad_write_options_are_a_400(
    client: httpx.AsyncClient, keyspace_name: str, notes: str, params: dict[str, str], says: str
) -> None:
    response = await client.post(path(keyspace_name, notes), params=params, json={"id": unique(), "part": 1})
    assert response.status_code == 400
    assert says in response.json()["description"]


@pytest.fixture(scope="module")
def tallies(cql: Session) -> str:
    return create_table(cql, "id text PRIMARY KEY, hits counter, misses counter", prefix="tallies")


async def test_counters_cannot_be_posted(client: httpx.AsyncClient, keyspace_name: str, tallies: str) -> None:
    response = await client.post(path(keyspace_name, tallies), json={"id": "x", "hits": 1})
    assert response.status_code == 400
    assert "counter" in response.json()["description"]


async def test_counters_are_incremented_by_put_and_patch(
    client: httpx.AsyncClient, keyspace_name: str, tallies: str, cql: Session
) -> None:
    key = unique()
    for body in ({"hits": 5}, {"hits": "+1"}, {"hits": "-2", "misses": 1}):
        response = await client.patch(path(keyspace_name, tallies, key), json=body)
        assert response.status_code == 200, response.text
    row = cql.execute(f"SELECT hits, misses FROM {tallies} WHERE id = %s", (key,)).one()
    assert (row["hits"], row["misses"]) == (4, 1)


@pytest.fixture(scope="module")
def amounts(cql: Session) -> str:
    return create_table(cql, "id text PRIMARY KEY, exact decimal, big varint", prefix="amounts")


async def test_json_numbers_keep_every_digit_for_decimal_and_varint(
    client: httpx.AsyncClient, keyspace_name: str, amounts: str, cql: Session
) -> None:
    key = unique()
    body = '{"id": "' + key + '", "exact": 12345678901234567890.123456789, "big": 123456789012345678901234567890}'
    response = await client.post(
        path(keyspace_name, amounts), content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 201, response.text
    row = cql.execute(f"SELECT exact, big FROM {amounts} WHERE id = %s", (key,)).one()
    assert str(row["exact"]) == "12345678901234567890.123456789"
    assert row["big"] == 123456789012345678901234567890
    read = await client.get(path(keyspace_name, amounts, key), params={"raw": "true"})
    # regular columns come in CQL order (alphabetical), every digit kept
    expected = f'[{{"id":"{key}","big":123456789012345678901234567890,"exact":12345678901234567890.123456789}}]'
    assert read.text == expected
