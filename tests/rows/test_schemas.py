"""The schema endpoints' reads beyond the recording: served keyspaces only, the read access rule, the 405 for
writes when SCHEMA_API_WRITES is off (tests/schema_api covers the writes), names that need percent-encoding, tables
created while running, and Cassandra 5.0's own types and indexes (a vector, a storage-attached index), which
Stargate v2.0.51 (Cassandra 4.0) never had."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from cassandra.cluster import Session

from app.config import Settings
from app.routes.stargate.schemas import stargate_type
from app.rows.catalog import DESCRIBED_SYSTEM_KEYSPACES
from tests.support.app import API_KEY, hardened_client
from tests.support.names import unique
from tests.support.poll import eventually
from tests.support.rows import create_keyspace, create_table

S = "/v2/schemas/keyspaces"


@pytest.fixture(scope="module")
def served_table(cql: Session) -> str:
    table = create_table(
        cql,
        "p text, c int, s int static, v text, vec vector<float, 3>, PRIMARY KEY (p, c)",
        options="CLUSTERING ORDER BY (c DESC) AND default_time_to_live = 60",
        prefix="schemas",
    )
    cql.execute(f"CREATE INDEX {table}_v ON {table} (v) USING 'sai'", timeout=60)
    return table


async def test_a_table_as_stargate_describes_it(
    client: httpx.AsyncClient, keyspace_name: str, served_table: str
) -> None:
    response = await client.get(f"{S}/{keyspace_name}/tables/{served_table}")
    assert response.status_code == 200
    assert response.json() == {
        "data": {
            "name": served_table,
            "keyspace": keyspace_name,
            "columnDefinitions": [
                {"name": "p", "typeDefinition": "text", "static": False},
                {"name": "c", "typeDefinition": "int", "static": False},
                {"name": "s", "typeDefinition": "int", "static": True},
                {"name": "v", "typeDefinition": "text", "static": False},
                {"name": "vec", "typeDefinition": "vector<float, 3>", "static": False},
            ],
            "primaryKey": {"partitionKey": ["p"], "clusteringKey": ["c"]},
            "tableOptions": {"defaultTimeToLive": 60, "clusteringExpression": [{"column": "c", "order": "DESC"}]},
        }
    }


async def test_a_storage_attached_index_is_a_custom_one(
    client: httpx.AsyncClient, keyspace_name: str, served_table: str
) -> None:
    response = await client.get(f"{S}/{keyspace_name}/tables/{served_table}/indexes")
    assert response.status_code == 200
    [index] = response.json()
    assert index["index_name"] == f"{served_table}_v"
    assert index["kind"] == "CUSTOM"
    assert index["options"]["target"] == "v"
    assert index["options"]["class_name"] in ("sai", "org.apache.cassandra.index.sai.StorageAttachedIndex")


async def test_reads_are_open_unless_protect_reads(client: httpx.AsyncClient, keyspace_name: str) -> None:
    response = await client.get(S, params={"raw": "true"})  # the session's app: no keys, PROTECT_READS off
    assert response.status_code == 200
    names = [k["name"] for k in response.json()]
    assert keyspace_name in names and set(names) - {keyspace_name} <= set(DESCRIBED_SYSTEM_KEYSPACES)  # + Stargate's


async def test_under_protect_reads_a_key_is_needed(settings: Settings) -> None:
    async with hardened_client(settings, protect_reads=True) as client:
        assert (await client.get(S)).status_code == 401
        assert (await client.get(S, headers={"X-Cassandra-Token": "nope"})).status_code == 401
        assert (await client.get(S, headers={"X-Cassandra-Token": API_KEY})).status_code == 200


@pytest.mark.parametrize("name", ["system_views", "{other}"])
async def test_an_unserved_keyspace_answers_as_an_unknown_one(
    client: httpx.AsyncClient, cql: Session, name: str
) -> None:
    """Another user keyspace, or a virtual one (Stargate lists neither; its system keyspaces are
    tests/rows/test_system_keyspaces.py)."""
    other = name == "{other}"
    ks = unique("unserved_") if other else name
    if other:
        create_keyspace(cql, ks)
        cql.execute(f"CREATE TABLE {ks}.t (k text PRIMARY KEY)", timeout=60)
        cql.execute(f"CREATE TYPE {ks}.u (f text)", timeout=60)
    table = "t" if other else "clients"
    try:
        listed = (await client.get(S, params={"raw": "true"})).json()
        assert ks not in [k["name"] for k in listed]
        one = await client.get(f"{S}/{ks}")
        assert (one.status_code, one.json()["description"]) == (404, f"Unable to describe keyspace '{ks}'")
        for below in ("tables", f"tables/{table}", f"tables/{table}/columns", f"tables/{table}/indexes"):
            response = await client.get(f"{S}/{ks}/{below}")
            assert (response.status_code, response.json()["description"]) == (400, f"Keyspace '{ks}' not found")
        assert (await client.get(f"{S}/{ks}/types")).json() == {"data": []}
        assert (await client.get(f"{S}/{ks}/types/u")).status_code == 404
    finally:
        if other:
            cql.execute(f"DROP KEYSPACE {ks}", timeout=60)


@pytest.mark.parametrize(
    ("method", "below"),
    [
        ("POST", ""),
        ("DELETE", "/{ks}"),
        ("POST", "/{ks}/tables"),
        ("PUT", "/{ks}/tables/t"),
        ("DELETE", "/{ks}/tables/t"),
        ("POST", "/{ks}/tables/t/columns"),
        ("PUT", "/{ks}/tables/t/columns/c"),
        ("DELETE", "/{ks}/tables/t/columns/c"),
        ("POST", "/{ks}/tables/t/indexes"),
        ("DELETE", "/{ks}/tables/t/indexes/i"),
        ("POST", "/{ks}/types"),
        ("PUT", "/{ks}/types"),
        ("DELETE", "/{ks}/types/u"),
    ],
)
async def test_schema_writes_off_are_a_405_pointing_to_cql(
    writes_off: httpx.AsyncClient, keyspace_name: str, method: str, below: str
) -> None:
    for prefix in (S, "/api/rest" + S):
        response = await writes_off.request(method, prefix + below.replace("{ks}", keyspace_name), json={"name": "x"})
        assert response.status_code == 405
        body = response.json()
        assert body["code"] == 405
        assert "CQL" in body["description"]
        assert "DDL" in body["description"]
        assert "allow" in response.headers


@pytest.fixture(scope="module")
async def writes_off(settings: Settings, cql: Session) -> AsyncIterator[httpx.AsyncClient]:
    """Keys configured, reads open, SCHEMA_API_WRITES=false."""
    async with hardened_client(settings, schema_api_writes=False) as client:
        yield client


async def test_a_write_is_a_405_before_any_key_is_asked_for(writes_off: httpx.AsyncClient) -> None:
    response = await writes_off.post(S, json={"name": "x", "replicas": 1})
    assert response.status_code == 405


async def test_head_and_the_astra_prefix(client: httpx.AsyncClient, keyspace_name: str) -> None:
    assert (await client.head(f"{S}/{keyspace_name}")).status_code == 200
    response = await client.get(f"/api/rest{S}/{keyspace_name}/tables", params={"raw": "true"})
    assert response.status_code == 200
    assert isinstance(response.json(), list)


async def test_unknown_paths_are_stargates_404(client: httpx.AsyncClient, keyspace_name: str) -> None:
    for path in ("/v2/schemas/", "/v2/schemas/nothing", f"{S}/{keyspace_name}/other", f"{S}//tables"):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert response.json()["description"] == "Unable to find matching target resource method"
    raw = "/v2/sch%65mas/keyspaces"  # Starlette routes the decoded path; the raw one is no schema path
    request = client.build_request("GET", raw)
    request.url = request.url.copy_with(raw_path=raw.encode())
    assert (await client.send(request)).status_code == 404


async def test_a_name_with_a_slash_is_one_segment(client: httpx.AsyncClient, keyspace_name: str, cql: Session) -> None:
    table = unique("Slash")  # a table name cannot hold a "/", a quoted column name can
    cql.execute(f'CREATE TABLE "{table}" ("a/b" text PRIMARY KEY, "x y" int)', timeout=60)
    raw = f"{S}/{keyspace_name}/tables/{table}/columns/a%2Fb"
    request = client.build_request("GET", raw)
    request.url = request.url.copy_with(raw_path=raw.encode())
    response = await client.send(request)
    assert response.status_code == 200, response.text
    assert response.json() == {"data": {"name": "a/b", "typeDefinition": "text", "static": False}}


async def test_a_table_created_while_running_is_described(
    client: httpx.AsyncClient, keyspace_name: str, cql: Session
) -> None:
    table = unique("fresh_schema")
    cql.execute(f"CREATE TABLE {table} (k text PRIMARY KEY, v int)", timeout=60)
    response = await client.get(f"{S}/{keyspace_name}/tables/{table}/columns", params={"raw": "true"})
    assert response.status_code == 200  # a miss refreshes the driver's view before answering
    assert [c["name"] for c in response.json()] == ["k", "v"]
    cql.execute(f"ALTER TABLE {table} ADD w text", timeout=60)

    async def widened() -> bool:
        found = await client.get(f"{S}/{keyspace_name}/tables/{table}/columns/w")
        return found.status_code == 200

    await eventually(widened, within=10, what="the added column is listed")


async def test_a_type_created_while_running_is_listed(
    client: httpx.AsyncClient, keyspace_name: str, cql: Session
) -> None:
    name = unique("fresh_type")
    cql.execute(f"CREATE TYPE {name} (a int, b frozen<list<text>>)", timeout=60)

    async def listed() -> bool:
        response = await client.get(f"{S}/{keyspace_name}/types/{name}", params={"raw": "true"})
        return response.status_code == 200

    await eventually(listed, within=10, what="the created type is listed")
    response = await client.get(f"{S}/{keyspace_name}/types/{name}", params={"raw": "true"})
    assert response.json() == {
        "name": name,
        "keyspace": keyspace_name,
        "fields": [{"name": "a", "typeDefinition": "int"}, {"name": "b", "typeDefinition": "frozen<list<text>>"}],
    }


@pytest.mark.parametrize(
    ("driver", "stargate"),
    [
        ("varchar", "text"),
        ("frozen<tuple<int, frozen<address>>>", "tuple<int, frozen<udt<address>>>"),
        ('map<text, frozen<"Point">>', "map<text, frozen<udt<Point>>>"),
        ("vector<float, 3>", "vector<float, 3>"),
        (
            "'org.apache.cassandra.db.marshal.DynamicCompositeType'",
            "'org.apache.cassandra.db.marshal.DynamicCompositeType'",
        ),
    ],
)
def test_column_types_in_stargates_spelling(driver: str, stargate: str) -> None:
    assert stargate_type(driver, "ks") == stargate
