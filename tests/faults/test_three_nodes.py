"""Issue 5, fault 3: three nodes, RF 3, LOCAL_QUORUM (the default on a multi-node cluster).

One node down: a quorum (2 of 3) is still there, so reads and writes go on with zero errors. Two down: no quorum,
so clear 503s (504s first, while the coordinator still waits on a replica its failure detector has not yet
convicted: 10 to 20 s here, depending on load). Both back: full
service, with no restart of the API.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.support.cluster import LocalCluster, create_schema, settings_for
from tests.support.names import unique
from tests.support.poll import eventually
from tests.support.processes import Server
from tests.support.report import Report
from tests.support.service import Launch
from tests.support.traffic import Outcome, Traffic, mixed_requests, recovered_at, tally

pytestmark = [pytest.mark.faults, pytest.mark.slow]

SPECIES = ["afra", "africana", "alpina", "arenaria", "major", "media"]
SECTION = "3. Three nodes, RF 3, LOCAL_QUORUM (127.0.0.31-33, one API process)"


@pytest.fixture
def rf3_service(three_nodes: LocalCluster, launch: Launch) -> Server:
    settings = settings_for(three_nodes, replication_factor=3)
    create_schema(settings)
    # The shipped timeouts (driver 5 s, server 10 s): Cassandra's own speculative retry (99p) must have time to
    # route a read around a replica that died but is not yet convicted.
    return launch(settings, REQUEST_TIMEOUT="5", SERVER_TIMEOUT="10")


async def some_503(traffic: Traffic, since: float) -> bool:
    return any(o.status == 503 and o.kind != "readyz" for o in traffic.outcomes if o.started >= since)


def by_kind(outcomes: list[Outcome]) -> str:
    kinds = sorted({o.kind for o in outcomes})
    return "; ".join(f"{k} {tally([o for o in outcomes if o.kind == k])}" for k in kinds)


async def test_quorum_survives_one_dead_node_and_fails_clearly_with_two(
    three_nodes: LocalCluster, rf3_service: Server
) -> None:
    traffic = Traffic(rf3_service.url, mixed_requests("Plantago", SPECIES, unique("W")), concurrency=4)
    async with traffic:
        t0 = time.monotonic()
        await asyncio.sleep(4)
        t1 = time.monotonic()
        await asyncio.to_thread(three_nodes.kill, 3)
        await asyncio.sleep(10)
        t2 = time.monotonic()
        await asyncio.to_thread(three_nodes.kill, 2)
        # 504s until node 1's failure detector convicts node 2 (10-20 s here, depending on load), then 503s.
        await eventually(lambda: some_503(traffic, t2), within=60, what="a 503 once node 2 is convicted", interval=0.2)
        await asyncio.sleep(3)
        t3 = time.monotonic()
        await asyncio.to_thread(three_nodes.start, 2)
        await asyncio.to_thread(three_nodes.start, 3)
        await asyncio.to_thread(three_nodes.wait, 2)
        await asyncio.to_thread(three_nodes.wait, 3)
        t_cql = time.monotonic()
        last_failure = await recovered_at(traffic, t_cql, quiet=5)
    all_up = traffic.between(t0, t1)
    one_down = traffic.between(t1, t2)  # from the SIGKILL of node 3 on
    two_down = traffic.between(t2, t3)
    restarting = traffic.between(t3, t_cql)
    restored = [o for o in traffic.outcomes if o.started > last_failure]

    assert all_up and all(o.ok for o in all_up), tally(all_up)
    assert one_down and all(o.ok for o in one_down), f"errors with one node down: {[o for o in one_down if not o.ok]}"
    unclean = [o for o in traffic.outcomes if not (o.ok or o.clean_failure)]
    assert not unclean, unclean[:3]
    data = [o for o in two_down if o.kind != "readyz"]  # readyz asks a single node (ONE): it stays 200
    assert any(o.status == 503 for o in data), f"no 503 with two of three nodes down: {tally(data)}"
    assert restored and all(o.ok for o in restored)
    first_503 = min(o.ended for o in data if o.status == 503)

    Report.add(SECTION, f"all three up, {t1 - t0:.0f} s: {len(all_up)} requests ({tally(all_up)})")
    Report.add(SECTION, f"node 3 SIGKILLed, {t2 - t1:.0f} s: {len(one_down)} requests ({tally(one_down)}): zero errors")
    Report.add(
        SECTION,
        f"nodes 2 and 3 SIGKILLed, {t3 - t2:.0f} s: {len(two_down)} requests ({tally(two_down)}); by kind: "
        f"{by_kind(two_down)}; first 503 {first_503 - t2:.1f} s after the kill (504s until node 1 saw node 2 die); "
        f"slowest answer {max(o.elapsed for o in two_down):.2f} s",
    )
    Report.add(
        SECTION,
        f"restarting nodes 2 and 3 until both answer CQL, {t_cql - t3:.1f} s: {len(restarting)} requests "
        f"({tally(restarting)}); last failure {max(0.0, last_failure - t_cql):.2f} s after both answered CQL; "
        f"afterwards {len(restored)} requests ({tally(restored)})",
    )
