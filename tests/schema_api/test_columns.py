"""Columns over the schema API: added (static too), renamed as Cassandra allows (primary key columns only), dropped;
and Stargate's refusals."""

from __future__ import annotations

import httpx

from tests.support.names import unique
from tests.support.rows import assert_stargate_error
from tests.support.schema_api import S, column, create_table, simple_table, table_body


async def test_an_added_column_is_described(api: httpx.AsyncClient, ks: str) -> None:
    table = await simple_table(api, ks)
    response = await api.post(f"{S}/{ks}/tables/{table}/columns", json=column("name", "text"))
    assert (response.status_code, response.json()) == (201, {"name": "name"})
    found = await api.get(f"{S}/{ks}/tables/{table}/columns/name", params={"raw": "true"})
    assert found.json() == column("name", "text")


async def test_a_static_column_is_added_to_a_clustered_table(api: httpx.AsyncClient, ks: str) -> None:
    table = unique("t")
    await create_table(api, ks, table_body(table, [column("id", "int"), column("c", "int")], ["id"], ["c"]))
    response = await api.post(f"{S}/{ks}/tables/{table}/columns", json=column("balance", "float", static=True))
    assert response.status_code == 201
    found = await api.get(f"{S}/{ks}/tables/{table}/columns/balance", params={"raw": "true"})
    assert found.json() == column("balance", "float", static=True)


async def test_an_unknown_type_is_cassandras_400(api: httpx.AsyncClient, ks: str) -> None:
    table = await simple_table(api, ks)
    response = await api.post(f"{S}/{ks}/tables/{table}/columns", json=column("name", "badType"))
    assert_stargate_error(response, 400, "Invalid argument", "Unknown type", "badType")


async def test_a_column_without_a_name_is_stargates_400(api: httpx.AsyncClient, ks: str) -> None:
    table = await simple_table(api, ks)
    response = await api.post(f"{S}/{ks}/tables/{table}/columns", json={"name": None, "typeDefinition": "text"})
    assert_stargate_error(response, 400, "Request invalid: columnDefinition.name must be provided")


async def test_adding_to_an_unknown_table_is_a_400(api: httpx.AsyncClient, ks: str) -> None:
    response = await api.post(f"{S}/{ks}/tables/no_such_table/columns", json=column("x", "text"))
    assert_stargate_error(response, 400, "Table 'no_such_table' not found")


async def test_a_key_column_is_renamed_and_back(api: httpx.AsyncClient, ks: str) -> None:
    table = await simple_table(api, ks)
    for old, new in (("id", "id2"), ("id2", "id")):
        response = await api.put(f"{S}/{ks}/tables/{table}/columns/{old}", json=column(new, "uuid"))
        assert (response.status_code, response.json()) == (200, {"name": new})
        found = await api.get(f"{S}/{ks}/tables/{table}/columns/{new}", params={"raw": "true"})
        assert found.json() == column(new, "uuid")


async def test_renaming_a_regular_column_is_cassandras_400(api: httpx.AsyncClient, ks: str) -> None:
    table = await simple_table(api, ks)
    response = await api.put(f"{S}/{ks}/tables/{table}/columns/age", json=column("years", "int"))
    assert_stargate_error(response, 400, "Invalid argument", "Cannot rename non PRIMARY KEY column age")


async def test_renaming_an_unknown_column_or_in_an_unknown_keyspace_is_a_400(
    api: httpx.AsyncClient, ks: str, served: list[str]
) -> None:
    table = await simple_table(api, ks)
    missing = await api.put(f"{S}/{ks}/tables/{table}/columns/id0", json=column("x", "text"))
    assert_stargate_error(missing, 400, f"Column 'id0' not found in table '{table}'")
    no_keyspace = await api.put(f"{S}/{served[2]}/tables/t/columns/id", json=column("x", "text"))
    assert_stargate_error(no_keyspace, 400, f"Keyspace '{served[2]}' not found")


async def test_a_dropped_column_is_gone(api: httpx.AsyncClient, ks: str) -> None:
    table = await simple_table(api, ks)
    assert (await api.delete(f"{S}/{ks}/tables/{table}/columns/age")).status_code == 204
    names = [c["name"] for c in (await api.get(f"{S}/{ks}/tables/{table}/columns", params={"raw": "true"})).json()]
    assert names == ["id", "firstName", "lastName"]


async def test_dropping_a_key_or_unknown_column_is_a_400(api: httpx.AsyncClient, ks: str) -> None:
    table = await simple_table(api, ks)
    key = await api.delete(f"{S}/{ks}/tables/{table}/columns/id")
    assert_stargate_error(key, 400, "Invalid argument", "Cannot drop PRIMARY KEY column id")
    unknown = await api.delete(f"{S}/{ks}/tables/{table}/columns/id0")
    assert_stargate_error(unknown, 400, f"Column 'id0' not found in table '{table}'")
