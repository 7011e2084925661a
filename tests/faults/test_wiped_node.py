"""Issue 5, fault 1 (replaced node): the node comes back empty, having lost its data and its prepared statements.

Once the schema is back (scripts/init-db, or here apply_schema), the same API process serves again without a
restart: the driver answers the node's UNPREPARED by re-preparing each statement and running it again.
Runs after the other single-node tests (file order): it empties the fault node's keyspace.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from app.config import Settings
from app.db.statements import CQL, qualified
from tests.support.cluster import LocalCluster, create_schema, query
from tests.support.names import unique
from tests.support.poll import eventually
from tests.support.report import Report
from tests.support.service import Launch, api_client

pytestmark = [pytest.mark.faults, pytest.mark.slow]


def prepared_on_node(settings: Settings) -> set[str]:
    """The statements the node holds prepared (it keeps them in system.prepared_statements)."""
    return {row["query_string"] for row in query(settings, "SELECT query_string FROM system.prepared_statements")}


async def test_prepared_statements_work_again_after_the_node_lost_them(
    fault_node: LocalCluster, fault_settings: Settings, launch: Launch
) -> None:
    server = launch(fault_settings)
    genus = unique("Back")
    async with api_client(server.url, 30) as client:
        assert (await client.get("/plant/Plantago/major")).status_code == 200
        await asyncio.to_thread(fault_node.stop)
        fault_node.wipe(1)
        await asyncio.to_thread(fault_node.start)
        await asyncio.to_thread(fault_node.wait)
        answered_cql = time.monotonic()
        # Read before the schema is back: until then nothing can prepare a statement on the keyspace, where the
        # driver re-prepares every statement on its own once it sees the node up (when, depends on the load).
        lost = await asyncio.to_thread(prepared_on_node, fault_settings)
        await asyncio.to_thread(create_schema, fault_settings)
        schema_back = time.monotonic()

        async def round_trip() -> bool:
            written = await client.post("/plant", json={"genus": genus, "species": "again", "sightings": 42})
            read = await client.get(f"/plant/{genus}/again")
            return written.status_code == 200 and read.status_code == 200 and read.json()["sightings"] == 42

        took = await eventually(round_trip, within=60, what="a write and read round trip works", interval=0.2)
        listing = await client.get("/plant/Plantago")
        ready = await client.get("/readyz")
        reprepared = await asyncio.to_thread(prepared_on_node, fault_settings)
    assert listing.status_code == 200 and len(listing.json()) == 88
    assert ready.status_code == 200
    ours = {qualified(CQL[name], fault_settings.keyspace) for name in ("upsert_plant", "select_plant")}  # as prepared
    assert not ours & lost, "the wiped node still knew the service's statements"
    assert ours <= reprepared, "the service's statements were not prepared again on the node"
    Report.add(
        "1c. Node wiped (data and prepared statements lost), same API process",
        f"schema re-applied {schema_back - answered_cql:.1f} s after the empty node answered CQL; a write and a read "
        f"through the service's prepared statements succeeded {took:.2f} s after that (re-prepared on UNPREPARED)",
    )
