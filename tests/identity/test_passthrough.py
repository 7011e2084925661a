"""AUTH_MODE=passthrough on the Stargate face: every statement of a request runs as the caller's own role on the auth
node, so Cassandra's GRANTs decide, and its refusals are Stargate's 401 (`roles`: `reader` may SELECT in the
keyspace, `writer` may SELECT and MODIFY `writable`, `nobody` nothing)."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from pydantic import SecretStr

from app.config import Settings, load_settings
from app.identity.credentials import Credential
from app.identity.issued import RENEWED_HEADER, IssuedTokens
from app.routes.stargate.access import MISSING_TOKEN
from tests.support.app import app_client
from tests.support.auth_node import SUPERUSER, AuthNode, Roles
from tests.support.log_lines import AccessLines, lines_of
from tests.support.processes import PAGE_STATE_SECRET

DENIED = "Unauthorized gRPC operation (Status.Code.PERMISSION_DENIED->401): "
NDJSON = {"accept": "application/x-ndjson"}


def token(role: str, password: str) -> str:
    """The Data API's self-hosted form: Cassandra:<base64 user>:<base64 password>."""
    encode = base64.b64encode
    return f"Cassandra:{encode(role.encode()).decode()}:{encode(password.encode()).decode()}"


def as_role(roles: Roles, role: str) -> dict[str, str]:
    return {"x-cassandra-token": token(role, roles.password(role))}


def passthrough_settings(auth_node: AuthNode, roles: Roles, **overrides: object) -> Settings:
    values: dict[str, object] = dict(
        cassandra_contact_points=[auth_node.address],
        cassandra_username=SUPERUSER[0],
        cassandra_password=SUPERUSER[1],
        cassandra_keyspace=roles.keyspace,
        rows_keyspaces=roles.keyspace,
        sample_api="off",
        auth_mode="passthrough",
        page_state_secret=PAGE_STATE_SECRET,
        log_level="info",
        identity_logins_per_second=1000,  # every test's client is 127.0.0.1: the tests' logins, not a flood
        identity_logins_per_address_per_second=1000,
    )
    return load_settings(**{**values, **overrides}, _env_file=None)


@pytest.fixture(scope="module")
async def client(auth_node: AuthNode, roles: Roles) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(passthrough_settings(auth_node, roles)) as http:
        yield http


@pytest.fixture
def access_lines() -> Iterator[AccessLines]:
    yield from lines_of("app.access")


@pytest.fixture
def audit_lines() -> Iterator[AccessLines]:
    yield from lines_of("app.audit")


def rows_url(roles: Roles, table: str, key: str = "") -> str:
    return f"/v2/keyspaces/{roles.keyspace}/{table}" + (f"/{key}" if key else "")


def assert_stargate_denied(response: httpx.Response, role: str, permission: str) -> None:
    body = response.json()
    assert (response.status_code, body["code"], body["grpcStatus"]) == (401, 401, "PERMISSION_DENIED")
    assert body["description"].startswith(f"{DENIED}User {role} has no {permission} permission on <table ")


async def test_reader_reads_a_row_as_its_own_role(client: httpx.AsyncClient, roles: Roles) -> None:
    response = await client.get(rows_url(roles, roles.writable, "1"), headers=as_role(roles, "reader"))
    assert response.status_code == 200
    assert response.json()["data"] == [{"id": 1, "name": "one"}]


async def test_reader_is_refused_a_post_in_stargates_shape(client: httpx.AsyncClient, roles: Roles) -> None:
    response = await client.post(
        rows_url(roles, roles.writable), json={"id": 2, "name": "two"}, headers=as_role(roles, "reader")
    )
    assert_stargate_denied(response, "reader", "MODIFY")


async def test_reader_is_refused_a_put_in_stargates_shape(client: httpx.AsyncClient, roles: Roles) -> None:
    response = await client.put(
        rows_url(roles, roles.writable, "1"), json={"name": "x"}, headers=as_role(roles, "reader")
    )
    assert_stargate_denied(response, "reader", "MODIFY")


async def test_reader_is_refused_a_delete_in_stargates_shape(client: httpx.AsyncClient, roles: Roles) -> None:
    response = await client.delete(rows_url(roles, roles.writable, "1"), headers=as_role(roles, "reader"))
    assert_stargate_denied(response, "reader", "MODIFY")


