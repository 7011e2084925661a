"""The schema API lists and describes Stargate's system keyspaces, whose schema every role can read; the rows API
still refuses their rows."""

from __future__ import annotations

import httpx

from app.rows.catalog import DESCRIBED_SYSTEM_KEYSPACES
from tests.support.rows import assert_stargate_error

S = "/v2/schemas/keyspaces"


async def test_the_keyspace_list_holds_the_system_keyspaces(client: httpx.AsyncClient, keyspace_name: str) -> None:
    names = [k["name"] for k in (await client.get(S, params={"raw": "true"})).json()]
    assert {"system", "system_schema", "system_auth", "system_distributed", "system_traces", keyspace_name} <= set(
        names
    )
    assert names == sorted(names)


async def test_the_virtual_keyspaces_are_not_listed(client: httpx.AsyncClient) -> None:
    names = [k["name"] for k in (await client.get(S, params={"raw": "true"})).json()]
    assert not {"system_views", "system_virtual_schema"} & set(names)


async def test_system_is_described_by_its_name_alone(client: httpx.AsyncClient) -> None:
    """Stargate's `keyspaceGetWrapped` expects exactly `{"name": "system"}` (LocalStrategy: no datacenters)."""
    response = await client.get(f"{S}/system")
    assert response.json() == {"data": {"name": "system"}}


async def test_the_tables_of_system_are_described(client: httpx.AsyncClient) -> None:
    tables = (await client.get(f"{S}/system/tables", params={"raw": "true"})).json()
    local = next(t for t in tables if t["name"] == "local")
    assert local["keyspace"] == "system" and local["columnDefinitions"]
    one = (await client.get(f"{S}/system/tables/local", params={"raw": "true"})).json()
    assert (
        one["name"] == "local"
        and {"name": "data_center", "typeDefinition": "text", "static": False} in one["columnDefinitions"]
    )


async def test_the_rows_of_a_system_keyspace_stay_refused(client: httpx.AsyncClient) -> None:
    for keyspace in DESCRIBED_SYSTEM_KEYSPACES[:2]:
        response = await client.get(f"/v2/keyspaces/{keyspace}/local/rows")
        assert_stargate_error(response, 400, f"Keyspace '{keyspace}' not found", error="unknown_keyspace")
