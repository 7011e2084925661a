"""Every refusal of the rows API: Stargate's status and its error body `{"description", "code", ...}`."""

from __future__ import annotations

import httpx
import pytest
from cassandra.cluster import Session

from app.config import Settings
from tests.support.app import API_KEY, hardened_client
from tests.support.names import unique
from tests.support.rows import assert_stargate_error, create_table, path


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("GET", "/rows"),
        ("GET", "/k1"),
        ("GET", '?where={"a":{"$eq":1}}'),
        ("POST", ""),
        ("PUT", "/k1"),
        ("PATCH", "/k1"),
        ("DELETE", "/k1"),
    ],
)
async def test_an_unknown_table_is_a_400_on_every_route(
    client: httpx.AsyncClient, keyspace_name: str, method: str, suffix: str
) -> None:
    table = unique("missing")
    response = await client.request(method, f"/v2/keyspaces/{keyspace_name}/{table}{suffix}", json={"a": 1})
    assert_stargate_error(response, 400, f"Table '{table}' not found (in keyspace '{keyspace_name}')")


@pytest.mark.parametrize("method", ["GET", "DELETE"])
async def test_an_unknown_keyspace_is_a_400(client: httpx.AsyncClient, method: str) -> None:
    response = await client.request(method, "/v2/keyspaces/no_such_keyspace/plants/rows")
    assert_stargate_error(response, 400, "Keyspace 'no_such_keyspace' not found")


async def test_a_keyspace_that_is_not_served_answers_as_unknown(client: httpx.AsyncClient) -> None:
    response = await client.get("/v2/keyspaces/system_schema/tables/rows")
    assert_stargate_error(response, 400, "Keyspace 'system_schema' not found")


async def test_too_few_key_values_are_a_400(client: httpx.AsyncClient, keyspace_name: str, people: str) -> None:
    response = await client.get(path(keyspace_name, people, "fr"))
    assert_stargate_error(
        response, 400, "Invalid path for row to find, problem: Number of key values provided (1) less than number of"
    )


async def test_too_many_key_values_are_a_400(client: httpx.AsyncClient, keyspace_name: str, people: str) -> None:
    response = await client.delete(path(keyspace_name, people, "fr", "paris", "ada", 1990, "extra"))
    assert_stargate_error(response, 400, "Invalid path for row to delete", "exceeds number of partition keys (2)")


async def test_a_key_value_of_the_wrong_type_is_a_400_naming_it(
    client: httpx.AsyncClient, keyspace_name: str, people: str
) -> None:
    response = await client.get(path(keyspace_name, people, "fr", "paris", "ada", "nineteen"))
    assert_stargate_error(response, 400, "Invalid path for row to find", "nineteen", "born")


@pytest.mark.parametrize(
    ("content", "says"),
    [("{not json", "Invalid JSON payload"), ("[1, 2]", "must be a JSON object"), ("", "Invalid JSON payload")],
)
async def test_a_body_that_is_not_a_json_object_is_a_400(
    client: httpx.AsyncClient, keyspace_name: str, people: str, content: str, says: str
) -> None:
    response = await client.post(
        path(keyspace_name, people), content=content, headers={"content-type": "application/json"}
    )
    assert_stargate_error(response, 400, says)


async def test_an_unknown_column_in_a_body_is_a_400(client: httpx.AsyncClient, keyspace_name: str, people: str) -> None:
    body = {"country": "fr", "city": "x", "name": "n", "born": 1, "shoe_size": 44}
    assert_stargate_error(
        await client.post(path(keyspace_name, people), json=body), 400, "Unknown field name 'shoe_size'"
    )


async def test_a_post_without_its_primary_key_is_a_400(
    client: httpx.AsyncClient, keyspace_name: str, people: str
) -> None:
    response = await client.post(path(keyspace_name, people), json={"country": "fr", "city": "x", "name": "n"})
    assert_stargate_error(response, 400, "Invalid path for row to create", "born")


