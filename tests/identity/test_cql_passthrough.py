"""POST /v2/cql under AUTH_MODE=passthrough runs as the caller's own role: Cassandra's GRANTs decide, and its refusal
is Stargate's 401. On the auth node (tests/support/auth_node.py), the only node with authentication on."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.identity.test_passthrough import DENIED, as_role, passthrough_settings
from tests.support.app import app_client
from tests.support.auth_node import AuthNode, Roles
from tests.support.rows import assert_stargate_error


@pytest.fixture(scope="module")
async def client(auth_node: AuthNode, roles: Roles) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(passthrough_settings(auth_node, roles, cql_api=True)) as http:
        yield http


async def test_a_role_runs_what_cassandra_grants_it(client: httpx.AsyncClient, roles: Roles) -> None:
    statement = f"SELECT id, name FROM {roles.keyspace}.{roles.writable}"
    response = await client.post("/v2/cql", content=statement, headers=as_role(roles, "reader"))
    assert response.status_code == 200, response.text
    assert {"id": 1, "name": "one"} in response.json()["data"]


async def test_a_role_without_the_grant_gets_stargates_401(client: httpx.AsyncClient, roles: Roles) -> None:
    statement = f"SELECT id FROM {roles.keyspace}.{roles.writable}"
    response = await client.post("/v2/cql", content=statement, headers=as_role(roles, "nobody"))
    body = assert_stargate_error(response, 401, DENIED, error="unauthorized")
    assert body["grpcStatus"] == "PERMISSION_DENIED"


async def test_a_write_the_role_may_not_do_is_refused(client: httpx.AsyncClient, roles: Roles) -> None:
    statement = f"INSERT INTO {roles.keyspace}.{roles.other} (id, name) VALUES (9, 'nine')"
    response = await client.post("/v2/cql", content=statement, headers=as_role(roles, "writer"))
    assert_stargate_error(response, 401, DENIED, error="unauthorized")
