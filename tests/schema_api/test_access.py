"""Who may change the schema: SCHEMA_API_WRITES turns it off (405), keys mode needs the admin scope on the keyspace
(or the table), and every change, refused or not, is an audit line."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from cassandra.cluster import Session

from app.config import Settings
from tests.support.app import API_KEY
from tests.support.names import unique
from tests.support.rows import assert_stargate_error
from tests.support.schema_api import S, column, schema_client, simple_table, table_body

ADMIN_KEY = "admin-key-0123456789"
WRITER_KEY = "writer-key-0123456789"
TABLE_ADMIN_KEY = "table-admin-key-0123456789"


def entry(key_id: str, key: str, scopes: dict[str, list[str]]) -> dict[str, object]:
    return {"id": key_id, "sha256": hashlib.sha256(key.encode()).hexdigest(), "scopes": scopes}


@pytest.fixture(scope="module")
def admin_ks() -> str:
    return unique("ddl_")


@pytest.fixture(scope="module")
def table_name() -> str:
    return unique("t")


@pytest.fixture(scope="module")
def keys_file(admin_ks: str, table_name: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Named keys: admin on the keyspace, write only, admin on one table of it."""
    path: Path = tmp_path_factory.mktemp("keys") / "keys.json"
    keys = [
        entry("admin", ADMIN_KEY, {"admin": [admin_ks]}),
        entry("writer", WRITER_KEY, {"write": [admin_ks]}),
        entry("table-admin", TABLE_ADMIN_KEY, {"admin": [f"{admin_ks}.{table_name}"]}),
    ]
    path.write_text(json.dumps({"keys": keys}))
    return path


@pytest.fixture(scope="module")
async def keyed(settings: Settings, cql: Session, admin_ks: str, keys_file: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with schema_client(settings, [admin_ks], api_keys="", api_keys_file=str(keys_file)) as client:
        yield client
        await client.delete(f"{S}/{admin_ks}", headers={"X-Cassandra-Token": ADMIN_KEY})


async def test_a_key_without_the_admin_scope_is_refused_naming_it(keyed: httpx.AsyncClient, admin_ks: str) -> None:
    response = await keyed.post(S, json={"name": admin_ks}, headers={"X-Cassandra-Token": WRITER_KEY})
    assert_stargate_error(response, 403, f"key 'writer' has no admin scope on {admin_ks}")
    missing = await keyed.post(S, json={"name": admin_ks}, headers={"X-Cassandra-Token": ""})
    assert_stargate_error(missing, 401, "Missing token")


async def test_a_key_with_the_admin_scope_changes_its_keyspace(
    keyed: httpx.AsyncClient, admin_ks: str, table_name: str
) -> None:
    admin = {"X-Cassandra-Token": ADMIN_KEY}
    assert (await keyed.post(S, json={"name": admin_ks, "replicas": 1}, headers=admin)).status_code == 201
    body = table_body(table_name, [column("id", "int"), column("v", "text")], ["id"])
    assert (await keyed.post(f"{S}/{admin_ks}/tables", json=body, headers=admin)).status_code == 201


async def test_a_table_admin_changes_that_table_only(keyed: httpx.AsyncClient, admin_ks: str, table_name: str) -> None:
    table_admin = {"X-Cassandra-Token": TABLE_ADMIN_KEY}
    added = await keyed.post(
        f"{S}/{admin_ks}/tables/{table_name}/columns", json=column("w", "int"), headers=table_admin
    )
    assert added.status_code == 201
    other = table_body("other", [column("id", "int")], ["id"])
    refused = await keyed.post(f"{S}/{admin_ks}/tables", json=other, headers=table_admin)
    assert_stargate_error(refused, 403, "has no admin scope")


async def test_writes_off_are_a_405_before_any_key_is_asked_for(settings: Settings, cql: Session) -> None:
    async with schema_client(settings, ["ddl_off"], schema_api_writes=False) as client:
        for method, path in (("POST", S), ("DELETE", f"{S}/ddl_off/tables/t"), ("PUT", f"{S}/ddl_off/types")):
            response = await client.request(method, path, json={"name": "x"})
            assert_stargate_error(response, 405, "SCHEMA_API_WRITES=false")
            assert response.headers["allow"] == "GET, HEAD"
        index = await client.delete(f"{S}/ddl_off/tables/t/indexes/i")
        assert (index.status_code, index.headers["allow"]) == (405, "")


async def test_every_change_is_an_audit_line(api: httpx.AsyncClient, ks: str, caplog: pytest.LogCaptureFixture) -> None:
    principal = "key:" + hashlib.sha256(API_KEY.encode()).hexdigest()[:8]
    with caplog.at_level(logging.INFO, logger="app.audit"):
        table = await simple_table(api, ks)
        await api.delete(f"{S}/{ks}/tables/{table}/columns/id")
    lines = [r.__dict__["fields"] for r in caplog.records if r.name == "app.audit" and r.getMessage() == "schema"]
    assert lines == [
        {
            "principal": principal,
            "operation": "create_table",
            "keyspace": ks,
            "target": table,
            "status": 201,
            "schema_agreed": True,
        },
        {
            "principal": principal,
            "operation": "delete_column",
            "keyspace": ks,
            "target": table,
            "status": 400,
            "schema_agreed": None,
        },
    ]


async def test_anonymous_writes_never_open_the_schema(settings: Settings, cql: Session) -> None:
    overrides = {"api_keys": "", "allow_anonymous_writes": True}
    async with schema_client(settings, ["ddl_anonymous"], **overrides) as client:
        response = await client.post(S, json={"name": "ddl_anonymous"})
        assert_stargate_error(response, 403, "schema changes need a key", "ALLOW_ANONYMOUS_WRITES")
        rows = await client.post(f"/v2/keyspaces/{settings.keyspace}/no_such_table", json={"id": 1})
        assert rows.status_code == 400  # row writes are open: past access, the table is unknown