async def test_a_bad_value_in_a_body_is_a_400_naming_the_field(
    client: httpx.AsyncClient, keyspace_name: str, people: str
) -> None:
    body = {"country": "fr", "city": "x", "name": "n", "born": "not-a-year"}
    response = await client.post(path(keyspace_name, people), json=body)
    assert_stargate_error(response, 400, f"Failed to deserialize field '{people}.born'", "not-a-year")


async def test_a_key_column_in_an_update_body_is_a_400(
    client: httpx.AsyncClient, keyspace_name: str, people: str
) -> None:
    response = await client.put(path(keyspace_name, people, "fr", "paris", "ada", 1990), json={"name": "zed"})
    assert_stargate_error(response, 400, "Invalid path for row to update", "'name'")


async def test_a_bad_sort_is_a_400(client: httpx.AsyncClient, keyspace_name: str, people: str) -> None:
    response = await client.get(path(keyspace_name, people, "fr", "paris"), params={"sort": "{oops"})
    assert_stargate_error(response, 400, "Invalid 'sort' parameter, problem:", "not valid JSON")


async def test_a_bad_page_size_is_a_400(client: httpx.AsyncClient, keyspace_name: str, people: str) -> None:
    response = await client.get(f"/v2/keyspaces/{keyspace_name}/{people}/rows", params={"page-size": "many"})
    assert_stargate_error(response, 400, "page-size")


async def test_writes_need_a_token_when_keys_are_configured(settings: Settings, cql: Session, people: str) -> None:
    async with hardened_client(settings) as http:
        row = {"country": "fr", "city": "x", "name": unique(), "born": 1}
        missing = await http.post(path(settings.keyspace, people), json=row)
        wrong = await http.post(path(settings.keyspace, people), json=row, headers={"X-Cassandra-Token": "nope"})
        right = await http.post(path(settings.keyspace, people), json=row, headers={"X-Cassandra-Token": API_KEY})
    assert_stargate_error(missing, 401, "Missing token, expecting one in the X-Cassandra-Token header")
    assert_stargate_error(wrong, 401, "Role unauthorized for operation")
    assert right.status_code == 201


async def test_reads_need_a_token_under_protect_reads(settings: Settings, cql: Session, people: str) -> None:
    async with hardened_client(settings, protect_reads=True) as http:
        missing = await http.get(path(settings.keyspace, people, "fr", "lyon"))
        right = await http.get(path(settings.keyspace, people, "fr", "lyon"), headers={"X-Cassandra-Token": API_KEY})
    assert_stargate_error(missing, 401, "Missing token")
    assert right.status_code == 200


async def test_json_nested_too_deeply_is_a_400_not_a_500(
    client: httpx.AsyncClient, keyspace_name: str, people: str
) -> None:
    deep = "[" * 50_000 + "]" * 50_000
    posted = await client.post(path(keyspace_name, people), content=deep, headers={"content-type": "application/json"})
    assert_stargate_error(posted, 400, "Invalid JSON payload")
    deeper_than_the_parser_goes = "[" * 3_000 + "]" * 3_000  # a URL's query cannot hold the 50,000 above
    where = await client.get(f"/v2/keyspaces/{keyspace_name}/{people}", params={"where": deeper_than_the_parser_goes})
    assert_stargate_error(where, 400, "Invalid 'where' parameter")


async def test_a_key_that_is_no_uuid_is_a_400_in_stargates_words(
    client: httpx.AsyncClient, keyspace_name: str, cql: Session
) -> None:
    """Stargate's suite (RowDeleteIT.deleteRowNoSuchKey) matches on "Invalid String value" and the quoted text."""
    table = create_table(cql, "id uuid PRIMARY KEY, name text", prefix="by_uuid")
    response = await client.delete(path(keyspace_name, table.split(".")[-1], "not-really-uuid"))
    assert_stargate_error(
        response, 400, "Invalid path for row to delete, problem", "Invalid String value", "'not-really-uuid'"
    )
