"""A schema change made through one instance reaches another within the documented time (docs/rows-api.md, "Schema
API (writes)": the driver's schema events, a few seconds): two apps in this process, each with its own driver
Cluster, as two servers would have."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from cassandra.cluster import Session

from app.config import Settings
from tests.support.names import unique
from tests.support.poll import eventually
from tests.support.schema_api import S, column, create_keyspace, create_table, keyspace_names, schema_client, table_body

DOCUMENTED_SECONDS = 10.0


@pytest.fixture(scope="module")
async def other(settings: Settings, cql: Session, served: list[str]) -> AsyncIterator[httpx.AsyncClient]:
    async with schema_client(settings, served) as client:
        yield client


@pytest.fixture(scope="module")
def served() -> list[str]:
    return keyspace_names(1)


async def test_a_table_created_on_one_instance_is_served_by_the_other(
    api: httpx.AsyncClient, other: httpx.AsyncClient, ks: str
) -> None:
    name = unique("t")
    assert (await other.get(f"/v2/keyspaces/{ks}/{name}/rows")).status_code == 400  # unknown there too, first
    await create_table(api, ks, table_body(name, [column("id", "int"), column("v", "text")], ["id"]))
    assert (await api.post(f"/v2/keyspaces/{ks}/{name}", json={"id": 1, "v": "one"})).status_code == 201

    async def served_there() -> bool:
        response = await other.get(f"/v2/keyspaces/{ks}/{name}/1", params={"raw": "true"})
        return response.status_code == 200 and response.json() == [{"id": 1, "v": "one"}]

    await eventually(served_there, within=DOCUMENTED_SECONDS, what="the other instance serves the new table")

    async def documented_there() -> bool:
        document = (await other.get("/openapi.json")).json()
        return f"/v2/keyspaces/{ks}/{name}/{{id}}" in document["paths"]

    await eventually(documented_there, within=DOCUMENTED_SECONDS, what="the other instance documents it")


async def test_a_keyspace_created_on_one_instance_is_described_by_the_other(
    api: httpx.AsyncClient, other: httpx.AsyncClient, ks: str
) -> None:
    await create_keyspace(api, ks)  # exists already: a 201 all the same

    async def described() -> bool:
        return (await other.get(f"{S}/{ks}")).status_code == 200

    await eventually(described, within=DOCUMENTED_SECONDS, what="the other instance describes the keyspace")
