"""User-defined types over the schema API: created, fields added and renamed, dropped, used by a table; and
Stargate's refusals."""

from __future__ import annotations

import httpx

from tests.support.names import unique
from tests.support.rows import assert_stargate_error
from tests.support.schema_api import S, column, create_table, table_body


def udt(name: str, *fields: tuple[str, str], **more: object) -> dict[str, object]:
    return {"name": name, "fields": [{"name": f, "typeDefinition": t} for f, t in fields]} | more


async def test_a_type_is_created_described_and_its_twin_refused(api: httpx.AsyncClient, ks: str) -> None:
    name = unique("u")
    body = udt(name, ("arrival", "timestamp"), ("props", "frozen<map<text,text>>"))
    response = await api.post(f"{S}/{ks}/types", json=body)
    assert (response.status_code, response.json()) == (201, {"name": name})
    described = await api.get(f"{S}/{ks}/types/{name}", params={"raw": "true"})
    assert described.json()["fields"] == [
        {"name": "arrival", "typeDefinition": "timestamp"},
        {"name": "props", "typeDefinition": "frozen<map<text, text>>"},
    ]
    again = await api.post(f"{S}/{ks}/types", json=body)
    assert_stargate_error(again, 400, f"Bad request: A user type with name '{name}' already exists")
    assert (await api.post(f"{S}/{ks}/types", json=body | {"ifNotExists": True})).status_code == 201


async def test_a_type_body_stargate_refuses_is_its_400(api: httpx.AsyncClient, ks: str) -> None:
    path = f"{S}/{ks}/types"
    not_json = await api.post(path, content=b'{"name": "x", "fields": [}', headers={"content-type": "application/json"})
    assert_stargate_error(not_json, 400, "Invalid JSON payload: ")
    assert_stargate_error(await api.post(path, json={"fields": []}), 400, "typeName must be provided")
    assert_stargate_error(await api.post(path, json=udt("x")), 400, "There should be at least one field defined")
    no_type = await api.post(path, json={"name": "x", "fields": [{"name": "firstName"}]})
    assert_stargate_error(no_type, 400, "Field 'name' and 'typeDefinition' must be provided")


async def test_fields_are_added_and_renamed(api: httpx.AsyncClient, ks: str) -> None:
    name = unique("u")
    assert (await api.post(f"{S}/{ks}/types", json=udt(name, ("age", "int")))).status_code == 201
    update = {
        "name": name,
        "addFields": [{"name": "name", "typeDefinition": "text"}, {"name": "cou", "typeDefinition": "text"}],
    }
    response = await api.put(f"{S}/{ks}/types", json=update)
    assert (response.status_code, response.content) == (200, b"")
    rename = {"name": name, "renameFields": [{"from": "name", "to": "firstname"}, {"from": "cou", "to": "Country"}]}
    assert (await api.put(f"{S}/{ks}/types", json=rename)).status_code == 200
    described = (await api.get(f"{S}/{ks}/types/{name}", params={"raw": "true"})).json()
    assert [f["name"] for f in described["fields"]] == ["age", "firstname", "Country"]


async def test_an_update_stargate_or_cassandra_refuses_is_a_400(api: httpx.AsyncClient, ks: str) -> None:
    name = unique("u")
    assert (await api.post(f"{S}/{ks}/types", json=udt(name, ("firstname", "text")))).status_code == 201
    twice = {"name": name, "addFields": [{"name": "firstname", "typeDefinition": "text"}]}
    assert_stargate_error(await api.put(f"{S}/{ks}/types", json=twice), 400, "Invalid argument", "already exists")
    nothing = await api.put(f"{S}/{ks}/types", json=udt(name, ("x", "text")))
    assert_stargate_error(nothing, 400, "addFields and/or renameFields is required to update an UDT")


async def test_a_table_uses_a_type_by_its_exact_name_which_then_cannot_be_dropped(
    api: httpx.AsyncClient, ks: str
) -> None:
    name = unique("fullName")
    assert (await api.post(f"{S}/{ks}/types", json=udt(name, ("first", "text"), ("last", "text")))).status_code == 201
    table = unique("t")
    await create_table(api, ks, table_body(table, [column("id", "text"), column("who", name)], ["id"]))
    row = {"id": "a", "who": {"first": "Ada", "last": "Lovelace"}}
    assert (await api.post(f"/v2/keyspaces/{ks}/{table}", json=row)).status_code == 201
    read = await api.get(f"/v2/keyspaces/{ks}/{table}/a", params={"raw": "true"})
    assert read.json() == [row]
    in_use = await api.delete(f"{S}/{ks}/types/{name}")
    assert_stargate_error(in_use, 400, "Invalid argument", "Cannot drop user type", "as it is still used by")


async def test_a_dropped_type_is_gone_and_dropping_it_again_is_a_204(api: httpx.AsyncClient, ks: str) -> None:
    name = unique("u")
    assert (await api.post(f"{S}/{ks}/types", json=udt(name, ("a", "text")))).status_code == 201
    assert (await api.delete(f"{S}/{ks}/types/{name}")).status_code == 204
    assert_stargate_error(await api.get(f"{S}/{ks}/types/{name}"), 404, "No definition found for UDT")
    assert (await api.delete(f"{S}/{ks}/types/{name}")).status_code == 204
