"""What an unknown name costs: under ROWS_KEYSPACES=* an unknown keyspace refreshes that keyspace only (never the
whole schema), an unknown name is answered from memory for NEGATIVE_CACHE_SECONDS, refreshes spend
SCHEMA_REFRESHES_PER_SECOND, and a table or keyspace created after a miss is still served once the driver hears."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from cassandra.cluster import Session

from app.config import Settings
from tests.support.names import unique
from tests.support.poll import eventually
from tests.support.rows import create_keyspace, create_table
from tests.support.rows_app import RowsApp, rows_app


@pytest.fixture(scope="module")
def table(cql: Session) -> str:
    name = create_table(cql, "k text PRIMARY KEY, v int", prefix="known")
    cql.execute(f"INSERT INTO {name} (k, v) VALUES ('a', 1)")
    return name


@pytest.fixture(scope="module")
async def everything(settings: Settings, cql: Session) -> AsyncIterator[RowsApp]:
    async with rows_app(settings, rows_keyspaces="*", allow_anonymous_reads=True) as running:  # reads stay open
        yield running


@pytest.fixture
def fresh_keyspace(cql: Session) -> Iterator[str]:
    name = unique("later_")
    yield name
    cql.execute(f"DROP KEYSPACE IF EXISTS {name}", timeout=60)


async def test_an_unknown_keyspace_refreshes_that_keyspace_only_and_is_remembered(
    everything: RowsApp, keyspace: str, table: str
) -> None:
    client, catalog = everything.client, everything.engine.catalog
    assert (await client.get(f"/v2/keyspaces/{keyspace}/{table}/a")).status_code == 200
    own = catalog.keyspace_metadata(keyspace)
    own_table = own.tables[table]
    before = catalog.refreshes.copy()
    missing = unique("nowhere_")
    for _ in range(3):
        response = await client.get(f"/v2/keyspaces/{missing}/t/rows")
        assert response.status_code == 400 and response.json()["description"] == f"Keyspace '{missing}' not found"
    assert catalog.refreshes["keyspace"] - before["keyspace"] == 1  # then answered from memory
    assert catalog.refreshes["table"] == before["table"]
    # A whole-schema refresh would have replaced every keyspace's and table's metadata object.
    assert catalog.keyspace_metadata(keyspace) is own and own.tables[table] is own_table


async def test_an_unknown_table_is_asked_about_once_then_remembered(everything: RowsApp, keyspace: str) -> None:
    client, catalog = everything.client, everything.engine.catalog
    before = catalog.refreshes["table"]
    missing = unique("absent")
    for _ in range(3):
        response = await client.get(f"/v2/keyspaces/{keyspace}/{missing}/rows")
        assert response.status_code == 400 and "not found" in response.json()["description"]
    assert catalog.refreshes["table"] - before == 1


async def test_a_table_created_after_a_miss_is_served_once_the_driver_hears_of_it(
    everything: RowsApp, keyspace: str, cql: Session
) -> None:
    name = unique("late")
    assert (await everything.client.get(f"/v2/keyspaces/{keyspace}/{name}/rows")).status_code == 400
    cql.execute(f"CREATE TABLE {name} (k text PRIMARY KEY, v int)", timeout=60)
    cql.execute(f"INSERT INTO {name} (k, v) VALUES ('a', 1)")

    async def served() -> bool:
        response = await everything.client.get(f"/v2/keyspaces/{keyspace}/{name}/a")
        return response.status_code == 200 and response.json()["data"] == [{"k": "a", "v": 1}]

    await eventually(served, within=10, what="the new table served")


async def test_a_keyspace_created_after_a_miss_is_served_once_the_driver_hears_of_it(
    everything: RowsApp, cql: Session, fresh_keyspace: str
) -> None:
    client = everything.client
    assert (await client.get(f"/v2/keyspaces/{fresh_keyspace}/t/rows")).status_code == 400
    create_keyspace(cql, fresh_keyspace)
    cql.execute(f"CREATE TABLE {fresh_keyspace}.t (k text PRIMARY KEY, v int)", timeout=60)
    cql.execute(f"INSERT INTO {fresh_keyspace}.t (k, v) VALUES ('a', 2)")

    async def served() -> bool:
        response = await client.get(f"/v2/keyspaces/{fresh_keyspace}/t/a")
        return response.status_code == 200 and response.json()["data"] == [{"k": "a", "v": 2}]

    await eventually(served, within=10, what="the new table served")


async def test_refreshes_beyond_schema_refreshes_per_second_are_not_asked(
    settings: Settings, keyspace: str, table: str
) -> None:
    async with rows_app(settings, schema_refreshes_per_second=0.01) as running:  # a burst of 5, then 1 per 100 s
        catalog = running.engine.catalog
        for _ in range(12):
            response = await running.client.get(f"/v2/keyspaces/{keyspace}/{unique('absent')}/rows")
            assert response.status_code == 400
        assert sum(catalog.refreshes.values()) == 5
        assert (await running.client.get(f"/v2/keyspaces/{keyspace}/{table}/a")).status_code == 200


async def test_a_table_created_a_moment_ago_is_found_after_unknown_names_used_up_the_burst(
    settings: Settings, keyspace: str, cql: Session
) -> None:
    async with rows_app(settings, schema_refreshes_per_second=2) as running:
        for _ in range(6):
            assert (await running.client.get(f"/v2/keyspaces/{keyspace}/{unique('absent')}/rows")).status_code == 400
        name = create_table(cql, "k text PRIMARY KEY, v int", prefix="just")
        cql.execute(f"INSERT INTO {name} (k, v) VALUES ('a', 3)")
        response = await running.client.get(f"/v2/keyspaces/{keyspace}/{name}/a")
        assert response.status_code == 200 and response.json()["data"] == [{"k": "a", "v": 3}]
