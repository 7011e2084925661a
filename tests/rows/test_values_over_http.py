"""Values through the HTTP surface itself, for what the Stargate recording cannot cover (its Cassandra 4.0 has no
vector type) and for the loose input forms a client is most likely to send."""

from __future__ import annotations

import httpx
import pytest
from cassandra.cluster import Session

from tests.support.names import unique
from tests.support.rows import create_table, path


@pytest.fixture(scope="module")
def embeddings(cql: Session) -> str:
    return create_table(cql, "id text PRIMARY KEY, v vector<float, 3>, tags set<text>, at timestamp", prefix="emb")


async def test_a_vector_round_trips_through_post_and_get(
    client: httpx.AsyncClient, keyspace_name: str, embeddings: str
) -> None:
    key = unique()
    posted = await client.post(path(keyspace_name, embeddings), json={"id": key, "v": [0.5, -1.0, 2.25]})
    assert posted.status_code == 201, posted.text
    [row] = (await client.get(path(keyspace_name, embeddings, key), params={"raw": "true"})).json()
    assert row["v"] == [0.5, -1.0, 2.25]


async def test_a_vector_of_the_wrong_size_is_a_400(
    client: httpx.AsyncClient, keyspace_name: str, embeddings: str
) -> None:
    response = await client.post(path(keyspace_name, embeddings), json={"id": unique(), "v": [1, 2, 3, 4]})
    assert response.status_code == 400
    assert "Expected vector of size 3, got 4" in response.json()["description"]


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("2021-04-23T18:42:22.139Z", "2021-04-23T18:42:22.139Z"),
        ("2021-04-23T20:42:22+02:00", "2021-04-23T18:42:22Z"),
        (1619203342139, "2021-04-23T18:42:22.139Z"),
    ],
)
async def test_a_timestamp_is_taken_as_iso_with_an_offset_or_as_epoch_ms(
    client: httpx.AsyncClient, keyspace_name: str, embeddings: str, given: object, stored: str
) -> None:
    key = unique()
    assert (await client.post(path(keyspace_name, embeddings), json={"id": key, "at": given})).status_code == 201
    [row] = (await client.get(path(keyspace_name, embeddings, key), params={"raw": "true"})).json()
    assert row["at"] == stored


async def test_a_set_is_taken_as_an_array_or_a_cql_literal_and_read_sorted(
    client: httpx.AsyncClient, keyspace_name: str, embeddings: str
) -> None:
    for given in (["b", "a", "b"], "{'b', 'a'}"):
        key = unique()
        assert (await client.post(path(keyspace_name, embeddings), json={"id": key, "tags": given})).status_code == 201
        [row] = (await client.get(path(keyspace_name, embeddings, key), params={"raw": "true"})).json()
        assert row["tags"] == ["a", "b"]
