"""Stargate's POST /v2/cql in keys mode: off by default, for an admin key only, answered in Stargate's shape with the
rows API's codecs, paged, and Cassandra's refusals in Stargate's gRPC words. (Pass-through: tests/identity/
test_cql_passthrough.py.)"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from cassandra.cluster import Session

from app.config import Settings
from app.routes.stargate.cql import ADMIN_ONLY, MISSING_BODY
from tests.support.app import API_KEY, hardened_client
from tests.support.rows import assert_stargate_error, filled_table

ADMIN = {"x-cassandra-token": API_KEY}
TEXT = {**ADMIN, "content-type": "text/plain"}
GRPC_400 = "Invalid argument for gRPC operation (Status.Code.INVALID_ARGUMENT->400): INVALID_ARGUMENT: "


@pytest.fixture(scope="module")
async def http(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with hardened_client(settings, cql_api=True, cassandra_protocol_version=5) as client:
        yield client


@pytest.fixture(scope="module")
def counted(cql: Session) -> str:
    """Five rows with a timestamp and a set, and a counter table beside them (its name + "_n")."""
    rows = [(i, 1_619_203_342_000 + i, {f"s{i}"}) for i in range(5)]
    table = filled_table(cql, "k int PRIMARY KEY, at timestamp, tags set<text>", "k, at, tags", rows)
    cql.execute(f"CREATE TABLE {table}_n (k text PRIMARY KEY, n counter)", timeout=60)
    cql.execute(f"UPDATE {table}_n SET n = n + 5 WHERE k = 'a'")
    return table


async def test_the_endpoint_is_off_by_default(client: httpx.AsyncClient) -> None:
    response = await client.post("/v2/cql", content="SELECT key FROM system.local")
    assert_stargate_error(response, 404, error="not_found")


async def test_a_select_is_answered_as_stargate_answers_it(http: httpx.AsyncClient) -> None:
    response = await http.post("/v2/cql", content="SELECT key FROM system.local", headers=TEXT)
    assert response.status_code == 200
    assert response.content == b'{"count":1,"data":[{"key":"local"}]}'


async def test_the_keyspace_parameter_names_the_keyspace_of_unqualified_names(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/api/rest/v2/cql", params={"keyspace": "system", "raw": "true"}, content="SELECT key FROM local", headers=TEXT
    )
    assert response.json() == [{"key": "local"}]


async def test_values_go_through_the_rows_apis_codecs(
    http: httpx.AsyncClient, counted: str, keyspace_name: str
) -> None:
    statement = f"SELECT k, at, tags FROM {keyspace_name}.{counted} WHERE k = 2"
    assert (await http.post("/v2/cql", content=statement, headers=TEXT)).json()["data"] == [
        {"k": 2, "at": "2021-04-23T18:42:22.002Z", "tags": ["s2"]}
    ]
    counter = await http.post("/v2/cql", content=f"SELECT n FROM {keyspace_name}.{counted}_n", headers=TEXT)
    assert counter.json()["data"] == [{"n": "5"}]  # a counter is a string, as Stargate writes it


async def test_a_long_answer_is_paged_with_a_sealed_page_state(
    http: httpx.AsyncClient, counted: str, keyspace_name: str
) -> None:
    statement = f"SELECT k FROM {keyspace_name}.{counted}"
    first = (await http.post("/v2/cql", params={"page-size": "3"}, content=statement, headers=TEXT)).json()
    assert first["count"] == 3 and first["pageState"]
    rest = await http.post(
        "/v2/cql", params={"page-size": "3", "page-state": first["pageState"]}, content=statement, headers=TEXT
    )
    assert sorted(r["k"] for r in first["data"] + rest.json()["data"]) == [0, 1, 2, 3, 4]
    assert "pageState" not in rest.json()


async def test_a_statement_cassandra_refuses_is_its_400_in_stargates_words(http: httpx.AsyncClient) -> None:
    response = await http.post("/v2/cql", content="SELsECT fo FROM sjkakk", headers=TEXT)
    assert response.content == (
        b'{"description":"'
        + (GRPC_400 + "line 1:0 no viable alternative at input 'SELsECT' ([SELsECT]...)").encode()
        + b'","code":400,"grpcStatus":"INVALID_ARGUMENT","internalTxId":null}'
    )


async def test_an_unknown_keyspace_is_cassandras_400(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/v2/cql", params={"keyspace": "no-such-keyspace"}, content="SELECT key FROM local", headers=TEXT
    )
    assert_stargate_error(response, 400, GRPC_400 + "Keyspace 'no-such-keyspace' does not exist")


async def test_a_missing_statement_is_stargates_400(http: httpx.AsyncClient) -> None:
    assert_stargate_error(await http.post("/v2/cql", headers=TEXT), 400, MISSING_BODY)


async def test_a_statement_with_bind_markers_is_refused(http: httpx.AsyncClient) -> None:
    response = await http.post("/v2/cql", content="SELECT key FROM system.local WHERE key = ?", headers=TEXT)
    assert_stargate_error(response, 400, "1 bind marker(s)")


async def test_without_a_key_it_is_stargates_401(http: httpx.AsyncClient) -> None:
    response = await http.post("/v2/cql", content="SELECT key FROM system.local")
    assert_stargate_error(response, 401, "Missing token", error="unauthorized")


async def test_anonymous_callers_never_run_cql(settings: Settings) -> None:
    """The session's settings: no keys and anonymous writes allowed, which still does not open /v2/cql."""
    async with hardened_client(settings, cql_api=True, api_keys="", allow_anonymous_writes=True) as anonymous:
        response = await anonymous.post("/v2/cql", content="SELECT key FROM system.local")
    assert_stargate_error(response, 403, ADMIN_ONLY, error="forbidden")


async def test_a_key_without_the_admin_scope_is_refused(settings: Settings, tmp_path: Path) -> None:
    writer = "writer-key-0123456789abcdef"
    keys = [{"id": "writer", "sha256": hashlib.sha256(writer.encode()).hexdigest(), "scopes": {"write": ["*"]}}]
    (tmp_path / "keys.json").write_text(json.dumps({"keys": keys}))
    async with hardened_client(settings, cql_api=True, api_keys_file=str(tmp_path / "keys.json")) as scoped:
        response = await scoped.post(
            "/v2/cql", content="SELECT key FROM system.local", headers={"x-cassandra-token": writer}
        )
    assert_stargate_error(response, 403, ADMIN_ONLY, "no admin scope", error="forbidden")


async def test_a_keyspace_needs_protocol_v5(settings: Settings) -> None:
    async with hardened_client(settings, cql_api=True, cassandra_protocol_version=4) as v4:
        response = await v4.post(
            "/v2/cql", params={"keyspace": "system"}, content="SELECT key FROM local", headers=TEXT
        )
    assert_stargate_error(response, 400, "CASSANDRA_PROTOCOL_VERSION=5", error="bad_request")
