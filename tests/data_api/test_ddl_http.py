"""The schema commands over HTTP, through the face's transport, in keys mode: the admin scope a schema change needs,
the read scope a listing needs, and refusals answered in the Data API's `errors[]` shape (HTTP 200; 401 for
UNAUTHORIZED_ACCESS, as errors.yaml overrides it)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cassandra.cluster import Session

from app.config import Settings
from app.main import create_app
from tests.support.app import client_for, hardened_settings, lifespan
from tests.support.log_lines import AccessLines, lines_of
from tests.support.names import unique

ADMIN_KEY = "ddl-admin-key-0123456789"
READER_KEY = "ddl-reader-key-0123456789"
ERROR_FIELDS = {"id", "family", "scope", "errorCode", "title", "message"}
DEFINITION = {"columns": {"id": "text", "n": "int"}, "primaryKey": "id"}


def entry(key_id: str, key: str, scopes: dict[str, list[str]]) -> dict[str, Any]:
    return {"id": key_id, "sha256": hashlib.sha256(key.encode()).hexdigest(), "scopes": scopes}


@pytest.fixture(scope="module")
async def api(
    settings: Settings, cql: Session, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[httpx.AsyncClient]:
    keys = tmp_path_factory.mktemp("ddl_keys") / "keys.json"
    scopes = {"admin": [settings.keyspace]}
    keys.write_text(
        json.dumps({"keys": [entry("ddl-admin", ADMIN_KEY, scopes), entry("r", READER_KEY, {"read": ["*"]})]})
    )
    own = hardened_settings(
        settings,
        api_keys="",
        api_keys_file=str(Path(keys)),
        rows_keyspaces="*",
        allow_anonymous_reads=True,
        log_level="info",
    )
    async with lifespan(create_app(own)) as manager, client_for(manager.app) as client:
        yield client


async def post(
    api: httpx.AsyncClient, path: str, name: str, body: dict[str, Any], key: str, *, status: int = 200
) -> dict[str, Any]:
    response = await api.post(path, json={name: body}, headers={"Token": key})
    assert response.status_code == status, response.text
    answer: dict[str, Any] = response.json()
    return answer


def codes(answer: dict[str, Any]) -> list[str]:
    for error in answer.get("errors", []):
        assert set(error) == ERROR_FIELDS, error
    return [error["errorCode"] for error in answer.get("errors", [])]


async def test_an_admin_key_creates_a_table_answered_ok(api: httpx.AsyncClient, keyspace: str) -> None:
    answer = await post(
        api, f"/v1/{keyspace}", "createTable", {"name": unique("h"), "definition": DEFINITION}, ADMIN_KEY
    )
    assert answer == {"status": {"ok": 1}}


async def test_a_read_only_key_is_refused_create_table_with_a_401_unauthorized_access(
    api: httpx.AsyncClient, keyspace: str
) -> None:
    name = unique("h")
    body = {"name": name, "definition": DEFINITION}
    answer = await post(api, f"/v1/{keyspace}", "createTable", body, READER_KEY, status=401)
    assert codes(answer) == ["UNAUTHORIZED_ACCESS"]
    listed = await post(api, f"/v1/{keyspace}", "listTables", {}, READER_KEY)
    assert name not in listed["status"]["tables"]


async def test_a_read_only_key_lists_the_tables(api: httpx.AsyncClient, keyspace: str) -> None:
    name = unique("h")
    await post(api, f"/v1/{keyspace}", "createTable", {"name": name, "definition": DEFINITION}, ADMIN_KEY)
    answer = await post(api, f"/v1/{keyspace}", "listTables", {}, READER_KEY)
    assert name in answer["status"]["tables"]


async def test_a_bad_definition_is_answered_in_errors_with_the_data_apis_fields(
    api: httpx.AsyncClient, keyspace: str
) -> None:
    body = {"name": unique("h"), "definition": {"columns": {"id": "texty"}, "primaryKey": "id"}}
    answer = await post(api, f"/v1/{keyspace}", "createTable", body, ADMIN_KEY)
    assert codes(answer) == ["UNKNOWN_PRIMITIVE_DATA_TYPE"]
    assert (answer["errors"][0]["scope"], answer["errors"][0]["family"]) == ("SCHEMA", "REQUEST")


async def test_create_table_sent_to_a_table_is_command_unknown(api: httpx.AsyncClient, keyspace: str) -> None:
    body = {"name": unique("h"), "definition": DEFINITION}
    answer = await post(api, f"/v1/{keyspace}/animals", "createTable", body, ADMIN_KEY)
    assert codes(answer) == ["COMMAND_UNKNOWN"]


async def test_list_indexes_with_explain_answers_under_the_astra_prefix_too(
    api: httpx.AsyncClient, keyspace: str
) -> None:
    name = unique("h")
    await post(api, f"/v1/{keyspace}", "createTable", {"name": name, "definition": DEFINITION}, ADMIN_KEY)
    index = {"name": f"{name}_n", "definition": {"column": "n"}}
    assert await post(api, f"/v1/{keyspace}/{name}", "createIndex", index, ADMIN_KEY) == {"status": {"ok": 1}}
    answer = await post(
        api, f"/api/json/v1/{keyspace}/{name}", "listIndexes", {"options": {"explain": True}}, READER_KEY
    )
    assert answer == {
        "status": {
            "indexes": [{"name": f"{name}_n", "definition": {"column": "n", "options": {}}, "indexType": "regular"}]
        }
    }


async def test_an_admin_key_of_one_keyspace_is_refused_create_keyspace(api: httpx.AsyncClient) -> None:
    answer = await post(api, "/v1", "createKeyspace", {"name": unique("hk")}, ADMIN_KEY, status=401)
    assert codes(answer) == ["UNAUTHORIZED_ACCESS"]


@pytest.fixture
def audit_lines() -> Iterator[AccessLines]:
    yield from lines_of("app.audit")


async def test_a_schema_change_and_a_row_write_each_have_one_audit_line_naming_the_command(
    api: httpx.AsyncClient, settings: Settings, audit_lines: AccessLines
) -> None:
    table = unique("audited")
    await post(api, f"/v1/{settings.keyspace}", "createTable", {"name": table, "definition": DEFINITION}, ADMIN_KEY)
    await post(api, f"/v1/{settings.keyspace}/{table}", "insertOne", {"document": {"id": "a", "n": 1}}, ADMIN_KEY)
    operations = [(line["operation"], line["principal"]) for line in audit_lines.fields]
    assert operations == [("createTable", "key:ddl-admin"), ("insertOne", "key:ddl-admin")], audit_lines.fields
