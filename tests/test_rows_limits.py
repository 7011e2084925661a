"""The rows API's routes under the same limits as the sample's: request slots, stream slots, both in Stargate's error
shape. (Its NDJSON streams' idle and total bounds are in test_stalled_streams.py, its JSON pages' cap in
test_memory_budget.py, its over-long chunked bodies in test_edge_inputs.py.)
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from cassandra.cluster import Session

from tests.support.app import client_for
from tests.support.asgi import HeldResponse
from tests.support.rows import filled_table


@pytest.fixture(scope="module")
def table(cql: Session) -> str:
    return filled_table(cql, "p text, c int, PRIMARY KEY (p, c)", "p, c", [("k", i) for i in range(20)])


def assert_stargate_503(response: Any, limit: str) -> None:
    assert response.status_code == 503 and response.headers["retry-after"] == "1"
    body = response.json()
    assert body["code"] == 503 and response.headers["x-error-code"] == "overloaded" and limit in body["description"]


async def test_a_rows_request_over_capacity_is_shed_in_stargates_shape(tight: Any, keyspace: str, table: str) -> None:
    path = f"/v2/keyspaces/{keyspace}/{table}"
    held = HeldResponse(tight, f"{path}/k/1")
    await asyncio.wait_for(held.started.wait(), 30)
    async with client_for(tight) as client:
        shed = await client.get(f"{path}/k/2")
        await held.finish()
        after = await client.get(f"{path}/k/2")
    assert_stargate_503(shed, "MAX_CONCURRENT_REQUESTS")
    assert after.status_code == 200 and after.json()["count"] == 1


async def test_a_rows_ndjson_stream_holds_a_stream_slot_not_a_request_slot(
    tight: Any, keyspace: str, table: str
) -> None:
    path = f"/api/rest/v2/keyspaces/{keyspace}/{table}/k"
    held = HeldResponse(tight, path, b"format=ndjson&page-size=5")
    await asyncio.wait_for(held.started.wait(), 30)
    async with client_for(tight) as client:
        second_stream = await client.get(path, params={"format": "ndjson"})
        point_read = await client.get(f"{path}/1")
        await held.finish()
        stream_after = await client.get(path, params={"format": "ndjson"})
    assert held.messages[0]["status"] == 200
    assert_stargate_503(second_stream, "MAX_STREAMS")
    assert point_read.status_code == 200
    assert stream_after.status_code == 200 and len(stream_after.text.splitlines()) == 20
