"""Indexes over the schema API: created (plain, on a collection's values, storage-attached with options), listed,
dropped; and Stargate's refusals."""

from __future__ import annotations

import httpx
import pytest

from tests.support.names import unique
from tests.support.rows import assert_stargate_error
from tests.support.schema_api import S, column, create_table, table_body


@pytest.fixture
async def table(api: httpx.AsyncClient, ks: str) -> str:
    name = unique("t")
    columns = [column("id", "text"), column("firstName", "text"), column("email", "list<text>")]
    await create_table(api, ks, table_body(name, columns, ["id"]))
    return name


def index(column: str, name: str | None, **more: object) -> dict[str, object]:
    """A `Sgv2IndexAddRequest` as Stargate's Java client sends it (nulls included)."""
    return {"column": column, "name": name, "type": None, "kind": None, "options": None, "ifNotExists": False} | more


async def names(api: httpx.AsyncClient, ks: str, table: str) -> list[str]:
    listed = await api.get(f"{S}/{ks}/tables/{table}/indexes")
    return [i["index_name"] for i in listed.json()]


async def test_an_index_is_created_listed_and_its_twin_refused(api: httpx.AsyncClient, ks: str, table: str) -> None:
    path = f"{S}/{ks}/tables/{table}/indexes"
    response = await api.post(path, json=index("firstName", "first_idx"))
    assert (response.status_code, response.json()) == (201, {"success": True})
    assert await names(api, ks, table) == ["first_idx"]
    assert (await api.post(path, json=index("firstName", "first_idx", ifNotExists=True))).status_code == 201
    again = await api.post(path, json=index("firstName", "first_idx"))
    assert_stargate_error(again, 400, "first_idx", "already exists")


async def test_a_collection_is_indexed_by_its_values(api: httpx.AsyncClient, ks: str, table: str) -> None:
    response = await api.post(f"{S}/{ks}/tables/{table}/indexes", json=index("email", "email_idx", kind="VALUES"))
    assert response.status_code == 201
    assert await names(api, ks, table) == ["email_idx"]


async def test_a_storage_attached_index_takes_its_options(api: httpx.AsyncClient, ks: str, table: str) -> None:
    body = index("firstName", "sai_idx", type="StorageAttachedIndex", options={"case_sensitive": "false"})
    assert (await api.post(f"{S}/{ks}/tables/{table}/indexes", json=body)).status_code == 201
    [listed] = (await api.get(f"{S}/{ks}/tables/{table}/indexes")).json()
    assert listed["kind"] == "CUSTOM"
    assert listed["options"]["case_sensitive"] == "false"
    assert listed["options"]["class_name"].endswith("StorageAttachedIndex")


async def test_an_unknown_option_or_value_is_a_400_before_cassandra(
    api: httpx.AsyncClient, ks: str, table: str
) -> None:
    path = f"{S}/{ks}/tables/{table}/indexes"
    unknown = index("firstName", "x", type="sai", options={"mode": "CONTAINS"})
    assert_stargate_error(await api.post(path, json=unknown), 400, "Unknown option 'mode'")
    wrong = index("firstName", "x", type="sai", options={"similarity_function": "hamming"})
    assert_stargate_error(await api.post(path, json=wrong), 400, "similarity_function", "COSINE")
    class_name = index("firstName", "x", type="org.example'; DROP", options={"a": "b"})
    assert_stargate_error(await api.post(path, json=class_name), 400, "nor a Java class name")


async def test_options_without_a_type_are_stargates_400(api: httpx.AsyncClient, ks: str, table: str) -> None:
    body = index("email", "x", kind="VALUES", options={"case_sensitive": "false"})
    response = await api.post(f"{S}/{ks}/tables/{table}/indexes", json=body)
    assert_stargate_error(response, 400, "Index 'type' must be specified if 'options' are specified")


async def test_an_unknown_table_is_a_400_and_an_unknown_column_a_404(
    api: httpx.AsyncClient, ks: str, table: str
) -> None:
    no_table = await api.post(f"{S}/{ks}/tables/no_such_table/indexes", json=index("firstName", "x"))
    assert_stargate_error(no_table, 400, "Table 'no_such_table' not found")
    no_column = await api.post(f"{S}/{ks}/tables/{table}/indexes", json=index("invalid_column", "x"))
    assert_stargate_error(no_column, 404, f"Column 'invalid_column' not found in table '{table}'")


async def test_an_index_kind_cassandra_refuses_is_its_400(api: httpx.AsyncClient, ks: str, table: str) -> None:
    response = await api.post(f"{S}/{ks}/tables/{table}/indexes", json=index("firstName", "x", kind="ENTRIES"))
    assert_stargate_error(response, 400, "Cannot create entries() index on firstName")


async def test_a_dropped_index_is_gone_and_an_unknown_one_needs_if_exists(
    api: httpx.AsyncClient, ks: str, table: str
) -> None:
    assert (await api.post(f"{S}/{ks}/tables/{table}/indexes", json=index("firstName", "gone_idx"))).status_code == 201
    assert (await api.delete(f"{S}/{ks}/tables/{table}/indexes/gone_idx")).status_code == 204
    assert await names(api, ks, table) == []
    unknown = await api.delete(f"{S}/{ks}/tables/{table}/indexes/gone_idx")
    assert_stargate_error(unknown, 400, "Index '", "gone_idx")
    assert (
        await api.delete(f"{S}/{ks}/tables/{table}/indexes/gone_idx", params={"ifExists": "true"})
    ).status_code == 204
    no_table = await api.delete(f"{S}/{ks}/tables/no_such_table/indexes/gone_idx")
    assert_stargate_error(no_table, 400, "Table 'no_such_table' not found")
