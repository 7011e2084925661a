"""Tables over the schema API: created (key order, clustering order, default TTL, ifNotExists), served by the rows
API and the OpenAPI document at once, their options updated, dropped; and Stargate's refusals."""

from __future__ import annotations

import uuid

import httpx

from tests.support.names import unique
from tests.support.rows import assert_stargate_error
from tests.support.schema_api import S, column, create_table, simple_table, table_body


async def test_a_table_created_over_rest_is_written_read_and_documented_at_once(
    api: httpx.AsyncClient, ks: str
) -> None:
    name = unique("Mixed")
    columns = [column("ID", "uuid"), column("Lastname", "text"), column("Firstname", "text")]
    await create_table(api, ks, table_body(name, columns, ["ID"]))
    row = {"ID": str(uuid.uuid4()), "Firstname": "John", "Lastname": "Doe"}
    assert (await api.post(f"/v2/keyspaces/{ks}/{name}", json=row)).status_code == 201
    read = await api.get(f"/v2/keyspaces/{ks}/{name}/{row['ID']}", params={"raw": "true"})
    assert read.json() == [row]
    document = (await api.get("/openapi.json")).json()
    assert f"/v2/keyspaces/{ks}/{name}/{{ID}}" in document["paths"]


async def test_the_key_follows_primary_key_order_not_column_order(api: httpx.AsyncClient, ks: str) -> None:
    name = unique("t")
    columns = [column(c, "int") for c in ("value", "ck2", "ck1", "pk2", "pk1")]
    order = {"clusteringExpression": [{"column": "ck2", "order": "desc"}], "defaultTimeToLive": 0}
    await create_table(api, ks, table_body(name, columns, ["pk1", "pk2"], ["ck1", "ck2"], options=order))
    table = (await api.get(f"{S}/{ks}/tables/{name}", params={"raw": "true"})).json()
    assert table["primaryKey"] == {"partitionKey": ["pk1", "pk2"], "clusteringKey": ["ck1", "ck2"]}
    assert table["tableOptions"]["clusteringExpression"] == [
        {"column": "ck1", "order": "ASC"},
        {"column": "ck2", "order": "DESC"},
    ]


async def test_nested_and_static_columns_are_described_as_created(api: httpx.AsyncClient, ks: str) -> None:
    name = unique("t")
    columns = [
        column("id", "bigint"),
        column("c", "int"),
        column("data", "map<text,frozen<list<frozen<tuple<double,double>>>>>"),
        column("s", "TEXT", static=True),
    ]
    await create_table(api, ks, table_body(name, columns, ["id"], ["c"]))
    described = (await api.get(f"{S}/{ks}/tables/{name}/columns", params={"raw": "true"})).json()
    assert described == [
        {"name": "id", "typeDefinition": "bigint", "static": False},
        {"name": "c", "typeDefinition": "int", "static": False},
        {"name": "s", "typeDefinition": "text", "static": True},
        {"name": "data", "typeDefinition": "map<text, frozen<list<tuple<double, double>>>>", "static": False},
    ]


async def test_an_existing_table_is_a_409_unless_if_not_exists(api: httpx.AsyncClient, ks: str) -> None:
    name = await simple_table(api, ks)
    again = table_body(name, [column("id", "int")], ["id"], if_not_exists=True)
    assert (await api.post(f"{S}/{ks}/tables", json=again)).status_code == 201
    again["ifNotExists"] = False
    response = await api.post(f"{S}/{ks}/tables", json=again)
    body = assert_stargate_error(response, 409, "Resource already exists", "Cannot add already existing table")
    assert body["grpcStatus"] == "ALREADY_EXISTS"


async def test_a_table_without_a_name_is_stargates_400(api: httpx.AsyncClient, ks: str) -> None:
    response = await api.post(f"{S}/{ks}/tables", json=table_body("", [column("id", "int")], ["id"]))
    assert_stargate_error(response, 400, "Request invalid: TableAdd.name must be provided.")


async def test_a_table_without_columns_or_partition_key_is_a_400(api: httpx.AsyncClient, ks: str) -> None:
    no_columns = await api.post(f"{S}/{ks}/tables", json=table_body("t", [], ["id"]))
    assert_stargate_error(no_columns, 400, "TableAdd.columnDefinitions must be provided")
    no_key = await api.post(f"{S}/{ks}/tables", json=table_body("t", [column("id", "int")], []))
    assert_stargate_error(no_key, 400, "At least one partition key must be specified")
    unknown_key = await api.post(f"{S}/{ks}/tables", json=table_body("t", [column("id", "int")], ["nope"]))
    assert_stargate_error(unknown_key, 400, "primaryKey names column 'nope'")


