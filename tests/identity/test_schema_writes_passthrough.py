"""The schema API's writes in AUTH_MODE=passthrough: each runs as the caller's own role on the auth node, so
Cassandra's CREATE, ALTER and DROP permissions decide, and its refusal is Stargate's 401 (`roles`: `reader` may
SELECT in the keyspace and nothing more; a role of the test's own gets CREATE, ALTER and DROP on it)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from app.identity.credentials import Credential
from tests.identity.test_passthrough import DENIED, as_role, passthrough_settings, token
from tests.support.app import app_client
from tests.support.auth_node import AuthNode, Roles
from tests.support.names import unique

S = "/v2/schemas/keyspaces"


@pytest.fixture(scope="module")
async def client(auth_node: AuthNode, roles: Roles) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(passthrough_settings(auth_node, roles, server_timeout=60.0)) as http:
        yield http


def table_body(name: str) -> dict[str, object]:
    columns = [{"name": "id", "typeDefinition": "int"}, {"name": "v", "typeDefinition": "text"}]
    return {"name": name, "columnDefinitions": columns, "primaryKey": {"partitionKey": ["id"]}}


async def test_a_role_without_create_permission_is_refused_in_stargates_shape(
    client: httpx.AsyncClient, roles: Roles
) -> None:
    response = await client.post(
        f"{S}/{roles.keyspace}/tables", json=table_body(unique("t")), headers=as_role(roles, "reader")
    )
    body = response.json()
    assert (response.status_code, body["code"], body["grpcStatus"]) == (401, 401, "PERMISSION_DENIED")
    assert body["description"].startswith(
        f"{DENIED}User reader has no CREATE permission on <all tables in {roles.keyspace}>"
    )


async def test_a_role_without_drop_permission_keeps_the_table(client: httpx.AsyncClient, roles: Roles) -> None:
    response = await client.delete(f"{S}/{roles.keyspace}/tables/{roles.writable}", headers=as_role(roles, "writer"))
    assert (response.status_code, response.json()["grpcStatus"]) == (401, "PERMISSION_DENIED")
    assert (
        await client.get(f"{S}/{roles.keyspace}/tables/{roles.writable}", headers=as_role(roles, "reader"))
    ).status_code == 200


async def test_a_role_granted_create_alter_and_drop_changes_the_schema(
    client: httpx.AsyncClient, roles: Roles, make_role: Callable[..., Credential]
) -> None:
    ks = roles.keyspace
    granted = make_role(*(f"{p} ON KEYSPACE {ks}" for p in ("CREATE", "ALTER", "DROP", "SELECT")))
    headers = {"x-cassandra-token": token(granted.username, granted.password.get_secret_value())}
    name = unique("t")
    created = await client.post(f"{S}/{ks}/tables", json=table_body(name), headers=headers)
    assert (created.status_code, created.json()) == (201, {"name": name})
    added = await client.post(
        f"{S}/{ks}/tables/{name}/columns", json={"name": "w", "typeDefinition": "int"}, headers=headers
    )
    assert added.status_code == 201
    assert (await client.delete(f"{S}/{ks}/tables/{name}", headers=headers)).status_code == 204
