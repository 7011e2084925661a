"""Probes and scrapes are anonymous and never shed, so they must be cheap: a flood of /readyz reaches Cassandra at most
once per READINESS_CACHE_SECONDS, and a flood of /metrics in multiprocess mode neither blocks the event loop nor
renders more than once per METRICS_CACHE_SECONDS. /metrics can have a key of its own.

What reached Cassandra is counted by Cassandra itself: `system_views.clients` (Cassandra 4.0+) has a request count
per client connection, and the service's connections are found by their ports in /proc.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cassandra.cluster import Session

from app.config import Settings, load_settings
from app.exceptions import ConfigError
from tests.support.app import API_KEY, hardened_client
from tests.support.processes import Server, service_env, start_app, stop_server
from tests.support.service import tcp_connections

PROBES = 3000
PROBE_CONCURRENCY = 50
METRICS_KEY = "metrics-key-0123456789"


def requests_reaching_cassandra(cql: Session, server: Server, cassandra_port: int) -> int:
    """The service's requests as Cassandra counted them, over every connection the service has open to it."""
    ports = {local for local, _ in tcp_connections(server.process.pid, lambda _, remote: remote == cassandra_port)}
    assert ports, "the service has no connection to Cassandra"
    rows = cql.execute("SELECT address, port, request_count FROM system_views.clients")
    return sum(row["request_count"] for row in rows if row["port"] in ports and str(row["address"]) == "127.0.0.1")


@pytest.fixture(scope="module")
def service(settings: Settings, cql: Session, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    env = service_env(settings, READINESS_CACHE_SECONDS="1", MAX_IN_FLIGHT="1024")
    running = start_app(env, tmp_path_factory.mktemp("probes") / "server.log")
    yield running
    stop_server(running)


async def flood(url: str, path: str, count: int, concurrency: int) -> tuple[dict[int, int], float]:
    statuses: dict[int, int] = {}
    remaining = iter(range(count))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency, keepalive_expiry=2)
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:

        async def worker() -> None:
            for _ in remaining:
                status = (await client.get(path)).status_code
                statuses[status] = statuses.get(status, 0) + 1

        async with asyncio.timeout(120):
            await asyncio.gather(*(worker() for _ in range(concurrency)))
    return statuses, time.monotonic() - started


def test_a_probe_flood_reaches_cassandra_once_per_cache_period(
    service: Server, cql: Session, settings: Settings
) -> None:
    time.sleep(1.5)  # past the start-up's own check
    before = requests_reaching_cassandra(cql, service, settings.cassandra_port)
    statuses, seconds = asyncio.run(flood(service.url, "/readyz", PROBES, PROBE_CONCURRENCY))
    reached = requests_reaching_cassandra(cql, service, settings.cassandra_port) - before
    point_read = httpx.get(f"{service.url}/plant/Plantago/afra", timeout=10)
    print(
        f"\nreadiness flood: {PROBES} probes of /readyz from {PROBE_CONCURRENCY} clients in {seconds:.1f} s "
        f"({PROBES / seconds:.0f}/s): {reached} requests reached Cassandra (system_views.clients), "
        f"READINESS_CACHE_SECONDS=1"
    )
    assert statuses == {200: PROBES}
    # One query per second of flood at most, plus the driver's own heartbeats (one per connection per 30 s).
    assert reached <= seconds + 4
    assert point_read.status_code == 200


def test_concurrent_probes_share_one_query(settings: Settings, cql: Session) -> None:
    """With no cache at all (READINESS_CACHE_SECONDS=0), probes that arrive together still share one query."""

    async def scenario() -> tuple[int, int]:
        from prometheus_client import REGISTRY

        def queries() -> float:
            return sum(
                REGISTRY.get_sample_value("app_readiness_queries_total", {"result": result}) or 0.0
                for result in ("ready", "failed")
            )

        async with hardened_client(settings, readiness_cache_seconds=0) as client:
            await client.get("/readyz")
            before = queries()
            answers = await asyncio.gather(*(client.get("/readyz") for _ in range(200)))
            return sum(a.status_code == 200 for a in answers), int(queries() - before)

    ok, sent = asyncio.run(scenario())
    assert ok == 200
    assert 1 <= sent < 20  # 200 probes, a handful of queries (one at a time, each shared by all that wait on it)


# ---- /metrics ---------------------------------------------------------------------------------------------------

FILLER = """
import sys
from prometheus_client import Counter, Histogram
counter = Counter("filler_total", "a dead worker's series", ["a", "b"])
histogram = Histogram("filler_seconds", "a dead worker's series", ["a"])
for i in range(int(sys.argv[1])):
    counter.labels(str(i % 97), str(i)).inc()
    if i % 10 == 0:
        histogram.labels(str(i)).observe(0.1)
"""


