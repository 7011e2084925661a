"""Issue 5, fault 1 (hung variant): a node that stops answering without closing its sockets (SIGSTOP).

Nothing fails fast here: the driver waits. The answer is still a 504 with a JSON body within the configured bound:
REQUEST_TIMEOUT when the driver gives up first (`database_timeout`), SERVER_TIMEOUT when the server-side bound is
the shorter one (`server_timeout`). After SIGCONT the same process serves again.
"""

from __future__ import annotations

import asyncio

import pytest

from app.config import Settings
from tests.support.cluster import LocalCluster
from tests.support.poll import eventually
from tests.support.report import Report
from tests.support.service import Launch, api_client
from tests.support.traffic import mixed_requests, request_outcome, tally

pytestmark = [pytest.mark.faults, pytest.mark.slow]


@pytest.mark.parametrize(
    ("request_timeout", "server_timeout", "error"),
    [(1.0, 4.0, "database_timeout"), (5.0, 1.5, "server_timeout")],
)
async def test_a_hung_node_gets_504s_within_the_configured_timeout(
    fault_node: LocalCluster,
    fault_settings: Settings,
    launch: Launch,
    request_timeout: float,
    server_timeout: float,
    error: str,
) -> None:
    # READINESS_CACHE_SECONDS=0: /readyz asks the hung node too, instead of repeating the check made at launch.
    server = launch(
        fault_settings,
        REQUEST_TIMEOUT=str(request_timeout),
        SERVER_TIMEOUT=str(server_timeout),
        SPECULATIVE_DELAY="0",
        READINESS_CACHE_SECONDS="0",
    )
    requests = mixed_requests("Plantago", ["major", "media", "afra"], "Hung")
    async with api_client(server.url, 30) as client:
        with fault_node.paused(1):
            outcomes = await asyncio.gather(
                *(request_outcome(client, kind, make, n) for n in range(3) for kind, make in requests.items())
            )

        async def reads_again() -> bool:
            return (await client.get("/plant/Plantago/major")).status_code == 200

        back = await eventually(reads_again, within=60, what="reads are served again", interval=0.2)
    bound = min(request_timeout, server_timeout)
    assert all(o.status == 504 and isinstance(o.body, dict) and o.body["error"] == error for o in outcomes), [
        (o.kind, o.status, o.body, round(o.elapsed, 3)) for o in outcomes
    ]
    slowest = max(o.elapsed for o in outcomes)
    assert slowest < bound + 1.5, f"a request took {slowest:.2f} s, the bound is {bound} s"
    Report.add(
        "1b. Hung node (SIGSTOP, one node)",
        f"REQUEST_TIMEOUT {request_timeout:g} s, SERVER_TIMEOUT {server_timeout:g} s: {len(outcomes)} requests "
        f"({tally(outcomes)}, all `{error}`), answered after {min(o.elapsed for o in outcomes):.2f}-{slowest:.2f} s; "
        f"reads served again {back:.2f} s after SIGCONT",
    )
