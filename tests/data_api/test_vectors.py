"""A vector search on a table: `sort: {"vec": [...]}` as CQL's ANN ordering on a storage-attached index, with
`$similarity`; the Data API's sample answered ids a, b with similarities 0.99993885 and 0.8531037 for these vectors."""

from __future__ import annotations

import httpx
import pytest
from cassandra.cluster import Session

from app.config import Settings
from tests.support.data_api import command, error_codes, ok
from tests.support.rows import create_table


@pytest.fixture(scope="module")
def vectors(cql: Session) -> str:
    table = create_table(cql, "id text PRIMARY KEY, vec vector<float, 3>, plain vector<float, 3>", prefix="vectors")
    cql.execute(
        f"CREATE CUSTOM INDEX ON {table} (vec) USING 'StorageAttachedIndex' "
        "WITH OPTIONS = {'similarity_function': 'cosine'}",
        timeout=60,
    )
    for key, vec in (("a", [0.1, 0.2, 0.3]), ("b", [0.3, 0.2, 0.1]), ("c", [-0.3, 0.1, -0.2])):
        cql.execute(f"INSERT INTO {table} (id, vec, plain) VALUES (%s, %s, %s)", (key, vec, vec))
    return table


async def test_a_vector_sort_answers_the_nearest_rows_with_their_similarity(
    api: httpx.AsyncClient, settings: Settings, vectors: str
) -> None:
    body = {
        "sort": {"vec": [0.1, 0.2, 0.31]},
        "projection": {"id": 1},
        "options": {"limit": 2, "includeSimilarity": True},
    }
    answer = ok(await command(api, f"/v1/{settings.keyspace}/{vectors}", "find", body))
    assert answer["data"] == {
        "documents": [{"id": "a", "$similarity": 0.99993885}, {"id": "b", "$similarity": 0.8531037}],
        "nextPageState": None,
    }


async def test_a_vector_sort_takes_the_vector_as_binary(
    api: httpx.AsyncClient, settings: Settings, vectors: str
) -> None:
    body = {"sort": {"vec": {"$binary": "PczMzT5MzM0+mZma"}}, "projection": {"id": 1}, "options": {"limit": 1}}
    answer = ok(await command(api, f"/v1/{settings.keyspace}/{vectors}", "find", body))
    assert answer["data"]["documents"] == [{"id": "a"}]


async def test_a_vector_sort_on_an_unindexed_column_is_refused(
    api: httpx.AsyncClient, settings: Settings, vectors: str
) -> None:
    answer = await command(api, f"/v1/{settings.keyspace}/{vectors}", "find", {"sort": {"plain": [0.1, 0.2, 0.3]}})
    assert error_codes(answer) == ["CANNOT_VECTOR_SORT_NON_INDEXED_VECTOR_COLUMNS"]
