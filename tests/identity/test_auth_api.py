"""Stargate's auth API (POST /v1/auth, /v1/auth/token/generate, and under /api/rest): Cassandra checks the
credentials by a login on a real auth-enabled node, and the answers are Stargate's."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from app.identity.credentials import Credential, credential_from_token
from app.identity.issued import IssuedTokens
from app.routes.auth import AuthApi, body_kind, routes
from tests.support.auth_node import RoleAdmin, driver_login

SECRET = b"t" * 32


def instance() -> Starlette:
    """One instance of the service's auth API, configured as every other instance (the same secrets)."""
    return Starlette(routes=routes(AuthApi(driver_login(), IssuedTokens([SECRET]))))


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=instance()), base_url="http://api.test") as c:
        yield c


async def test_a_role_logs_in_and_gets_stargates_201_with_an_auth_token(
    node: RoleAdmin, client: httpx.AsyncClient
) -> None:
    role, password = node.create_role()
    answer = await client.post("/v1/auth", json={"username": role, "password": password})
    assert answer.status_code == 201
    assert list(answer.json()) == ["authToken"]


async def test_the_token_works_on_a_second_instance(node: RoleAdmin, client: httpx.AsyncClient) -> None:
    role, password = node.create_role()
    token = (await client.post("/v1/auth", json={"username": role, "password": password})).json()["authToken"]
    other = IssuedTokens([SECRET])  # the second instance's codec, from the same secrets
    credential = credential_from_token(token, issued=other)
    assert credential.username == role
    await driver_login()(credential)


async def test_token_generate_takes_key_and_secret(node: RoleAdmin, client: httpx.AsyncClient) -> None:
    role, password = node.create_role()
    answer = await client.post("/v1/auth/token/generate", json={"key": role, "secret": password})
    assert answer.status_code == 201


async def test_the_auth_api_is_served_under_astras_prefix(node: RoleAdmin, client: httpx.AsyncClient) -> None:
    role, password = node.create_role()
    answer = await client.post("/api/rest/v1/auth", json={"username": role, "password": password})
    assert answer.status_code == 201


async def test_a_wrong_password_is_401_in_stargates_words_and_not_stored(
    node: RoleAdmin, client: httpx.AsyncClient
) -> None:
    role, _ = node.create_role()
    answer = await client.post("/v1/auth", json={"username": role, "password": "not-the-password"})
    assert answer.status_code == 401
    assert answer.headers["cache-control"] == "no-store"
    assert answer.json()["description"].startswith("Failed to create token: Provided username")


async def test_a_missing_password_is_400_naming_the_field(client: httpx.AsyncClient) -> None:
    answer = await client.post("/v1/auth", json={"username": "reader"})
    assert (answer.status_code, answer.json()["description"]) == (400, "Must provide password in request")


async def test_a_missing_secret_is_400_naming_the_field(client: httpx.AsyncClient) -> None:
    answer = await client.post("/v1/auth/token/generate", json={"key": "reader", "secret": ""})
    assert (answer.status_code, answer.json()["description"]) == (400, "Must provide secret in request")


async def test_an_empty_body_is_400(client: httpx.AsyncClient) -> None:
    answer = await client.post("/v1/auth")
    assert (answer.status_code, answer.json()["description"]) == (400, "Must provide a body to the request")


async def test_a_body_that_is_not_json_is_400(client: httpx.AsyncClient) -> None:
    answer = await client.post("/v1/auth", content=b"username=reader")
    assert (answer.status_code, answer.json()["description"]) == (400, "the body is not valid JSON")


async def test_an_oversized_body_is_refused_before_parsing(client: httpx.AsyncClient) -> None:
    answer = await client.post("/v1/auth", content=b'{"username": "' + b"a" * 20_000 + b'"}')
    assert answer.status_code == 413


async def test_no_password_appears_in_any_log_line(
    node: RoleAdmin, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    role, password = node.create_role(password="a-password-nobody-may-log")
    with caplog.at_level(logging.DEBUG):
        await client.post("/v1/auth", json={"username": role, "password": password})
        await client.post("/v1/auth", json={"username": role, "password": "another-password-nobody-may-log"})
    assert "nobody-may-log" not in caplog.text


async def test_a_login_that_fails_without_a_refusal_is_not_a_401() -> None:
    async def unreachable(credential: Credential, client: str | None) -> None:
        raise ConnectionRefusedError("the database cannot be reached")

    app = Starlette(routes=routes(AuthApi(unreachable, IssuedTokens([SECRET]))))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.test") as client:
        with pytest.raises(ConnectionRefusedError):  # left to the service's error handlers
            await client.post("/v1/auth", json={"username": "reader", "password": "pw"})


def test_a_data_api_command_object_is_told_from_a_login() -> None:
    assert body_kind({"createTable": {"name": "t", "definition": {}}}) == "command"


def test_a_login_object_is_a_login_even_with_wrong_field_types() -> None:
    bodies: list[object] = [{"username": "a", "password": "b"}, {"password": {"x": 1}}, []]
    assert [body_kind(body) for body in bodies] == ["login"] * 3