async def test_a_callers_refusal_leaves_the_service_ready(client: httpx.AsyncClient, roles: Roles) -> None:
    await client.delete(rows_url(roles, roles.writable, "1"), headers=as_role(roles, "reader"))
    assert (await client.get("/readyz")).status_code == 200


async def test_writer_writes_the_table_granted_to_it(client: httpx.AsyncClient, roles: Roles) -> None:
    response = await client.post(
        rows_url(roles, roles.writable), json={"id": 3, "name": "three"}, headers=as_role(roles, "writer")
    )
    assert response.status_code == 201


async def test_writer_is_refused_a_write_to_another_table(client: httpx.AsyncClient, roles: Roles) -> None:
    response = await client.post(
        rows_url(roles, roles.other), json={"id": 3, "name": "three"}, headers=as_role(roles, "writer")
    )
    assert_stargate_denied(response, "writer", "MODIFY")


async def test_nobody_is_refused_a_read(client: httpx.AsyncClient, roles: Roles) -> None:
    response = await client.get(rows_url(roles, roles.writable, "1"), headers=as_role(roles, "nobody"))
    assert_stargate_denied(response, "nobody", "SELECT")


async def test_a_missing_token_is_stargates_401(client: httpx.AsyncClient, roles: Roles) -> None:
    response = await client.get(rows_url(roles, roles.writable, "1"))
    assert (response.status_code, response.json()["description"]) == (401, MISSING_TOKEN)


async def test_a_wrong_password_is_401(client: httpx.AsyncClient, roles: Roles) -> None:
    headers = {"x-cassandra-token": token("reader", "not-the-password")}
    response = await client.get(rows_url(roles, roles.writable, "1"), headers=headers)
    assert response.status_code == 401
    assert response.json()["description"].startswith("Role unauthorized for operation: Invalid token.")


async def test_an_ndjson_stream_by_nobody_is_refused_before_its_first_line(
    client: httpx.AsyncClient, roles: Roles
) -> None:
    headers = {**as_role(roles, "nobody"), **NDJSON}
    response = await client.get(rows_url(roles, roles.writable, "rows"), headers=headers)
    assert response.headers["content-type"].startswith("application/json")
    assert_stargate_denied(response, "nobody", "SELECT")


async def test_an_ingest_by_reader_is_refused(client: httpx.AsyncClient, roles: Roles) -> None:
    headers = {**as_role(roles, "reader"), "content-type": "application/x-ndjson"}
    body = b'{"id": 10, "name": "ten"}\n{"id": 11, "name": "eleven"}\n'
    response = await client.post(rows_url(roles, roles.writable), content=body, headers=headers)
    assert response.status_code == 401
    assert "User reader has no MODIFY permission" in response.text


async def test_a_token_from_v1_auth_reads_as_its_role(client: httpx.AsyncClient, roles: Roles) -> None:
    login = await client.post("/v1/auth", json={"username": "reader", "password": roles.password("reader")})
    assert login.status_code == 201
    headers = {"x-cassandra-token": login.json()["authToken"]}
    read = await client.get(rows_url(roles, roles.writable, "1"), headers=headers)
    write = await client.post(rows_url(roles, roles.writable), json={"id": 4, "name": "four"}, headers=headers)
    assert (read.status_code, write.status_code) == (200, 401)


async def test_the_access_line_names_the_callers_role_and_never_the_token(
    client: httpx.AsyncClient, roles: Roles, access_lines: AccessLines
) -> None:
    headers = as_role(roles, "reader")
    await client.get(rows_url(roles, roles.writable, "1"), headers=headers)
    line = access_lines.fields[-1]
    assert line["principal"] == "reader"
    assert headers["x-cassandra-token"] not in repr(line)


# ---- keys mode: a scoped key on the Stargate face ------------------------------------------------------------------

READ_ONLY_KEY = "read-only-key-0123456789"
PER_TABLE_KEY = "per-table-key-0123456789"


