"""Keyspaces over the schema API: created with `replicas` or `datacenters`, dropped, and Stargate's refusals."""

from __future__ import annotations

import httpx
from cassandra.cluster import Session

from app.config import Settings
from tests.support.rows import assert_stargate_error
from tests.support.schema_api import S, create_keyspace, keyspace_names, schema_client, simple_table


async def test_a_keyspace_created_with_replicas_is_described(api: httpx.AsyncClient, served: list[str]) -> None:
    name = served[1]
    response = await api.post(S, json={"name": name, "replicas": 1})
    assert (response.status_code, response.json()) == (201, {"name": name})
    described = await api.get(f"{S}/{name}", params={"raw": "true"})
    assert described.json() == {"name": name}


async def test_creating_an_existing_keyspace_is_a_201_as_in_stargate(api: httpx.AsyncClient, ks: str) -> None:
    response = await api.post(S, json={"name": ks})
    assert (response.status_code, response.json()) == (201, {"name": ks})


async def test_a_keyspace_created_with_datacenters_lists_them(
    api: httpx.AsyncClient, served: list[str], cql: Session
) -> None:
    dc = str(cql.execute("SELECT data_center FROM system.local").one()["data_center"])
    name = served[2]
    response = await api.post(S, json={"name": name, "datacenters": [{"name": dc, "replicas": 1}]})
    assert response.status_code == 201, response.text
    described = await api.get(f"{S}/{name}", params={"raw": "true"})
    assert described.json() == {"name": name, "datacenters": [{"name": dc, "replicas": 1}]}
    assert (await api.delete(f"{S}/{name}")).status_code == 204


async def test_an_unknown_datacenter_is_stargates_400(api: httpx.AsyncClient, served: list[str]) -> None:
    response = await api.post(S, json={"name": served[2], "datacenters": [{"name": "noSuchDC", "replicas": 1}]})
    assert_stargate_error(response, 400, "Bad request: one or more of datacenters passed ([noSuchDC]) invalid")


async def test_a_body_that_is_not_json_is_stargates_400(api: httpx.AsyncClient) -> None:
    response = await api.post(S, content=b'{"name" "x", "replicas": 1}', headers={"content-type": "application/json"})
    assert_stargate_error(response, 400, "Invalid JSON payload for Keyspace creation, problem: ")


async def test_a_body_without_a_name_is_a_400(api: httpx.AsyncClient) -> None:
    response = await api.post(S, json={"replicas": 1})
    assert_stargate_error(response, 400, "Missing 'name' String property in payload Object")


async def test_replicas_must_be_a_positive_integer(api: httpx.AsyncClient, served: list[str]) -> None:
    response = await api.post(S, json={"name": served[2], "replicas": "three"})
    assert_stargate_error(response, 400, "'replicas' must be an integer")


async def test_a_keyspace_that_is_not_served_is_neither_created_nor_dropped(api: httpx.AsyncClient) -> None:
    assert_stargate_error(await api.post(S, json={"name": "not_served_here"}), 400, "is not served here")
    assert_stargate_error(await api.delete(f"{S}/system"), 400, "is not served here")


async def test_a_dropped_keyspace_is_gone_and_dropping_it_again_is_a_204(
    api: httpx.AsyncClient, served: list[str]
) -> None:
    name = served[1]
    assert (await api.post(S, json={"name": name})).status_code == 201
    assert (await api.delete(f"{S}/{name}")).status_code == 204
    assert (await api.get(f"{S}/{name}")).status_code == 404
    assert (await api.delete(f"{S}/{name}")).status_code == 204


async def test_a_method_no_path_takes_is_stargates_405(api: httpx.AsyncClient) -> None:
    response = await api.patch(S, json={})
    assert_stargate_error(response, 405, "HTTP 405 Method Not Allowed")
    assert response.headers["allow"] == "HEAD, GET, POST"


async def test_a_schema_change_is_bounded_by_its_own_timeout_not_server_timeout(settings: Settings) -> None:
    """Dropping a keyspace snapshots its tables first: far longer than a SERVER_TIMEOUT of 50 ms, which would
    answer 504 if a schema change were held to it (SCHEMA_CHANGE_TIMEOUT_SECONDS bounds it instead)."""
    name = keyspace_names(1)[0]
    async with schema_client(settings, [name], server_timeout=0.05) as client:
        await create_keyspace(client, name)
        await simple_table(client, name)
        response = await client.delete(f"{S}/{name}")
        assert response.status_code == 204, response.text
