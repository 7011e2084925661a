"""`where`: every Stargate operator, its value rules, and the 400s for what Stargate refuses."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from cassandra.cluster import Session

from app.config import Settings
from tests.support.app import app_client
from tests.support.rows import where


async def names(client: httpx.AsyncClient, keyspace: str, table: str, conditions: dict[str, object]) -> list[object]:
    response = await client.get(f"/v2/keyspaces/{keyspace}/{table}", params={"where": where(conditions)})
    assert response.status_code == 200, response.text
    return [(r["name"], r["born"]) for r in response.json()["data"]]


PARIS = {"country": {"$eq": "fr"}, "city": {"$eq": "paris"}}


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("$eq", "bob", [("bob", 1970)]),
        ("$lt", "bob", [("ada", 1990), ("ada", 1985)]),
        ("$lte", "bob", [("ada", 1990), ("ada", 1985), ("bob", 1970)]),
        ("$gt", "bob", [("cyd", 2000)]),
        ("$gte", "bob", [("bob", 1970), ("cyd", 2000)]),
        ("$in", ["ada", "cyd"], [("ada", 1990), ("ada", 1985), ("cyd", 2000)]),
    ],
)
async def test_each_comparison_operator_restricts_a_clustering_column(
    client: httpx.AsyncClient, keyspace_name: str, people: str, op: str, value: object, expected: list[object]
) -> None:
    assert await names(client, keyspace_name, people, {**PARIS, "name": {op: value}}) == expected


async def test_operator_names_are_case_insensitive(client: httpx.AsyncClient, keyspace_name: str, people: str) -> None:
    conditions = {"country": {"$EQ": "fr"}, "city": {"$Eq": "lyon"}, "name": {"$GT": "dan"}}
    assert await names(client, keyspace_name, people, conditions) == [("eve", 1999)]


async def test_several_operators_on_one_column_are_anded(
    client: httpx.AsyncClient, keyspace_name: str, people: str
) -> None:
    conditions = {**PARIS, "name": {"$eq": "ada"}, "born": {"$gt": 1980, "$lt": 1989}}
    assert await names(client, keyspace_name, people, conditions) == [("ada", 1985)]


async def test_a_numeric_string_is_accepted_for_an_int_column(
    client: httpx.AsyncClient, keyspace_name: str, people: str
) -> None:
    conditions = {**PARIS, "name": {"$eq": "ada"}, "born": {"$eq": "1985"}}
    assert await names(client, keyspace_name, people, conditions) == [("ada", 1985)]


async def test_in_takes_its_elements_strictly_typed(client: httpx.AsyncClient, keyspace_name: str, people: str) -> None:
    conditions = {**PARIS, "name": {"$eq": "ada"}, "born": {"$in": ["1985"]}}
    response = await client.get(f"/v2/keyspaces/{keyspace_name}/{people}", params={"where": where(conditions)})
    assert response.status_code == 400
    assert "born" in response.json()["description"]


async def test_in_on_the_partition_key_reads_several_partitions(
    client: httpx.AsyncClient, keyspace_name: str, people: str
) -> None:
    conditions = {"country": {"$eq": "fr"}, "city": {"$in": ["lyon", "paris"]}}
    found = await names(client, keyspace_name, people, conditions)
    assert sorted(found) == sorted(
        [("ada", 1990), ("ada", 1985), ("bob", 1970), ("cyd", 2000), ("dan", 1960), ("eve", 1999)]
    )


async def bad_where(client: httpx.AsyncClient, keyspace: str, table: str, text: str | None) -> dict[str, object]:
    params = {"where": text} if text is not None else {}
    response = await client.get(f"/v2/keyspaces/{keyspace}/{table}", params=params)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == 400
    return body


async def test_ne_is_refused_as_in_stargate(client: httpx.AsyncClient, keyspace_name: str, people: str) -> None:
    body = await bad_where(client, keyspace_name, people, where({"name": {"$ne": "ada"}}))
    assert body["description"] == "Invalid 'where' parameter, problem: Operation $ne is not supported."


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (None, "'where' must be provided"),
        ("{not json", "Input provided is not valid json"),
        ('["name"]', "Was expecting a JSON object as input for where parameter"),
        ('{"name": "ada"}', "Entry for field name was expecting a JSON object as input"),
        ('{"name": {"$eq": null}}', "was expecting a value, but found null"),
        ('{"name": {"$eq": "a"}, "name": {"$eq": "b"}}', "Duplicate field 'name'"),
        ('{"nosuch": {"$eq": 1}}', "Unknown field name 'nosuch'"),
        ('{"name": {"$like": "a%"}}', "$like"),
        ('{"name": {"$in": []}}', "$in must be a non-empty array"),
        ('{"active": {"$exists": false}}', "`$exists` only supports the value `true`"),
        ('{"score": {"$contains": 1}}', "not of container type"),
        ('{"score": {"$containsKey": 1}}', "not of map type"),
    ],
)
async def test_a_bad_where_is_a_400_that_says_what_was_wrong(
    client: httpx.AsyncClient, keyspace_name: str, people: str, text: str | None, says: str
) -> None:
    body = await bad_where(client, keyspace_name, people, text)
    assert says in str(body["description"]), body


async def test_filtering_cassandra_would_refuse_is_a_400_with_its_reason(
    client: httpx.AsyncClient, keyspace_name: str, people: str
) -> None:
    body = await bad_where(client, keyspace_name, people, where({"score": {"$gt": 15}}))
    assert "ALLOW FILTERING" in str(body["description"])


async def test_allow_filtering_needs_the_deployment_to_allow_it(
    client: httpx.AsyncClient, keyspace_name: str, people: str
) -> None:
    params = {"where": where({"score": {"$gt": 15}}), "allowFiltering": "true"}
    response = await client.get(f"/v2/keyspaces/{keyspace_name}/{people}", params=params)
    assert response.status_code == 400
    assert "ROWS_ALLOW_FILTERING" in response.json()["description"]


@pytest.fixture(scope="module")
async def filtering_client(settings: Settings, cql: Session) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(settings.model_copy(update={"rows_allow_filtering": True})) as http:
        yield http


async def test_allow_filtering_runs_when_allowed_and_asked(
    filtering_client: httpx.AsyncClient, keyspace_name: str, people: str
) -> None:
    params = {"where": where({"score": {"$gte": 40}, "active": {"$exists": True}}), "allowFiltering": "true"}
    response = await filtering_client.get(f"/v2/keyspaces/{keyspace_name}/{people}", params=params)
    assert response.status_code == 200, response.text
    assert sorted(r["name"] for r in response.json()["data"]) == ["dan", "eve"]
