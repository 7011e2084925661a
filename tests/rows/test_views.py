"""Materialized views, as Stargate serves them: read like tables (all rows, by key, with `where`), listed by the
schema API, and written never (Cassandra's refusal, in Stargate's shape).

The node must have `materialized_views_enabled: true` (scripts/cassandra writes it). A node started before that line
refuses CREATE MATERIALIZED VIEW: the tests that need a view skip then, saying so."""

from __future__ import annotations

import httpx
import pytest
from cassandra import InvalidRequest
from cassandra.cluster import Session
from cassandra.metadata import ColumnMetadata, KeyspaceMetadata, MaterializedViewMetadata, TableMetadata

from app.rows.catalog import Kind, relation, table_from_metadata
from app.rows.types import Udt
from tests.support.names import unique
from tests.support.poll import eventually
from tests.support.rows import assert_stargate_error, create_table, path, where

VIEW_WRITE = "Cannot directly modify a materialized view"
GRPC_PREFIX = "Invalid argument for gRPC operation (Status.Code.INVALID_ARGUMENT->400): INVALID_ARGUMENT: "
PEOPLE = [("1", "John", "Doe"), ("2", "Sarah", "Smith"), ("3", "Jane", None), ("4", "Ann", "Smith")]


@pytest.fixture(scope="module")
def view(cql: Session) -> str:
    """Stargate's own MV test, as it reads: people by id, viewed by last name (a row without one is not in it)."""
    table = create_table(cql, 'id text PRIMARY KEY, "firstName" text, "lastName" text', prefix="mvbase")
    name = unique("mv")
    try:
        cql.execute(
            f'CREATE MATERIALIZED VIEW {name} AS SELECT id, "firstName", "lastName" FROM {table} '
            f'WHERE id IS NOT NULL AND "lastName" IS NOT NULL PRIMARY KEY ("lastName", id)',
            timeout=60,
        )
    except InvalidRequest as exc:
        if "disabled" in str(exc).lower():
            pytest.skip(f"this node refuses materialized views (materialized_views_enabled is off): {exc}")
        raise
    insert = cql.prepare(f'INSERT INTO {table} (id, "firstName", "lastName") VALUES (?, ?, ?)')
    for row in PEOPLE:
        cql.execute(insert, row)
    return name


async def _rows(client: httpx.AsyncClient, url: str, **params: str) -> list[dict[str, object]]:
    response = await client.get(url, params={"raw": "true", **params})
    assert response.status_code == 200, response.text
    rows: list[dict[str, object]] = response.json()
    return rows


async def test_every_row_of_a_view_is_read(client: httpx.AsyncClient, keyspace_name: str, view: str) -> None:
    url = path(keyspace_name, view) + "/rows"

    async def all_there() -> bool:
        return len(await _rows(client, url)) == 3

    await eventually(all_there, within=30, what="the view holds the three rows with a last name")
    rows = await _rows(client, url)
    assert sorted((r["lastName"], r["id"], r["firstName"]) for r in rows) == [
        ("Doe", "1", "John"),
        ("Smith", "2", "Sarah"),
        ("Smith", "4", "Ann"),
    ]


async def test_a_view_is_read_by_its_own_key(client: httpx.AsyncClient, keyspace_name: str, view: str) -> None:
    rows = await _rows(client, path(keyspace_name, view, "Smith"))
    assert sorted(r["id"] for r in rows) == ["2", "4"]
    [row] = await _rows(client, path(keyspace_name, view, "Smith", "4"))
    assert row == {"lastName": "Smith", "id": "4", "firstName": "Ann"}


async def test_a_view_is_read_with_where(client: httpx.AsyncClient, keyspace_name: str, view: str) -> None:
    condition = where({"lastName": {"$eq": "Smith"}, "id": {"$gt": "2"}})
    rows = await _rows(client, path(keyspace_name, view), where=condition, fields="id,firstName")
    assert rows == [{"id": "4", "firstName": "Ann"}]


async def test_the_schema_api_lists_and_describes_a_view(
    client: httpx.AsyncClient, keyspace_name: str, view: str
) -> None:
    listed = await _rows(client, f"/v2/schemas/keyspaces/{keyspace_name}/tables")
    assert view in [t["name"] for t in listed]
    response = await client.get(f"/v2/schemas/keyspaces/{keyspace_name}/tables/{view}", params={"raw": "true"})
    assert response.json()["primaryKey"] == {"partitionKey": ["lastName"], "clusteringKey": ["id"]}


@pytest.mark.parametrize(
    ("method", "key", "body"),
    [
        ("POST", (), {"lastName": "Roe", "id": "9", "firstName": "Jo"}),
        ("PUT", ("Smith", "2"), {"firstName": "S"}),
        ("PATCH", ("Smith", "2"), {"firstName": "S"}),
        ("DELETE", ("Smith", "2"), None),
    ],
)
async def test_a_write_to_a_view_is_cassandras_refusal(
    client: httpx.AsyncClient, keyspace_name: str, view: str, method: str, key: tuple[str, ...], body: object
) -> None:
    response = await client.request(method, path(keyspace_name, view, *key), json=body)
    answer = assert_stargate_error(response, 400, GRPC_PREFIX + VIEW_WRITE, error="invalid_query")
    assert answer["grpcStatus"] == "INVALID_ARGUMENT"
    assert len(await _rows(client, path(keyspace_name, view, "Smith"))) == 2


def test_the_catalog_describes_a_view_from_the_drivers_metadata() -> None:
    """A pure function on the driver's own metadata classes (runs on a node without views too): a view has its key
    and columns like a table, and is marked as a view."""
    keyspace = KeyspaceMetadata("ks", True, "SimpleStrategy", {"replication_factor": "1"})
    base = TableMetadata("ks", "people")
    meta = MaterializedViewMetadata("ks", "by_last", "people", False, "", {})
    for name, kind in (("lastName", "pk"), ("id", "ck"), ("firstName", "")):
        column = ColumnMetadata(meta, name, "text")
        meta.columns[name] = column
        if kind == "pk":
            meta.partition_key.append(column)
        elif kind == "ck":
            meta.clustering_key.append(column)
    keyspace.tables["people"] = base
    keyspace.views["by_last"] = meta
    found, is_view = relation(keyspace, "by_last")
    assert (found, is_view) == (meta, True)
    assert relation(keyspace, "people") == (base, False)
    table = table_from_metadata("ks", found, lambda name: Udt("ks", name, ()), view=is_view)
    assert table.is_view and [c.name for c in table.primary_key] == ["lastName", "id"]
    assert table.columns["firstName"].kind is Kind.REGULAR
