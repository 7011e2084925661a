"""The Data API face's transport: its paths, the body it reads, and who may call it in keys mode, answered as the real
Data API answers (stargate/data-api v1.0.51: HTTP 200 with `errors[]`, 401 for a missing or refused token)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator

import httpx
import pytest
from cassandra.cluster import Session

from app.config import Settings
from app.exceptions import CallerUnauthorized, DatabaseError, ServiceError
from app.routes.data_api import errors
from tests.support.app import API_KEY, hardened_client
from tests.support.data_api import command, error_codes, ok
from tests.support.rows import create_table


@pytest.fixture(scope="module")
def items(cql: Session) -> str:
    table = create_table(cql, "id int PRIMARY KEY, label text", prefix="items")
    cql.execute(f"INSERT INTO {table} (id, label) VALUES (1, 'one')")
    return table


@pytest.fixture(scope="module")
async def keyed(settings: Settings, cql: Session) -> AsyncIterator[httpx.AsyncClient]:
    """An app with API keys: writes need one, reads are open (PROTECT_READS off)."""
    async with hardened_client(settings) as client:
        yield client


async def test_astras_api_json_prefix_serves_the_same_commands(
    api: httpx.AsyncClient, settings: Settings, items: str
) -> None:
    answer = ok(await command(api, f"/api/json/v1/{settings.keyspace}/{items}", "findOne", {"filter": {"id": 1}}))
    assert answer["data"]["document"] == {"id": 1, "label": "one"}


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"{bad json", "REQUEST_NOT_JSON"),
        (b'{"find": {}, "findOne": {}}', "REQUEST_STRUCTURE_MISMATCH"),
        (b'{"find": 1}', "REQUEST_STRUCTURE_MISMATCH"),
        (b'{"nope": {}}', "COMMAND_UNKNOWN"),
        (b'{"countDocuments": {}}', "UNSUPPORTED_TABLE_COMMAND"),
        (b'{"find": {"filter": {"id": ' + b"1" * 2000 + b"}}}", "REQUEST_NOT_JSON"),  # MAX_NUMBER_DIGITS
    ],
)
async def test_a_bad_body_is_answered_200_with_the_data_apis_error_code(
    api: httpx.AsyncClient, settings: Settings, items: str, content: bytes, code: str
) -> None:
    response = await api.post(f"/v1/{settings.keyspace}/{items}", content=content, headers={"Token": "t"})
    assert response.status_code == 200
    assert error_codes(response.json()) == [code]


async def test_an_unknown_command_names_the_commands_of_its_level(
    api: httpx.AsyncClient, settings: Settings, items: str
) -> None:
    answer = await command(api, f"/v1/{settings.keyspace}/{items}", "nope")
    # The Data API: "Command 'nope' is not a Collection Command recognized by Data API. ... [alterTable, ...]"
    assert "is not a Collection Command recognized by Data API" in answer["errors"][0]["message"]
    assert "findOne" in answer["errors"][0]["message"]


async def test_an_unknown_table_and_keyspace_are_schema_errors(
    api: httpx.AsyncClient, settings: Settings, items: str
) -> None:
    assert error_codes(await command(api, f"/v1/{settings.keyspace}/nosuch", "find")) == ["UNKNOWN_COLLECTION_OR_TABLE"]
    assert error_codes(await command(api, "/v1/nosuchks/t", "find")) == ["UNKNOWN_KEYSPACE"]


async def test_keys_mode_reads_are_open_without_a_token(
    keyed: httpx.AsyncClient, settings: Settings, items: str
) -> None:
    answer = await command(keyed, f"/v1/{settings.keyspace}/{items}", "findOne", {"filter": {"id": 1}}, token=None)
    assert ok(answer)["data"]["document"]["label"] == "one"


async def test_keys_mode_a_write_without_a_token_is_401_missing_authentication_token(
    keyed: httpx.AsyncClient, settings: Settings, items: str
) -> None:
    body = {"document": {"id": 2}}
    answer = await command(keyed, f"/v1/{settings.keyspace}/{items}", "insertOne", body, token=None, status=401)
    assert error_codes(answer) == ["MISSING_AUTHENTICATION_TOKEN"]


async def test_keys_mode_a_write_with_a_wrong_token_is_401_unauthenticated_request(
    keyed: httpx.AsyncClient, settings: Settings, items: str
) -> None:
    body = {"document": {"id": 2}}
    answer = await command(keyed, f"/v1/{settings.keyspace}/{items}", "insertOne", body, token="nope", status=401)
    assert error_codes(answer) == ["UNAUTHENTICATED_REQUEST"]


async def test_keys_mode_a_write_with_a_key_in_the_token_header(
    keyed: httpx.AsyncClient, settings: Settings, items: str
) -> None:
    answer = await command(
        keyed, f"/v1/{settings.keyspace}/{items}", "insertOne", {"document": {"id": 3}}, token=API_KEY
    )
    assert ok(answer)["status"]["insertedIds"] == [[3]]


WRITER_KEY = "writer-key-0123456789abcdef"


@pytest.fixture(scope="module")
async def scoped(
    settings: Settings, cql: Session, items: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[httpx.AsyncClient]:
    """An app whose one key (API_KEYS_FILE) may write `items`, and do nothing more (no admin scope)."""
    digest = hashlib.sha256(WRITER_KEY.encode()).hexdigest()
    keys = [{"id": "writer", "sha256": digest, "scopes": {"write": [f"{settings.keyspace}.{items}"]}}]
    path = tmp_path_factory.mktemp("keys") / "keys.json"
    path.write_text(json.dumps({"keys": keys}))
    async with hardened_client(settings, api_keys="", api_keys_file=str(path)) as client:
        yield client


async def test_a_write_key_deletes_by_key_but_is_refused_a_truncation(
    scoped: httpx.AsyncClient, settings: Settings, items: str, cql: Session
) -> None:
    path = f"/v1/{settings.keyspace}/{items}"
    ok(await command(scoped, path, "deleteMany", {"filter": {"id": 99}}, token=WRITER_KEY))
    answer = await command(scoped, path, "deleteMany", {"filter": {}}, token=WRITER_KEY, status=401)
    assert error_codes(answer) == ["UNAUTHORIZED_ACCESS"]
    assert "has no admin scope" in answer["errors"][0]["message"]
    assert list(cql.execute(f"SELECT id FROM {items} WHERE id = 1"))  # not truncated


@pytest.mark.parametrize(
    ("raised", "code"),
    [
        (DatabaseError(503, "database_unavailable", "no Cassandra node is reachable"), "FAILED_TO_CONNECT_TO_DATABASE"),
        (DatabaseError(504, "database_timeout", "Cassandra did not answer in time"), "TIMEOUT_READING_DATA"),
        (DatabaseError(500, "database_invalid_request", "bad"), "INVALID_DATABASE_QUERY"),
        (DatabaseError(503, "database_error", "Cassandra request failed"), "UNEXPECTED_DRIVER_ERROR"),
        (CallerUnauthorized("User reader has no MODIFY permission"), "UNAUTHORIZED_ACCESS"),
    ],
)
def test_database_trouble_is_the_data_apis_server_family(raised: ServiceError, code: str) -> None:
    answer = errors.from_service_error(raised, "ks", "t")
    assert answer.error_code == code
    assert (answer.family, answer.scope) == (
        ("REQUEST", "SECURITY") if code == "UNAUTHORIZED_ACCESS" else ("SERVER", "DATABASE")
    )
