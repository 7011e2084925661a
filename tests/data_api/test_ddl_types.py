"""createType, listTypes, alterType and dropType against the real node, handlers called as the transport calls them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from cassandra.cluster import Session

from app.config import Settings
from app.http.deps import Backend
from tests.support.data_api_ddl import ddl_backend, refusal, run
from tests.support.names import unique


@pytest.fixture(scope="module")
async def backend(settings: Settings, cql: Session) -> AsyncIterator[Backend]:
    async with ddl_backend(settings) as running:
        yield running


@pytest.fixture(scope="module")
async def types_keyspace(backend: Backend, cql: Session) -> AsyncIterator[str]:
    """A keyspace of the module's own: listTypes names every type in it."""
    name = unique("ddly_")
    await run(backend, "createKeyspace", {"name": name})
    yield name
    cql.execute(f"DROP KEYSPACE IF EXISTS {name}", timeout=60)


async def create_type(backend: Backend, keyspace: str, fields: dict[str, Any]) -> str:
    name = unique("ty")
    answer = await run(backend, "createType", {"name": name, "definition": {"fields": fields}}, keyspace=keyspace)
    assert answer.status == {"ok": 1}
    return name


def fields_of(backend: Backend, keyspace: str, name: str) -> dict[str, str]:
    meta = backend.db.session.cluster.metadata.keyspaces[keyspace].user_types[name]
    return dict(zip(meta.field_names, meta.field_types, strict=True))


async def test_create_type_makes_the_cql_type(backend: Backend, keyspace: str) -> None:
    name = await create_type(backend, keyspace, {"city": "text", "zip": {"type": "int"}})
    assert fields_of(backend, keyspace, name) == {"city": "text", "zip": "int"}


async def test_list_types_names_the_keyspaces_types(backend: Backend, types_keyspace: str) -> None:
    first = await create_type(backend, types_keyspace, {"a": "text"})
    second = await create_type(backend, types_keyspace, {"b": "int"})
    answer = await run(backend, "listTypes", {}, keyspace=types_keyspace)
    assert answer.status == {"types": sorted([first, second])}


async def test_list_types_with_explain_describes_each_types_fields(backend: Backend, keyspace: str) -> None:
    name = await create_type(backend, keyspace, {"city": "text", "zip": "int"})
    answer = await run(backend, "listTypes", {"options": {"explain": True}}, keyspace=keyspace)
    assert answer.status is not None
    described = [t for t in answer.status["types"] if t.get("udtName") == name]  # other tests' types may be unsupported
    assert described == [
        {
            "type": "userDefined",
            "udtName": name,
            "definition": {"fields": {"city": {"type": "text"}, "zip": {"type": "int"}}},
            "apiSupport": {
                "createTable": True,
                "insert": True,
                "read": True,
                "filter": False,
                "cqlDefinition": f"{keyspace}.{name}",
            },
        }
    ]


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({}, "MISSING_FIELDS_FOR_TYPE_CREATION"),
        ({"tags": {"type": "list", "valueType": "text"}}, "UNSUPPORTED_TYPE_FIELDS"),
        ({"c": "counter"}, "UNSUPPORTED_TYPE_FIELDS"),
        ({"c": "nosuchtype"}, "UNKNOWN_PRIMITIVE_DATA_TYPE"),
    ],
)
async def test_create_type_refuses_with_the_data_apis_error_code(
    backend: Backend, keyspace: str, fields: dict[str, Any], code: str
) -> None:
    body = {"name": unique("ty"), "definition": {"fields": fields}}
    assert (await refusal(backend, "createType", body, keyspace=keyspace)).error_code == code


async def test_create_type_of_an_existing_type_is_cannot_add_existing_type(backend: Backend, keyspace: str) -> None:
    name = await create_type(backend, keyspace, {"a": "text"})
    body = {"name": name, "definition": {"fields": {"a": "text"}}}
    assert (await refusal(backend, "createType", body, keyspace=keyspace)).error_code == "CANNOT_ADD_EXISTING_TYPE"


async def test_create_type_with_if_not_exists_of_an_existing_type_is_ok(backend: Backend, keyspace: str) -> None:
    name = await create_type(backend, keyspace, {"a": "text"})
    body = {"name": name, "definition": {"fields": {"a": "text"}}, "options": {"ifNotExists": True}}
    assert (await run(backend, "createType", body, keyspace=keyspace)).status == {"ok": 1}


async def test_alter_type_adds_and_renames_fields(backend: Backend, keyspace: str) -> None:
    name = await create_type(backend, keyspace, {"a": "text"})
    body = {"name": name, "add": {"fields": {"b": "int"}}, "rename": {"fields": {"a": "aa"}}}
    assert (await run(backend, "alterType", body, keyspace=keyspace)).status == {"ok": 1}
    assert fields_of(backend, keyspace, name) == {"aa": "text", "b": "int"}


@pytest.mark.parametrize(
    ("operation", "code"),
    [
        ({}, "MISSING_ALTER_TYPE_OPERATIONS"),
        ({"add": {"fields": {"a": "int"}}}, "CANNOT_ADD_EXISTING_FIELD"),
        ({"rename": {"fields": {"nosuch": "x"}}}, "CANNOT_RENAME_UNKNOWN_TYPE_FIELD"),
    ],
)
async def test_alter_type_refuses_with_the_data_apis_error_code(
    backend: Backend, keyspace: str, operation: dict[str, Any], code: str
) -> None:
    name = await create_type(backend, keyspace, {"a": "text"})
    assert (await refusal(backend, "alterType", {"name": name, **operation}, keyspace=keyspace)).error_code == code


async def test_alter_type_of_an_unknown_type_is_unknown_user_defined_type(backend: Backend, keyspace: str) -> None:
    body = {"name": unique("nosuch"), "add": {"fields": {"b": "int"}}}
    assert (await refusal(backend, "alterType", body, keyspace=keyspace)).error_code == "UNKNOWN_USER_DEFINED_TYPE"


async def test_drop_type_drops_it(backend: Backend, keyspace: str) -> None:
    name = await create_type(backend, keyspace, {"a": "text"})
    assert (await run(backend, "dropType", {"name": name}, keyspace=keyspace)).status == {"ok": 1}
    assert name not in backend.db.session.cluster.metadata.keyspaces[keyspace].user_types


async def test_drop_type_used_by_a_table_is_cannot_drop_type_used_by_table(backend: Backend, keyspace: str) -> None:
    name = await create_type(backend, keyspace, {"a": "text"})
    columns = {"id": "text", "u": {"type": "userDefined", "udtName": name}}
    table = {"name": unique("t"), "definition": {"columns": columns, "primaryKey": "id"}}
    await run(backend, "createTable", table, keyspace=keyspace)
    assert (await refusal(backend, "dropType", {"name": name}, keyspace=keyspace)).error_code == (
        "CANNOT_DROP_TYPE_USED_BY_TABLE"
    )


async def test_drop_type_of_an_unknown_type_is_cannot_drop_unknown_type(backend: Backend, keyspace: str) -> None:
    error = await refusal(backend, "dropType", {"name": unique("nosuch")}, keyspace=keyspace)
    assert error.error_code == "CANNOT_DROP_UNKNOWN_TYPE"


async def test_drop_type_with_if_exists_of_an_unknown_type_is_ok(backend: Backend, keyspace: str) -> None:
    body = {"name": unique("nosuch"), "options": {"ifExists": True}}
    assert (await run(backend, "dropType", body, keyspace=keyspace)).status == {"ok": 1}
