"""Admission control: requests and streams are bounded per process; past the bound, a short queue, then a clean 503."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
from cassandra.cluster import Session

from app.config import Settings
from app.http.limits import Gate
from tests.support.app import API_KEY, client_for
from tests.support.asgi import HeldResponse
from tests.support.processes import Server, service_env, start_uvicorn, stop_server


async def test_gate_admits_up_to_capacity_then_queues_then_sheds() -> None:
    gate = Gate(2, max_waiting=1, timeout=30)
    assert await gate.enter() and await gate.enter()
    queued = asyncio.create_task(gate.enter())
    await asyncio.sleep(0)
    assert gate.waiting == 1
    assert not await gate.enter()  # the queue is full: shed at once, no waiting
    gate.release()
    assert await queued  # the waiter got the released slot


async def test_gate_sheds_a_waiter_when_its_wait_runs_out() -> None:
    gate = Gate(1, max_waiting=10, timeout=0.01)
    assert await gate.enter()
    assert not await gate.enter()
    assert gate.waiting == 0
    gate.release()
    assert await gate.enter()


async def test_request_over_capacity_is_503_with_retry_after_and_json(tight: Any) -> None:
    held = HeldResponse(tight, "/plant/Plantago/afra")
    await asyncio.wait_for(held.started.wait(), 30)
    async with client_for(tight) as client:
        shed = await client.get("/plant/Plantago/aristata")
        probe = await client.get("/healthz")
        await held.finish()
        after = await client.get("/plant/Plantago/aristata")
    assert shed.status_code == 503
    assert shed.headers["retry-after"] == "1"
    assert shed.json()["error"] == "overloaded" and "MAX_CONCURRENT_REQUESTS" in shed.json()["detail"]
    assert probe.status_code == 200  # probes are never queued or shed
    assert after.status_code == 200  # the slot came back


async def test_open_stream_holds_a_stream_slot_but_not_a_request_slot(tight: Any) -> None:
    held = HeldResponse(tight, "/plant/Plantago", b"format=ndjson&page_size=5")
    await asyncio.wait_for(held.started.wait(), 30)
    async with client_for(tight) as client:
        second_stream = await client.get("/plant/Plantago", params={"format": "ndjson"})
        point_read = await client.get("/plant/Plantago/afra")
        await held.finish()
        stream_after = await client.get("/plant/Plantago", params={"format": "ndjson"})
    assert held.messages[0]["status"] == 200
    assert second_stream.status_code == 503
    assert second_stream.json()["error"] == "overloaded" and "MAX_STREAMS" in second_stream.json()["detail"]
    assert second_stream.headers["retry-after"] == "1"
    assert point_read.status_code == 200
    assert stream_after.status_code == 200 and len(stream_after.text.splitlines()) == 88


# Far above capacity: 100 concurrent clients against 4 request slots and 8 queue places.
BURST_REQUESTS = 3000
BURST_CONCURRENCY = 100


@pytest.fixture(scope="module")
def small_server(settings: Settings, cql: Session, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    env = service_env(
        settings,
        API_KEYS=API_KEY,
        MAX_CONCURRENT_REQUESTS="4",
        MAX_QUEUED_REQUESTS="8",
        QUEUE_TIMEOUT_MS="20",
        MAX_STREAMS="2",
        UVICORN_ACCESS_LOG="false",
        LOG_LEVEL="info",
    )
    running = start_uvicorn(env, tmp_path_factory.mktemp("limits") / "server.log")
    yield running
    stop_server(running)


async def _burst(url: str) -> tuple[Counter[int], list[float], list[httpx.Response]]:
    statuses: Counter[int] = Counter()
    accepted: list[float] = []
    shed: list[httpx.Response] = []
    paths = [
        "/plant/Plantago/afra",
        "/animal/Vanessa/atalanta",
        "/plant/Plantago?format=page&page_size=20",
        "/plant/Plantago?format=ndjson",
    ]
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(BURST_REQUESTS):
        queue.put_nowait(i)
    # Idle connections are dropped by the client before uvicorn's 5 s keep-alive can race a reuse.
    limits = httpx.Limits(
        max_connections=BURST_CONCURRENCY, max_keepalive_connections=BURST_CONCURRENCY, keepalive_expiry=2
    )
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:

        async def worker() -> None:
            while not queue.empty():
                i = queue.get_nowait()
                started = time.perf_counter()
                response = await client.get(paths[i % len(paths)])
                statuses[response.status_code] += 1
                if response.status_code == 200:
                    accepted.append(time.perf_counter() - started)
                elif response.status_code == 503 and len(shed) < 50:
                    shed.append(response)

        async with asyncio.timeout(180):
            await asyncio.gather(*(worker() for _ in range(BURST_CONCURRENCY)))
    return statuses, accepted, shed


def accepted_server_side_ms(log: str) -> list[float]:
    """Durations of the 200s as the server measured them, from its JSON access lines."""
    durations = []
    for line in log.splitlines():
        if line.startswith("{") and '"app.access"' in line:
            entry = orjson.loads(line)
            if entry["status"] == 200 and entry["route"] != "/metrics":
                durations.append(float(entry["duration_ms"]))
    return sorted(durations)


async def test_far_above_capacity_it_sheds_cleanly_and_recovers(small_server: Server) -> None:
    statuses, accepted, shed = await _burst(small_server.url)
    server_side = accepted_server_side_ms(small_server.output())
    async with httpx.AsyncClient(base_url=small_server.url, timeout=30) as client:
        after = [await client.get("/plant/Plantago/afra") for _ in range(20)]
        metrics = (await client.get("/metrics")).text
    assert sum(statuses.values()) == BURST_REQUESTS
    assert set(statuses) <= {200, 503}, statuses  # nothing but answers and clean refusals: no 500, no 504
    assert statuses[503] > 0 and statuses[200] > 0
    for response in shed:
        assert response.headers["retry-after"] == "1"
        assert response.json()["error"] == "overloaded"
    accepted.sort()
    p50, p99 = accepted[len(accepted) // 2], accepted[max(int(len(accepted) * 0.99) - 1, 0)]
    print(
        f"\nshedding: {BURST_REQUESTS} requests, {BURST_CONCURRENCY} concurrent clients, 4 slots + 8 queued: "
        f"{statuses[200]} accepted, {statuses[503]} shed (503); accepted, seen by the client: p50 {p50 * 1000:.0f} ms, "
        f"p99 {p99 * 1000:.0f} ms, max {accepted[-1] * 1000:.0f} ms; as measured by the server: "
        f"p50 {server_side[len(server_side) // 2]:.0f} ms, p99 {server_side[int(len(server_side) * 0.99) - 1]:.0f} ms, "
        f"max {server_side[-1]:.0f} ms"
    )
    assert all(r.status_code == 200 for r in after)  # recovered: sequential requests all pass again
    assert 'app_requests_shed_total{limit="requests"}' in metrics
    assert "app_requests_in_flight 1.0" in metrics  # only this scrape is in flight: nothing leaked
    assert "app_open_streams 0.0" in metrics
