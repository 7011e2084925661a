"""Tables found, not hand-written: a table created, altered or dropped while the service runs is served, changed or
refused without a restart (the driver's schema events, and a refresh on a miss)."""

from __future__ import annotations

import httpx
from cassandra.cluster import Session

from tests.support.poll import eventually
from tests.support.rows import create_table


async def test_a_table_created_while_running_is_served(
    client: httpx.AsyncClient, keyspace_name: str, cql: Session
) -> None:
    table = create_table(cql, "k text PRIMARY KEY, v int", prefix="fresh")
    cql.execute(f"INSERT INTO {table} (k, v) VALUES ('a', 1)")
    response = await client.get(f"/v2/keyspaces/{keyspace_name}/{table}/a")
    assert response.status_code == 200  # a miss refreshes the driver's view before answering
    assert response.json()["data"] == [{"k": "a", "v": 1}]


async def test_a_dropped_table_is_refused(client: httpx.AsyncClient, keyspace_name: str, cql: Session) -> None:
    table = create_table(cql, "k text PRIMARY KEY, v int", prefix="doomed")
    assert (await client.get(f"/v2/keyspaces/{keyspace_name}/{table}/rows")).status_code == 200
    cql.execute(f"DROP TABLE {table}", timeout=60)

    async def refused() -> bool:
        response = await client.get(f"/v2/keyspaces/{keyspace_name}/{table}/rows")
        return response.status_code == 400 and "not found" in response.json()["description"]

    await eventually(refused, within=10, what="the dropped table is refused")


async def test_an_added_column_is_served_once_the_table_changed(
    client: httpx.AsyncClient, keyspace_name: str, cql: Session
) -> None:
    table = create_table(cql, "k text PRIMARY KEY, v int", prefix="growing")
    cql.execute(f"INSERT INTO {table} (k, v) VALUES ('a', 1)")
    assert (await client.get(f"/v2/keyspaces/{keyspace_name}/{table}/a")).json()["data"] == [{"k": "a", "v": 1}]
    cql.execute(f"ALTER TABLE {table} ADD extra text", timeout=60)
    cql.execute(f"UPDATE {table} SET extra = 'x' WHERE k = 'a'")

    async def widened() -> bool:
        rows = (await client.get(f"/v2/keyspaces/{keyspace_name}/{table}/a")).json()["data"]
        return rows == [{"k": "a", "v": 1, "extra": "x"}]

    await eventually(widened, within=10, what="the added column is served")
    written = await client.put(f"/v2/keyspaces/{keyspace_name}/{table}/b", json={"extra": "new"})
    assert written.status_code == 200
