"""Reads as Stargate answers them: by key path or prefix, `/rows`, `fields`, `raw`, the envelope and its counts."""

from __future__ import annotations

import httpx

from tests.support.rows import path

ADA_1990 = {
    "country": "fr",
    "city": "paris",
    "name": "ada",
    "born": 1990,
    "nickname": "a",
    "score": 10,
    "active": True,
}


async def test_a_full_key_reads_one_row_in_the_envelope(
    client: httpx.AsyncClient, keyspace_name: str, people: str
) -> None:
    response = await client.get(path(keyspace_name, people, "fr", "paris", "ada", 1990))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"count": 1, "data": [ADA_1990]}


async def test_a_partition_key_reads_the_partition_in_clustering_order(
    client: httpx.AsyncClient, keyspace_name: str, people: str
) -> None:
    rows = (await client.get(path(keyspace_name, people, "fr", "paris"))).json()["data"]
    # name ascending, then born descending (the table's clustering order)
    assert [(r["name"], r["born"]) for r in rows] == [("ada", 1990), ("ada", 1985), ("bob", 1970), ("cyd", 2000)]


async def test_a_clustering_prefix_reads_that_range(client: httpx.AsyncClient, keyspace_name: str, people: str) -> None:
    body = (await client.get(path(keyspace_name, people, "fr", "paris", "ada"))).json()
    assert body["count"] == 2
    assert [r["born"] for r in body["data"]] == [1990, 1985]


async def test_rows_reads_the_whole_table(client: httpx.AsyncClient, keyspace_name: str, people: str) -> None:
    body = (await client.get(f"/v2/keyspaces/{keyspace_name}/{people}/rows")).json()
    assert body["count"] == 6
    assert "pageState" not in body


async def test_raw_answers_a_bare_array_of_rows(client: httpx.AsyncClient, keyspace_name: str, people: str) -> None:
    response = await client.get(path(keyspace_name, people, "fr", "paris", "ada", 1990), params={"raw": "true"})
    assert response.json() == [ADA_1990]


async def test_fields_selects_columns_in_the_order_given_and_tolerates_spaces(
    client: httpx.AsyncClient, keyspace_name: str, people: str
) -> None:
    response = await client.get(
        path(keyspace_name, people, "fr", "paris", "ada", 1990), params={"fields": " score, name ,,", "raw": "true"}
    )
    assert response.text == '[{"score":10,"name":"ada"}]'


async def test_every_selected_column_is_present_with_null_for_a_missing_value(
    client: httpx.AsyncClient, keyspace_name: str, people: str
) -> None:
    [row] = (await client.get(path(keyspace_name, people, "fr", "paris", "ada", 1985))).json()["data"]
    assert row["nickname"] is None
    assert set(row) == set(ADA_1990)


async def test_a_key_with_no_rows_answers_count_zero(
    client: httpx.AsyncClient, keyspace_name: str, people: str
) -> None:
    response = await client.get(path(keyspace_name, people, "fr", "nowhere"))
    assert (response.status_code, response.json()) == (200, {"count": 0, "data": []})


async def test_the_astra_url_shape_answers_as_v2(client: httpx.AsyncClient, keyspace_name: str, people: str) -> None:
    astra = await client.get(path(keyspace_name, people, "fr", "lyon", prefix="/api/rest/v2/keyspaces"))
    v2 = await client.get(path(keyspace_name, people, "fr", "lyon"))
    assert astra.status_code == 200
    assert astra.json() == v2.json()


async def test_the_sample_tables_are_served_too(client: httpx.AsyncClient, keyspace_name: str) -> None:
    body = (await client.get(path(keyspace_name, "plants", "Plantago", "afra"))).json()
    assert body == {"count": 1, "data": [{"genus": "Plantago", "species": "afra", "sightings": 3}]}