async def test_a_type_that_does_not_parse_is_a_400_naming_it(api: httpx.AsyncClient, ks: str) -> None:
    body = table_body("t", [column("id", "int"), column("m", "map<text")], ["id"])
    assert_stargate_error(await api.post(f"{S}/{ks}/tables", json=body), 400, "'map<text'", "column 'm'")


async def test_an_unknown_type_is_cassandras_400(api: httpx.AsyncClient, ks: str) -> None:
    body = table_body(unique("t"), [column("id", "int"), column("m", "noSuchType")], ["id"])
    response = await api.post(f"{S}/{ks}/tables", json=body)
    body = assert_stargate_error(response, 400, "Invalid argument for gRPC operation", "Unknown type", "noSuchType")
    assert body["grpcStatus"] == "INVALID_ARGUMENT"


async def test_a_keyspace_that_does_not_exist_is_cassandras_400(api: httpx.AsyncClient, served: list[str]) -> None:
    body = table_body("t", [column("id", "int")], ["id"])
    response = await api.post(f"{S}/{served[2]}/tables", json=body)
    assert_stargate_error(response, 400, "Invalid argument for gRPC operation", served[2])


async def test_updating_the_default_ttl(api: httpx.AsyncClient, ks: str) -> None:
    name = await simple_table(api, ks)
    update = {"name": name, "tableOptions": {"defaultTimeToLive": 5}}
    response = await api.put(f"{S}/{ks}/tables/{name}", json=update)
    assert (response.status_code, response.json()) == (200, {"name": name})
    table = (await api.get(f"{S}/{ks}/tables/{name}", params={"raw": "true"})).json()
    assert table["tableOptions"]["defaultTimeToLive"] == 5


async def test_an_update_without_a_ttl_or_with_a_clustering_order_is_a_400(api: httpx.AsyncClient, ks: str) -> None:
    path = f"{S}/{ks}/tables/whatever"
    no_ttl = await api.put(path, json={"name": "whatever", "tableOptions": {}})
    assert_stargate_error(no_ttl, 400, "No update provided for defaultTTL")
    order = {"name": "whatever", "tableOptions": {"clusteringExpression": [{"column": "c", "order": "ASC"}]}}
    assert_stargate_error(await api.put(path, json=order), 400, "Cannot update the clustering order of a table")


async def test_updating_an_unknown_table_is_a_400(api: httpx.AsyncClient, ks: str) -> None:
    response = await api.put(
        f"{S}/{ks}/tables/no_such_table", json={"name": "x", "tableOptions": {"defaultTimeToLive": 1}}
    )
    assert_stargate_error(response, 400, "Table 'no_such_table' not found")


async def test_a_dropped_table_is_gone_from_the_schema_and_the_rows_api(api: httpx.AsyncClient, ks: str) -> None:
    name = await simple_table(api, ks)
    assert (await api.get(f"/v2/keyspaces/{ks}/{name}/rows")).status_code == 200
    assert (await api.delete(f"{S}/{ks}/tables/{name}")).status_code == 204
    assert_stargate_error(await api.get(f"{S}/{ks}/tables/{name}"), 404, f"Table '{name}' not found")
    assert_stargate_error(await api.get(f"/v2/keyspaces/{ks}/{name}/rows"), 400, f"Table '{name}' not found")
    assert (await api.delete(f"{S}/{ks}/tables/{name}")).status_code == 204


async def test_a_body_that_is_not_a_json_object_is_a_400(api: httpx.AsyncClient, ks: str) -> None:
    response = await api.post(f"{S}/{ks}/tables", content=b"{not json", headers={"content-type": "application/json"})
    assert_stargate_error(response, 400, "Invalid JSON payload")
    assert_stargate_error(await api.post(f"{S}/{ks}/tables", json=[1]), 400, "must be a JSON object")


async def test_a_column_in_both_key_lists_is_a_partition_key_as_in_stargate(api: httpx.AsyncClient, ks: str) -> None:
    name = unique("t")
    columns = [column("genre", "text"), column("year", "int"), column("title", "text"), column("tags", "set<text>")]
    body = table_body(name, columns, ["genre", "year", "title"], ["year", "title"])
    await create_table(api, ks, body)
    table = (await api.get(f"{S}/{ks}/tables/{name}", params={"raw": "true"})).json()
    assert table["primaryKey"] == {"partitionKey": ["genre", "year", "title"], "clusteringKey": []}
