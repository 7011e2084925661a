"""Issue 5, fault 1: the only node goes away under steady traffic, then comes back; the service is never restarted."""

from __future__ import annotations

import asyncio
import time

import pytest

from app.config import Settings
from tests.support.cluster import LocalCluster
from tests.support.names import unique
from tests.support.processes import Server
from tests.support.report import Report
from tests.support.service import Launch, api_client
from tests.support.traffic import Traffic, mixed_requests, recovered_at, tally

pytestmark = [pytest.mark.faults, pytest.mark.slow]

SERVER_TIMEOUT = 4.0
SPECIES = ["afra", "africana", "alpina", "arenaria", "major", "media"]


@pytest.fixture
def two_workers(fault_settings: Settings, launch: Launch) -> Server:
    """`python -m app --workers 2`: each worker has its own Cluster, and both must ride out the outage."""
    return launch(fault_settings, workers=2, SERVER_TIMEOUT=str(SERVER_TIMEOUT))


async def test_stopped_node_gives_503s_and_the_service_recovers_without_restart(
    fault_node: LocalCluster, two_workers: Server
) -> None:
    traffic = Traffic(two_workers.url, mixed_requests("Plantago", SPECIES, unique("W")), concurrency=4)
    async with traffic:
        await asyncio.sleep(3)
        t_stop = time.monotonic()
        await asyncio.to_thread(fault_node.stop)
        t_stopped = time.monotonic()
        await asyncio.sleep(6)
        async with api_client(two_workers.url, SERVER_TIMEOUT + 5) as client:
            ready = await client.get("/readyz")
            health = await client.get("/healthz")
        assert two_workers.process.poll() is None, "the service exited while Cassandra was down"
        t_start = time.monotonic()
        await asyncio.to_thread(fault_node.start)
        await asyncio.to_thread(fault_node.wait)
        t_cql = time.monotonic()
        last_failure = await recovered_at(traffic, t_cql)
    before = traffic.between(0, t_stop)
    down = traffic.between(t_stopped, t_start)
    after = [o for o in traffic.outcomes if o.started > last_failure]
    first_ok = min((o.ended for o in traffic.outcomes if o.started >= t_cql and o.ok), default=float("nan"))

    assert before and all(o.ok for o in before), [o for o in before if not o.ok][:3]
    assert down and all(o.clean_failure for o in down), [o for o in down if not o.clean_failure][:3]
    assert {o.kind for o in down} == {"read", "write", "readyz", "list"}
    assert ready.status_code == 503 and ready.headers.get("retry-after")
    assert ready.json()["error"] == "database_unavailable"
    assert health.status_code == 200
    unclean = [o for o in traffic.outcomes if not (o.ok or o.clean_failure)]
    assert not unclean, unclean[:3]
    slowest = max(o.elapsed for o in traffic.outcomes)
    assert slowest < SERVER_TIMEOUT + 1.0, f"a request took {slowest:.1f} s (SERVER_TIMEOUT {SERVER_TIMEOUT})"
    assert after and all(o.ok for o in after)  # prepared statements work again on the restarted node

    Report.add(
        "1. Database down (one node, 2 workers, REQUEST_TIMEOUT 2 s, SERVER_TIMEOUT 4 s)",
        f"before: {len(before)} requests ({tally(before)}); node down {t_start - t_stopped:.1f} s: "
        f"{len(down)} requests ({tally(down)}), slowest answer {max(o.elapsed for o in down):.3f} s; "
        f"after recovery: {len(after)} requests ({tally(after)}); never a 500, never a reset",
    )
    Report.add(
        "1. Database down (one node, 2 workers, REQUEST_TIMEOUT 2 s, SERVER_TIMEOUT 4 s)",
        f"node restart to CQL: {t_cql - t_start:.1f} s; first 200 {max(0.0, first_ok - t_cql):.2f} s after the node "
        f"answered CQL; last failure {max(0.0, last_failure - t_cql):.2f} s after it (no service restart)",
    )
