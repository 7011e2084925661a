"""Bulk ingest sends the lines of a partition as one UNLOGGED batch (`app.rows.batches`) and still reports every
line on its own: a line Cassandra refuses is refused alone, and the later of two lines with one key wins."""

from __future__ import annotations

import httpx
import orjson
import pytest
from cassandra.cluster import Session

from tests.support.names import unique
from tests.support.rows import create_table, path

COLUMNS = "id text, part text, label text, PRIMARY KEY ((id), part)"
NDJSON = {"content-type": "application/x-ndjson"}
TOO_LONG = "k" * 70_000  # a clustering value over Cassandra's 65,535 bytes: bound fine, refused by Cassandra


@pytest.fixture(scope="module")
def items(cql: Session) -> str:
    return create_table(cql, COLUMNS, prefix="batched")


def lines(*rows: dict[str, object]) -> bytes:
    return b"".join(orjson.dumps(row) + b"\n" for row in rows)


def stored(cql: Session, table: str, key: str) -> dict[str, str | None]:
    return {row["part"]: row["label"] for row in cql.execute(f"SELECT part, label FROM {table} WHERE id = %s", (key,))}


async def test_a_line_cassandra_refuses_is_refused_alone_and_the_rest_of_its_partition_written(
    client: httpx.AsyncClient, keyspace_name: str, items: str, cql: Session
) -> None:
    key = unique()
    content = lines({"id": key, "part": "a"}, {"id": key, "part": TOO_LONG}, {"id": key, "part": "c"})
    response = await client.post(path(keyspace_name, items), content=content, headers=NDJSON)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["written"], answer["refused"]) == (2, 1)
    assert [(e["line"], e["code"], e["error"]) for e in answer["errors"]] == [(2, 400, "invalid_query")]
    assert stored(cql, items, key) == {"a": None, "c": None}


async def test_the_later_of_two_lines_with_one_primary_key_wins(
    client: httpx.AsyncClient, keyspace_name: str, items: str, cql: Session
) -> None:
    """In one batch both rows would share a write timestamp, and the greater value would win ("z" over "a")."""
    key = unique()
    content = lines(
        {"id": key, "part": "1", "label": "z"}, {"id": key, "part": "2"}, {"id": key, "part": "1", "label": "a"}
    )
    response = await client.post(path(keyspace_name, items), content=content, headers=NDJSON)
    assert response.json()["written"] == 3, response.text
    assert stored(cql, items, key) == {"1": "a", "2": None}