@pytest.fixture(scope="module")
def multiprocess_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A PROMETHEUS_MULTIPROC_DIR holding the files of 8 earlier workers, 5,000 series each: a slow rendering."""
    folder = tmp_path_factory.mktemp("multiproc")
    fillers = [
        subprocess.Popen([sys.executable, "-c", FILLER, "5000"], env={"PROMETHEUS_MULTIPROC_DIR": str(folder)})
        for _ in range(8)
    ]
    for filler in fillers:
        assert filler.wait(120) == 0
    return folder


@pytest.fixture(scope="module")
def scraped(
    settings: Settings, cql: Session, multiprocess_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    env = service_env(settings, PROMETHEUS_MULTIPROC_DIR=str(multiprocess_dir), METRICS_CACHE_SECONDS="1")
    running = start_app(env, tmp_path_factory.mktemp("scraped") / "server.log")
    yield running
    stop_server(running)


async def scrape_flood(url: str, seconds: float, scrapers: int) -> tuple[int, list[float]]:
    """`scrapers` clients scraping /metrics back to back, and /healthz timed every 50 ms meanwhile."""
    scrapes = 0
    latencies: list[float] = []
    stop = time.monotonic() + seconds
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:

        async def scraper() -> None:
            nonlocal scrapes
            while time.monotonic() < stop:
                assert (await client.get("/metrics")).status_code == 200
                scrapes += 1

        async def prober() -> None:
            while time.monotonic() < stop:
                began = time.monotonic()
                assert (await client.get("/healthz")).status_code == 200
                latencies.append(time.monotonic() - began)
                await asyncio.sleep(0.05)

        await asyncio.gather(prober(), *(scraper() for _ in range(scrapers)))
    return scrapes, sorted(latencies)


def test_a_scrape_flood_in_multiprocess_mode_does_not_block_the_event_loop(scraped: Server) -> None:
    began = time.monotonic()
    single = httpx.get(f"{scraped.url}/metrics", timeout=60)
    render = time.monotonic() - began
    assert single.status_code == 200 and "filler_total" in single.text
    time.sleep(1.1)
    scrapes, latencies = asyncio.run(scrape_flood(scraped.url, 4.0, 16))
    worst, median = latencies[-1], latencies[len(latencies) // 2]
    print(
        f"\nscrape flood (multiprocess, 8 dead workers' files, one rendering {render:.2f} s): {scrapes} scrapes "
        f"from 16 clients in 4 s; /healthz meanwhile: median {median * 1000:.0f} ms, worst {worst * 1000:.0f} ms"
    )
    assert scrapes >= 16
    # Rendered on the event loop, the renderings (one per METRICS_CACHE_SECONDS, each ~`render` long) would hold the
    # loop nearly all the time, and a probe would wait half a rendering at the median; in a worker thread a probe
    # waits only for its share of the interpreter.
    assert median < render / 4


async def test_two_scrapes_within_the_cache_period_get_the_same_rendering(settings: Settings, cql: Session) -> None:
    async with hardened_client(settings, metrics_cache_seconds=30) as client:
        first = (await client.get("/metrics")).text
        await client.get("/plant/Plantago/afra")
        second = (await client.get("/metrics")).text
    assert first == second  # the second scrape and the read before it are not in it yet: a cached rendering


async def test_metrics_key_opens_metrics_and_nothing_else(settings: Settings, cql: Session) -> None:
    async with hardened_client(settings, metrics_key=METRICS_KEY) as client:
        anonymous = await client.get("/metrics")
        api_key = await client.get("/metrics", headers={"Authorization": f"Bearer {API_KEY}"})
        scraper = await client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_KEY}"})
        header = await client.get("/metrics", headers={"X-API-Key": METRICS_KEY})
        write = await client.post(
            "/plant",
            json={"genus": "Metrics", "species": "key", "sightings": 1},
            headers={"Authorization": f"Bearer {METRICS_KEY}"},
        )
        read = await client.get("/plant/Plantago/afra")
    assert (anonymous.status_code, api_key.status_code) == (401, 401)
    assert anonymous.json()["error"] == "unauthorized" and METRICS_KEY not in anonymous.text
    assert scraper.status_code == header.status_code == 200 and "app_requests_total" in scraper.text
    assert write.status_code == 401  # the scraper's key writes nothing
    assert read.status_code == 200  # reads stay as PROTECT_READS says (open here)


async def test_metrics_follow_protect_reads_without_a_metrics_key(settings: Settings, cql: Session) -> None:
    async with hardened_client(settings, protect_reads=True) as client:
        anonymous = await client.get("/metrics")
        keyed = await client.get("/metrics", headers={"X-API-Key": API_KEY})
    assert (anonymous.status_code, keyed.status_code) == (401, 200)


def test_a_short_metrics_key_is_refused() -> None:
    with pytest.raises(ConfigError, match="METRICS_KEY is shorter than 16"):
        load_settings(metrics_key="short")
