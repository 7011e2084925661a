"""`sort`: an ORDER BY on clustering columns, with Stargate v2's rule that only exactly "desc" sorts descending."""

from __future__ import annotations

import httpx

from tests.support.rows import path


async def born(client: httpx.AsyncClient, keyspace: str, table: str, sort: str) -> list[int]:
    response = await client.get(path(keyspace, table, "fr", "paris", "ada"), params={"sort": sort})
    assert response.status_code == 200, response.text
    return [r["born"] for r in response.json()["data"]]


async def test_desc_and_asc_order_a_clustering_column(
    client: httpx.AsyncClient, keyspace_name: str, people: str
) -> None:
    assert await born(client, keyspace_name, people, '{"born": "asc"}') == [1985, 1990]
    assert await born(client, keyspace_name, people, '{"born": "desc"}') == [1990, 1985]


async def test_only_lowercase_desc_is_descending(client: httpx.AsyncClient, keyspace_name: str, people: str) -> None:
    assert await born(client, keyspace_name, people, '{"born": "DESC"}') == [1985, 1990]


async def test_sorting_by_a_regular_column_is_cassandras_400(
    client: httpx.AsyncClient, keyspace_name: str, people: str
) -> None:
    response = await client.get(path(keyspace_name, people, "fr", "paris"), params={"sort": '{"score": "desc"}'})
    assert response.status_code == 400
    assert "Order by" in response.json()["description"] or "ORDER BY" in response.json()["description"]
