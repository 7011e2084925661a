"""createIndex, createVectorIndex, listIndexes and dropIndex against the real node (SAI on Cassandra 5.0), handlers
called as the transport calls them; listIndexes' explain answer is compared with what the real Data API answered."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from cassandra.cluster import Session

from app.config import Settings
from app.http.deps import Backend
from tests.support.data_api_ddl import ddl_backend, refusal, run
from tests.support.names import unique

COLUMNS = {
    "id": "text",
    "n": "int",
    "bio": "text",
    "tags": {"type": "set", "valueType": "text"},
    "attrs": {"type": "map", "keyType": "text", "valueType": "text"},
    "vec": {"type": "vector", "dimension": 3},
}


@pytest.fixture(scope="module")
async def backend(settings: Settings, cql: Session) -> AsyncIterator[Backend]:
    async with ddl_backend(settings) as running:
        yield running


@pytest.fixture
async def table(backend: Backend, keyspace: str) -> str:
    name = unique("ix")
    definition = {"columns": COLUMNS, "primaryKey": "id"}
    await run(backend, "createTable", {"name": name, "definition": definition}, keyspace=keyspace)
    return name


def index_options(backend: Backend, keyspace: str, table: str, index: str) -> dict[str, str]:
    meta = backend.db.session.cluster.metadata.keyspaces[keyspace].tables[table].indexes[index]
    return dict(meta.index_options)


async def create_index(backend: Backend, keyspace: str, table: str, definition: dict[str, Any]) -> str:
    name = unique("i")
    answer = await run(backend, "createIndex", {"name": name, "definition": definition}, keyspace=keyspace, table=table)
    assert answer.status == {"ok": 1}
    return name


async def test_list_indexes_with_explain_answers_what_the_real_data_api_answered(
    backend: Backend, keyspace: str, table: str
) -> None:
    vector = {"name": "vec_idx", "definition": {"column": "vec", "options": {"metric": "cosine"}}}
    await run(backend, "createVectorIndex", vector, keyspace=keyspace, table=table)
    await run(
        backend, "createIndex", {"name": f"{table}_n", "definition": {"column": "n"}}, keyspace=keyspace, table=table
    )
    answer = await run(backend, "listIndexes", {"options": {"explain": True}}, keyspace=keyspace, table=table)
    assert answer.status == {
        "indexes": [
            {"name": f"{table}_n", "definition": {"column": "n", "options": {}}, "indexType": "regular"},
            {
                "name": "vec_idx",
                "definition": {"column": "vec", "options": {"metric": "cosine", "sourceModel": "other"}},
                "indexType": "vector",
            },
        ]
    }
    await run(backend, "dropIndex", {"name": "vec_idx"}, keyspace=keyspace)


async def test_list_indexes_without_explain_answers_the_names(backend: Backend, keyspace: str, table: str) -> None:
    name = await create_index(backend, keyspace, table, {"column": "n"})
    answer = await run(backend, "listIndexes", {}, keyspace=keyspace, table=table)
    assert answer.status == {"indexes": [name]}


async def test_create_index_on_text_writes_the_data_apis_default_analyser_options(
    backend: Backend, keyspace: str, table: str
) -> None:
    name = await create_index(backend, keyspace, table, {"column": "bio"})
    options = index_options(backend, keyspace, table, name)
    assert (options["ascii"], options["case_sensitive"], options["normalize"]) == ("false", "true", "false")


async def test_create_index_takes_the_text_options_and_lists_them(backend: Backend, keyspace: str, table: str) -> None:
    definition = {"column": "bio", "options": {"caseSensitive": False, "ascii": True}}
    name = await create_index(backend, keyspace, table, definition)
    answer = await run(backend, "listIndexes", {"options": {"explain": True}}, keyspace=keyspace, table=table)
    listed = {i["name"]: i for i in answer.status["indexes"]} if answer.status else {}
    assert listed[name]["definition"] == {
        "column": "bio",
        "options": {"ascii": True, "caseSensitive": False, "normalize": False},
    }


@pytest.mark.parametrize(
    ("column", "target", "listed"),
    [
        ({"attrs": "$keys"}, "keys(attrs)", {"attrs": "$keys"}),
        ({"attrs": "$values"}, "values(attrs)", {"attrs": "$values"}),
        ("attrs", "entries(attrs)", "attrs"),
        ("tags", "values(tags)", {"tags": "$values"}),
    ],
)
async def test_create_index_on_a_collection_indexes_its_keys_values_or_entries(
    backend: Backend, keyspace: str, table: str, column: Any, target: str, listed: Any
) -> None:
    name = await create_index(backend, keyspace, table, {"column": column})
    assert index_options(backend, keyspace, table, name)["target"] == target
    answer = await run(backend, "listIndexes", {"options": {"explain": True}}, keyspace=keyspace, table=table)
    assert answer.status is not None
    assert [i["definition"]["column"] for i in answer.status["indexes"] if i["name"] == name] == [listed]


@pytest.mark.parametrize(
    ("definition", "code"),
    [
        ({"column": "nosuch"}, "UNKNOWN_INDEX_COLUMN"),
        ({"column": "vec"}, "UNSUPPORTED_INDEXING_FOR_DATA_TYPES"),
        ({"column": {"tags": "$keys"}}, "INVALID_FORMAT_FOR_INDEX_CREATION_COLUMN"),
        ({"column": {"attrs": "$everything"}}, "INVALID_FORMAT_FOR_INDEX_CREATION_COLUMN"),
        ({"column": "n", "options": {"caseSensitive": False}}, "UNSUPPORTED_TEXT_ANALYSIS_FOR_DATA_TYPES"),
        ({"column": "attrs", "options": {"ascii": True}}, "CANNOT_ANALYZE_ENTRIES_ON_MAP_COLUMNS"),
    ],
)
async def test_create_index_refuses_with_the_data_apis_error_code(
    backend: Backend, keyspace: str, table: str, definition: dict[str, Any], code: str
) -> None:
    body = {"name": unique("i"), "definition": definition}
    error = await refusal(backend, "createIndex", body, keyspace=keyspace, table=table)
    assert error.error_code == code


async def test_create_index_of_an_existing_name_is_cannot_add_existing_index(
    backend: Backend, keyspace: str, table: str
) -> None:
    name = await create_index(backend, keyspace, table, {"column": "n"})
    error = await refusal(
        backend, "createIndex", {"name": name, "definition": {"column": "n"}}, keyspace=keyspace, table=table
    )
    assert error.error_code == "CANNOT_ADD_EXISTING_INDEX"


async def test_create_index_with_if_not_exists_of_an_existing_name_is_ok(
    backend: Backend, keyspace: str, table: str
) -> None:
    name = await create_index(backend, keyspace, table, {"column": "n"})
    body = {"name": name, "definition": {"column": "n"}, "options": {"ifNotExists": True}}
    assert (await run(backend, "createIndex", body, keyspace=keyspace, table=table)).status == {"ok": 1}


@pytest.mark.parametrize(
    ("options", "similarity"),
    [({}, "COSINE"), ({"metric": "euclidean"}, "EUCLIDEAN"), ({"sourceModel": "openai-v3-small"}, "DOT_PRODUCT")],
)
async def test_create_vector_index_writes_the_similarity_function_and_never_source_model(
    backend: Backend, keyspace: str, table: str, options: dict[str, str], similarity: str
) -> None:
    name = unique("v")
    body = {"name": name, "definition": {"column": "vec", "options": options}}
    assert (await run(backend, "createVectorIndex", body, keyspace=keyspace, table=table)).status == {"ok": 1}
    written = index_options(backend, keyspace, table, name)
    assert written["similarity_function"] == similarity
    assert "source_model" not in written


@pytest.mark.parametrize(
    ("definition", "code"),
    [
        ({"column": "n"}, "UNSUPPORTED_VECTOR_INDEX_FOR_DATA_TYPES"),
        ({"column": "nosuch"}, "UNKNOWN_INDEX_COLUMN"),
        ({"column": "vec", "options": {"metric": "manhattan"}}, "UNKNOWN_VECTOR_METRIC"),
        ({"column": "vec", "options": {"sourceModel": "gpt-9"}}, "UNKNOWN_VECTOR_SOURCE_MODEL"),
    ],
)
async def test_create_vector_index_refuses_with_the_data_apis_error_code(
    backend: Backend, keyspace: str, table: str, definition: dict[str, Any], code: str
) -> None:
    body = {"name": unique("v"), "definition": definition}
    error = await refusal(backend, "createVectorIndex", body, keyspace=keyspace, table=table)
    assert error.error_code == code


async def test_drop_index_drops_it(backend: Backend, keyspace: str, table: str) -> None:
    name = await create_index(backend, keyspace, table, {"column": "n"})
    assert (await run(backend, "dropIndex", {"name": name}, keyspace=keyspace)).status == {"ok": 1}
    assert (await run(backend, "listIndexes", {}, keyspace=keyspace, table=table)).status == {"indexes": []}


async def test_drop_index_of_an_unknown_index_is_cannot_drop_unknown_index(backend: Backend, keyspace: str) -> None:
    error = await refusal(backend, "dropIndex", {"name": unique("nosuch")}, keyspace=keyspace)
    assert error.error_code == "CANNOT_DROP_UNKNOWN_INDEX"


async def test_drop_index_with_if_exists_of_an_unknown_index_is_ok(backend: Backend, keyspace: str) -> None:
    body = {"name": unique("nosuch"), "options": {"ifExists": True}}
    assert (await run(backend, "dropIndex", body, keyspace=keyspace)).status == {"ok": 1}
