"""The Data API face in AUTH_MODE=passthrough: its `Token` is the caller's own credential, so Cassandra's GRANTs
decide (`roles`: `reader` may SELECT in the keyspace, `writer` may SELECT and MODIFY `writable`). The Data API's
answers: a refused statement is UNAUTHORIZED_ACCESS (scope SECURITY, HTTP 401 as its errors.yaml overrides), a
missing token MISSING_AUTHENTICATION_TOKEN and a bad one UNAUTHENTICATED_REQUEST, both 401."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.identity.test_passthrough import passthrough_settings
from tests.support.app import app_client
from tests.support.auth_node import AuthNode, Roles
from tests.support.data_api import cassandra_token, command, error_codes, ok


@pytest.fixture(scope="module")
async def client(auth_node: AuthNode, roles: Roles) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(passthrough_settings(auth_node, roles)) as http:
        yield http


def path(roles: Roles) -> str:
    return f"/v1/{roles.keyspace}/{roles.writable}"


def token_of(roles: Roles, role: str) -> str:
    return cassandra_token(role, roles.password(role))


async def test_a_read_only_roles_token_finds_rows(client: httpx.AsyncClient, roles: Roles) -> None:
    answer = ok(await command(client, path(roles), "findOne", {"filter": {"id": 1}}, token=token_of(roles, "reader")))
    assert answer["data"]["document"] == {"id": 1, "name": "one"}


async def test_a_read_only_roles_insert_one_is_unauthorized_access(client: httpx.AsyncClient, roles: Roles) -> None:
    body = {"document": {"id": 7, "name": "seven"}}
    answer = await command(client, path(roles), "insertOne", body, token=token_of(roles, "reader"), status=401)
    assert error_codes(answer) == ["UNAUTHORIZED_ACCESS"]
    assert answer["errors"][0]["scope"] == "SECURITY"


async def test_a_writer_inserts_into_its_table(client: httpx.AsyncClient, roles: Roles) -> None:
    body = {"document": {"id": 8, "name": "eight"}}
    answer = ok(await command(client, path(roles), "insertOne", body, token=token_of(roles, "writer")))
    assert answer["status"]["insertedIds"] == [[8]]


async def test_no_token_is_missing_authentication_token(client: httpx.AsyncClient, roles: Roles) -> None:
    answer = await command(client, path(roles), "findOne", {"filter": {"id": 1}}, token=None, status=401)
    assert error_codes(answer) == ["MISSING_AUTHENTICATION_TOKEN"]


async def test_a_wrong_password_is_unauthenticated_request(client: httpx.AsyncClient, roles: Roles) -> None:
    bad = cassandra_token("reader", "not-the-password")
    answer = await command(client, path(roles), "findOne", {"filter": {"id": 1}}, token=bad, status=401)
    assert error_codes(answer) == ["UNAUTHENTICATED_REQUEST"]


async def test_a_login_body_on_v1_auth_is_stargates_login(client: httpx.AsyncClient, roles: Roles) -> None:
    response = await client.post("/v1/auth", json={"username": "reader", "password": roles.password("reader")})
    assert response.status_code == 201
    assert response.json()["authToken"]


async def test_a_command_on_v1_auth_goes_to_the_keyspace_named_auth(client: httpx.AsyncClient, roles: Roles) -> None:
    answer = await command(client, "/v1/auth", "nope", {}, token=token_of(roles, "reader"))
    assert error_codes(answer) == ["COMMAND_UNKNOWN"]
