"""createTable, listTables, alterTable and dropTable against the real node, handlers called as the transport calls
them. The definitions are those of tools/data-api/samples.md, and listTables' explain answer is compared with what
the real Data API answered for them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from cassandra.cluster import Session

from app.config import Settings
from app.http.deps import Backend
from tests.support.data_api_ddl import ddl_backend, refusal, run
from tests.support.names import unique

PEOPLE = {
    "columns": {
        "id": "text",
        "n": "int",
        "big": "bigint",
        "score": "double",
        "active": "boolean",
        "ts": "timestamp",
        "uid": "uuid",
        "tags": {"type": "set", "valueType": "text"},
        "nums": {"type": "list", "valueType": "int"},
        "attrs": {"type": "map", "keyType": "text", "valueType": "text"},
        "data": "blob",
        "bio": "text",
        "vec": {"type": "vector", "dimension": 3},
    },
    "primaryKey": "id",
}
EVENTS = {
    "columns": {"user": "text", "ts": "timestamp", "seq": "int", "kind": "text", "val": "double"},
    "primaryKey": {"partitionBy": ["user"], "partitionSort": {"ts": -1, "seq": 1}},
}
DEFINITION_ONE = {"columns": {"id": "text"}, "primaryKey": "id"}
# What the real Data API (v1.0.51 on Cassandra 5.0.8) answered to listTables with explain for these two tables.
ORACLE_EVENTS = {
    "columns": {
        "user": {"type": "text"},
        "ts": {"type": "timestamp"},
        "seq": {"type": "int"},
        "kind": {"type": "text"},
        "val": {"type": "double"},
    },
    "primaryKey": {"partitionBy": ["user"], "partitionSort": {"ts": -1, "seq": 1}},
}
ORACLE_PEOPLE = {
    "columns": {
        "id": {"type": "text"},
        "active": {"type": "boolean"},
        "attrs": {"type": "map", "keyType": "text", "valueType": "text"},
        "big": {"type": "bigint"},
        "bio": {"type": "text"},
        "data": {"type": "blob"},
        "n": {"type": "int"},
        "nums": {"type": "list", "valueType": "int"},
        "score": {"type": "double"},
        "tags": {"type": "set", "valueType": "text"},
        "ts": {"type": "timestamp"},
        "uid": {"type": "uuid"},
        "vec": {
            "type": "vector",
            "dimension": 3,
            "apiSupport": {
                "createTable": True,
                "insert": True,
                "read": True,
                "filter": False,
                "cqlDefinition": "vector<float, 3>",
            },
        },
    },
    "primaryKey": {"partitionBy": ["id"], "partitionSort": {}},
}


@pytest.fixture(scope="module")
async def backend(settings: Settings, cql: Session) -> AsyncIterator[Backend]:
    async with ddl_backend(settings) as running:
        yield running


@pytest.fixture(scope="module")
async def samples(backend: Backend, cql: Session) -> AsyncIterator[str]:
    """A keyspace of the module's own holding the samples' two tables, created through createTable."""
    keyspace = unique("ddlt_")
    await run(backend, "createKeyspace", {"name": keyspace})
    await run(backend, "createTable", {"name": "people", "definition": PEOPLE}, keyspace=keyspace)
    await run(backend, "createTable", {"name": "events", "definition": EVENTS}, keyspace=keyspace)
    yield keyspace
    cql.execute(f"DROP KEYSPACE IF EXISTS {keyspace}", timeout=60)


async def create(backend: Backend, keyspace: str, definition: dict[str, Any], **options: bool) -> str:
    name = unique("t")
    body: dict[str, Any] = {"name": name, "definition": definition}
    if options:
        body["options"] = options
    answer = await run(backend, "createTable", body, keyspace=keyspace)
    assert answer.status == {"ok": 1}
    return name


async def test_list_tables_names_the_tables_created_sorted(backend: Backend, samples: str) -> None:
    answer = await run(backend, "listTables", {}, keyspace=samples)
    assert answer.status == {"tables": ["events", "people"]}


async def test_list_tables_with_explain_answers_what_the_real_data_api_answered(backend: Backend, samples: str) -> None:
    answer = await run(backend, "listTables", {"options": {"explain": True}}, keyspace=samples)
    assert answer.status == {
        "tables": [{"name": "events", "definition": ORACLE_EVENTS}, {"name": "people", "definition": ORACLE_PEOPLE}]
    }


async def test_create_table_makes_the_cql_table_with_its_clustering_order(
    backend: Backend, samples: str, cql: Session
) -> None:
    meta = backend.db.session.cluster.metadata.keyspaces[samples].tables["events"]
    assert [c.name for c in meta.partition_key] == ["user"]
    assert [(c.name, c.is_reversed) for c in meta.clustering_key] == [("ts", True), ("seq", False)]
    assert meta.columns["val"].cql_type == "double"


async def test_create_table_makes_user_defined_type_columns_and_lists_of_them_frozen(
    backend: Backend, keyspace: str, cql: Session
) -> None:
    udt = unique("addr")
    await run(backend, "createType", {"name": udt, "definition": {"fields": {"city": "text"}}}, keyspace=keyspace)
    columns = {
        "id": "text",
        "home": {"type": "userDefined", "udtName": udt},
        "past": {"type": "list", "valueType": {"type": "userDefined", "udtName": udt}},
    }
    name = await create(backend, keyspace, {"columns": columns, "primaryKey": "id"})
    table = backend.db.session.cluster.metadata.keyspaces[keyspace].tables[name]
    assert table.columns["home"].cql_type == udt
    assert table.columns["past"].cql_type == f"list<frozen<{udt}>>"


async def test_create_table_of_an_existing_table_is_cannot_add_existing_table(backend: Backend, samples: str) -> None:
    error = await refusal(backend, "createTable", {"name": "events", "definition": EVENTS}, keyspace=samples)
    assert (error.error_code, error.scope, error.family) == ("CANNOT_ADD_EXISTING_TABLE", "SCHEMA", "REQUEST")


async def test_create_table_with_if_not_exists_of_an_existing_table_is_ok(backend: Backend, samples: str) -> None:
    body = {"name": "events", "definition": EVENTS, "options": {"ifNotExists": True}}
    assert (await run(backend, "createTable", body, keyspace=samples)).status == {"ok": 1}


@pytest.mark.parametrize(
    ("definition", "code"),
    [
        ({"columns": {"id": "text"}}, "MISSING_PARTITION_COLUMNS"),
        ({"columns": {"id": "text"}, "primaryKey": "nope"}, "UNKNOWN_PARTITION_COLUMNS"),
        (
            {"columns": {"id": "text"}, "primaryKey": {"partitionBy": ["id"], "partitionSort": {"c": 1}}},
            "UNKNOWN_PARTITION_SORT_COLUMNS",
        ),
        ({"columns": {"id": "texty"}, "primaryKey": "id"}, "UNKNOWN_PRIMITIVE_DATA_TYPE"),
        ({"columns": {"id": {"type": "tuple"}}, "primaryKey": "id"}, "UNKNOWN_DATA_TYPE"),
        ({"columns": {"id": "text", "c": "counter"}, "primaryKey": "id"}, "UNSUPPORTED_DATA_TYPE_TABLE_CREATION"),
        (
            {"columns": {"id": "text", "v": {"type": "vector"}}, "primaryKey": "id"},
            "MISSING_DIMENSION_IN_VECTOR_COLUMN",
        ),
        (
            {"columns": {"id": "text", "v": {"type": "vector", "dimension": -1}}, "primaryKey": "id"},
            "UNSUPPORTED_VECTOR_DIMENSION",
        ),
        ({"columns": {"id": "text", "l": {"type": "list"}}, "primaryKey": "id"}, "UNSUPPORTED_LIST_DEFINITION"),
        (
            {
                "columns": {"id": "text", "m": {"type": "map", "keyType": "duration", "valueType": "int"}},
                "primaryKey": "id",
            },
            "UNSUPPORTED_MAP_DEFINITION",
        ),
        (
            {"columns": {"id": "text", "u": {"type": "userDefined", "udtName": "nosuchtype"}}, "primaryKey": "id"},
            "UNKNOWN_USER_DEFINED_TYPE",
        ),
    ],
)
async def test_create_table_refuses_a_bad_definition_with_the_data_apis_error_code(
    backend: Backend, keyspace: str, definition: dict[str, Any], code: str
) -> None:
    error = await refusal(backend, "createTable", {"name": unique("bad"), "definition": definition}, keyspace=keyspace)
    assert error.error_code == code


async def test_create_table_refuses_a_name_outside_the_naming_rule(backend: Backend, keyspace: str) -> None:
    body = {"name": 'x"; DROP KEYSPACE system; --', "definition": {"columns": {"id": "text"}, "primaryKey": "id"}}
    error = await refusal(backend, "createTable", body, keyspace=keyspace)
    assert error.error_code == "UNSUPPORTED_SCHEMA_NAME"


async def test_create_table_quotes_column_names_that_need_it(backend: Backend, keyspace: str, cql: Session) -> None:
    name = await create(backend, keyspace, {"columns": {"Id": "text", 'we"ird': "int"}, "primaryKey": "Id"})
    assert set(backend.db.session.cluster.metadata.keyspaces[keyspace].tables[name].columns) == {"Id", 'we"ird'}


async def test_create_table_in_an_unknown_keyspace_is_unknown_keyspace(backend: Backend) -> None:
    body = {"name": "t", "definition": {"columns": {"id": "text"}, "primaryKey": "id"}}
    error = await refusal(backend, "createTable", body, keyspace=unique("nosuch"))
    assert error.error_code == "UNKNOWN_KEYSPACE"


async def test_drop_table_drops_it_and_the_catalog_forgets_it(backend: Backend, keyspace: str) -> None:
    name = await create(backend, keyspace, {"columns": {"id": "text"}, "primaryKey": "id"})
    assert backend.engine.catalog.current(keyspace, name) is not None
    assert (await run(backend, "dropTable", {"name": name}, keyspace=keyspace)).status == {"ok": 1}
    assert backend.engine.catalog.current(keyspace, name) is None


async def test_drop_table_of_an_unknown_table_is_cannot_drop_unknown_table(backend: Backend, keyspace: str) -> None:
    error = await refusal(backend, "dropTable", {"name": unique("nosuch")}, keyspace=keyspace)
    assert error.error_code == "CANNOT_DROP_UNKNOWN_TABLE"


async def test_drop_table_with_if_exists_of_an_unknown_table_is_ok(backend: Backend, keyspace: str) -> None:
    body = {"name": unique("nosuch"), "options": {"ifExists": True}}
    assert (await run(backend, "dropTable", body, keyspace=keyspace)).status == {"ok": 1}


async def test_alter_table_add_adds_columns_the_catalog_sees_at_once(backend: Backend, keyspace: str) -> None:
    name = await create(backend, keyspace, {"columns": {"id": "text"}, "primaryKey": "id"})
    body = {"operation": {"add": {"columns": {"age": "int", "tags": {"type": "set", "valueType": "text"}}}}}
    assert (await run(backend, "alterTable", body, keyspace=keyspace, table=name)).status == {"ok": 1}
    table = backend.engine.catalog.current(keyspace, name)
    assert table is not None
    assert {c: str(table.columns[c].type) for c in ("age", "tags")} == {"age": "int", "tags": "set<text>"}


async def test_alter_table_drop_drops_columns(backend: Backend, keyspace: str, cql: Session) -> None:
    name = await create(backend, keyspace, {"columns": {"id": "text", "a": "int", "b": "int"}, "primaryKey": "id"})
    body = {"operation": {"drop": {"columns": ["a"]}}}
    assert (await run(backend, "alterTable", body, keyspace=keyspace, table=name)).status == {"ok": 1}
    assert set(backend.db.session.cluster.metadata.keyspaces[keyspace].tables[name].columns) == {"id", "b"}


@pytest.mark.parametrize(
    ("operation", "code"),
    [
        ({}, "REQUEST_STRUCTURE_MISMATCH"),
        ({"frob": {}}, "COMMAND_UNKNOWN"),
        ({"add": {"columns": {"a": "int"}}}, "CANNOT_ADD_EXISTING_COLUMNS"),
        ({"drop": {"columns": ["nosuch"]}}, "CANNOT_DROP_UNKNOWN_COLUMNS"),
        ({"drop": {"columns": ["id"]}}, "CANNOT_DROP_PRIMARY_KEY_COLUMNS"),
        ({"addVectorize": {"columns": {"v": {"provider": "openai"}}}}, "VECTORIZE_FEATURE_NOT_AVAILABLE"),
        ({"dropVectorize": {"columns": ["v"]}}, "VECTORIZE_FEATURE_NOT_AVAILABLE"),
    ],
)
async def test_alter_table_refuses_with_the_data_apis_error_code(
    backend: Backend, keyspace: str, operation: dict[str, Any], code: str
) -> None:
    name = await create(backend, keyspace, {"columns": {"id": "text", "a": "int"}, "primaryKey": "id"})
    error = await refusal(backend, "alterTable", {"operation": operation}, keyspace=keyspace, table=name)
    assert error.error_code == code


async def test_alter_table_drop_of_an_indexed_column_is_cannot_drop_indexed_columns(
    backend: Backend, keyspace: str
) -> None:
    name = await create(backend, keyspace, {"columns": {"id": "text", "a": "int"}, "primaryKey": "id"})
    index = {"name": unique("i"), "definition": {"column": "a"}}
    await run(backend, "createIndex", index, keyspace=keyspace, table=name)
    body = {"operation": {"drop": {"columns": ["a"]}}}
    error = await refusal(backend, "alterTable", body, keyspace=keyspace, table=name)
    assert error.error_code == "CANNOT_DROP_INDEXED_COLUMNS"


async def test_alter_table_of_an_unknown_table_is_unknown_collection_or_table(backend: Backend, keyspace: str) -> None:
    body = {"operation": {"add": {"columns": {"a": "int"}}}}
    error = await refusal(backend, "alterTable", body, keyspace=keyspace, table=unique("nosuch"))
    assert error.error_code == "UNKNOWN_COLLECTION_OR_TABLE"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"name": "t", "bogus": 1, "definition": DEFINITION_ONE}, "COMMAND_FIELD_UNKNOWN"),
        ({"name": "t", "definition": DEFINITION_ONE, "options": {"bogus": True}}, "COMMAND_FIELD_UNKNOWN"),
        ({"name": "t", "definition": DEFINITION_ONE, "options": {"ifNotExists": "yes"}}, "REQUEST_STRUCTURE_MISMATCH"),
    ],
)
async def test_create_table_refuses_a_field_it_does_not_take_as_the_data_api_does(
    backend: Backend, keyspace: str, body: dict[str, Any], code: str
) -> None:
    assert (await refusal(backend, "createTable", body, keyspace=keyspace)).error_code == code


async def test_alter_table_add_of_a_counter_is_cannot_add_unsupported_data_type_columns(
    backend: Backend, keyspace: str
) -> None:
    name = await create(backend, keyspace, DEFINITION_ONE)
    body = {"operation": {"add": {"columns": {"c": "counter"}}}}
    error = await refusal(backend, "alterTable", body, keyspace=keyspace, table=name)
    assert error.error_code == "CANNOT_ADD_UNSUPPORTED_DATA_TYPE_COLUMNS"