@pytest.fixture(scope="module")
async def keys_client(
    auth_node: AuthNode, roles: Roles, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[httpx.AsyncClient]:
    keys = [
        {"id": "ro", "sha256": hashlib.sha256(READ_ONLY_KEY.encode()).hexdigest(), "scopes": {"read": ["*"]}},
        {
            "id": "loader",
            "sha256": hashlib.sha256(PER_TABLE_KEY.encode()).hexdigest(),
            "scopes": {"write": [f"{roles.keyspace}.{roles.writable}"]},
        },
    ]
    path = tmp_path_factory.mktemp("keys") / "keys.json"
    path.write_text(json.dumps({"keys": keys}))
    settings = passthrough_settings(auth_node, roles, auth_mode="keys", api_keys_file=str(path))
    async with app_client(settings) as http:
        yield http


async def test_a_read_only_key_is_refused_a_write_naming_its_missing_scope(
    keys_client: httpx.AsyncClient, roles: Roles
) -> None:
    response = await keys_client.post(
        rows_url(roles, roles.writable), json={"id": 5, "name": "five"}, headers={"x-cassandra-token": READ_ONLY_KEY}
    )
    assert response.status_code == 403
    assert response.json()["description"] == f"key 'ro' has no write scope on {roles.keyspace}.{roles.writable}"


async def test_a_per_table_key_is_refused_another_table(keys_client: httpx.AsyncClient, roles: Roles) -> None:
    response = await keys_client.post(
        rows_url(roles, roles.other), json={"id": 5, "name": "five"}, headers={"x-cassandra-token": PER_TABLE_KEY}
    )
    assert response.status_code == 403
    assert response.json()["description"] == f"key 'loader' has no write scope on {roles.keyspace}.{roles.other}"


async def test_a_per_table_key_writes_its_own_table(keys_client: httpx.AsyncClient, roles: Roles) -> None:
    response = await keys_client.post(
        rows_url(roles, roles.writable), json={"id": 6, "name": "six"}, headers={"x-cassandra-token": PER_TABLE_KEY}
    )
    assert response.status_code == 201


async def test_v1_auth_is_not_served_in_keys_mode(keys_client: httpx.AsyncClient) -> None:
    response = await keys_client.post("/v1/auth", json={"username": "reader", "password": "x"})
    assert response.status_code == 404


async def test_a_schema_read_without_a_token_is_stargates_401(client: httpx.AsyncClient, roles: Roles) -> None:
    response = await client.get(f"/v2/schemas/keyspaces/{roles.keyspace}/tables")
    assert (response.status_code, response.json()["description"]) == (401, MISSING_TOKEN)


async def test_a_schema_read_by_a_role_answers_the_tables(client: httpx.AsyncClient, roles: Roles) -> None:
    response = await client.get(f"/v2/schemas/keyspaces/{roles.keyspace}/tables", headers=as_role(roles, "reader"))
    assert response.status_code == 200
    assert {table["name"] for table in response.json()["data"]} >= {roles.writable, roles.other}


async def test_a_v1_auth_token_stamped_a_while_ago_is_answered_a_renewed_one(
    client: httpx.AsyncClient, roles: Roles
) -> None:
    two_minutes_ago = IssuedTokens([PAGE_STATE_SECRET.encode()], clock=lambda: time.time() - 120)
    old = two_minutes_ago.issue(Credential("reader", SecretStr(roles.password("reader"))))
    response = await client.get(rows_url(roles, roles.writable, "1"), headers={"x-cassandra-token": old})
    renewed = response.headers[RENEWED_HEADER]
    assert response.status_code == 200
    assert renewed != old
    assert (await client.get(rows_url(roles, roles.writable, "1"), headers={"x-cassandra-token": renewed})).is_success


async def test_a_refused_write_has_an_audit_line_naming_the_role(
    client: httpx.AsyncClient, roles: Roles, audit_lines: AccessLines
) -> None:
    await client.post(rows_url(roles, roles.writable), json={"id": 7, "name": "x"}, headers=as_role(roles, "reader"))
    assert audit_lines.fields[-1] == {
        "principal": "reader",
        "table": f"{roles.keyspace}.{roles.writable}",
        "operation": "insert",
        "status": 401,
        "rows_written": 0,
        "rows_refused": 1,
    }


async def test_an_ingest_has_an_audit_line_with_its_counts(
    client: httpx.AsyncClient, roles: Roles, audit_lines: AccessLines
) -> None:
    headers = {**as_role(roles, "writer"), "content-type": "application/x-ndjson"}
    body = b'{"id": 20, "name": "twenty"}\n{"id": 21, "name": "twenty-one"}\n'
    response = await client.post(rows_url(roles, roles.writable), content=body, headers=headers)
    assert response.status_code == 200, response.text
    line = audit_lines.fields[-1]
    assert (line["principal"], line["operation"], line["rows_written"], line["rows_refused"]) == (
        "writer",
        "ingest",
        2,
        0,
    )
