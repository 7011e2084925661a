"""Fixtures for the fault tests: Cassandra nodes of their own (never the shared node), a real `python -m app`.

Every node here is started, stopped, killed and wiped through `scripts/cassandra`, on its own addresses and home:
one node on 127.0.0.11 (`.cassandra-faults/`), three on 127.0.0.31-33 (`.cassandra-3n/`). They are stopped when
the session ends, whatever happened. Measured times and counts go to the terminal (`-s`) and to
`bench/results/faults.md`.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from cassandra.cluster import Session
from cassandra.concurrent import execute_concurrent_with_args

from app.config import Settings, load_settings
from app.db.cluster import connect
from app.db.schema import apply_schema
from tests.support.names import unique
from tests.support.server import ROOT, Server, free_port, service_env, stop_server, wait_until_answering

SCRIPT = ROOT / "scripts" / "cassandra"
API_KEY = "faults-key"
REPORT = ROOT / "bench" / "results" / "faults.md"


@dataclass
class LocalCluster:
    """A handle on `scripts/cassandra` for one cluster of our own: its home, size and addresses."""

    home: Path
    nodes: int
    base: int
    heap: str | None = None

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CASSANDRA_")}
        env.update(
            CASSANDRA_HOME_DIR=str(self.home),
            CASSANDRA_NODES=str(self.nodes),
            CASSANDRA_ADDRESS_BASE=str(self.base),
            CASSANDRA_COMMITLOG_SYNC="group",  # acknowledged means fsynced: what the durability test relies on
            CASSANDRA_WAIT_TIMEOUT="240",  # four JVMs on two busy cores can be slow to start
        )
        if self.heap:
            env["CASSANDRA_HEAP"] = self.heap
        return env

    @property
    def addresses(self) -> list[str]:
        return [f"127.0.0.{self.base + n}" for n in range(1, self.nodes + 1)]

    def run(self, *args: str, timeout: float = 240) -> str:
        done = subprocess.run(
            [str(SCRIPT), *args], cwd=ROOT, env=self.env(), capture_output=True, text=True, timeout=timeout
        )
        out = (done.stdout + done.stderr).strip()
        if out:
            print(out, flush=True)
        if done.returncode != 0:
            raise RuntimeError(f"scripts/cassandra {' '.join(args)} failed ({done.returncode}):\n{out}")
        return out

    def start(self, node: int | None = None) -> None:
        self.run("start", *([str(node)] if node else []))

    def wait(self, node: int | None = None) -> None:
        self.run("wait", *([str(node)] if node else []))

    def stop(self, node: int | None = None) -> None:
        self.run("stop", *([str(node)] if node else []))

    def kill(self, node: int) -> None:
        self.run("kill", str(node))

    def pause(self, node: int) -> None:
        self.run("pause", str(node))

    def resume(self, node: int) -> None:
        self.run("resume", str(node))

    def wipe(self, node: int) -> None:
        """Delete a stopped node's data, commit log, hints and caches: it comes back empty, as a replaced node."""
        for part in ("data", "commitlog", "hints", "saved_caches", "cdc_raw"):
            shutil.rmtree(self.home / f"node{node}" / part, ignore_errors=True)


def _own_cluster(home: str, nodes: int, base: int, heap: str | None = None) -> Iterator[LocalCluster]:
    cluster = LocalCluster(ROOT / home, nodes, base, heap)
    cluster.stop()  # a node left over by an interrupted session
    shutil.rmtree(cluster.home, ignore_errors=True)
    started = time.monotonic()
    try:
        cluster.start()
        cluster.wait()
        ready = "answer CQL" if nodes == 1 else "answer CQL and list each other as peers"
        Report.add(
            "Start-up",
            f"{nodes} node(s) on {', '.join(cluster.addresses)}: {ready} "
            f"{time.monotonic() - started:.1f} s after `scripts/cassandra start`",
        )
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def fault_node() -> Iterator[LocalCluster]:
    """One node of our own on 127.0.0.11, which the tests stop, kill, wipe and restart."""
    yield from _own_cluster(".cassandra-faults", 1, 10)


@pytest.fixture(scope="session")
def three_nodes() -> Iterator[LocalCluster]:
    """Three nodes on 127.0.0.31-33 (512 MiB heap each: four JVMs share two cores here)."""
    yield from _own_cluster(".cassandra-3n", 3, 30, heap="512M")


def settings_for(cluster: LocalCluster, *, replication_factor: int = 1) -> Settings:
    return load_settings(
        cassandra_contact_points=cluster.addresses,
        cassandra_keyspace=unique("faults_"),
        cassandra_replication=f"{{'class': 'SimpleStrategy', 'replication_factor': {replication_factor}}}",
        page_state_secret="tests-only-secret",
    )


def create_schema(settings: Settings, *, agreement_within: float = 90) -> None:
    """apply_schema, then wait until every node has the same schema version: a fresh 3-node cluster on two busy
    cores can take longer than the driver's own 10 s wait, and a service started earlier would not find its tables.
    """
    cluster, session = connect(settings)
    try:
        apply_schema(session, settings)
        deadline = time.monotonic() + agreement_within
        while not cluster.control_connection.wait_for_schema_agreement(wait_time=10):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the nodes did not agree on the schema within {agreement_within} s")
    finally:
        cluster.shutdown()


@pytest.fixture(scope="session")
def fault_settings(fault_node: LocalCluster) -> Settings:
    """A keyspace with the schema and sample rows on the fault node."""
    settings = settings_for(fault_node)
    create_schema(settings)
    return settings


@pytest.fixture(scope="session")
def big_genus(fault_settings: Settings) -> tuple[str, int]:
    """One animal genus of about 24 MB (12,000 rows of ~2 KB): far more than socket buffers hold, so a stream of it
    is still paging when a test pulls the plug."""
    genus, rows = unique("Big"), 12_000
    cluster, session = connect(fault_settings, keyspace=fault_settings.keyspace)
    try:
        insert = session.prepare(
            "INSERT INTO animals (genus, species, image_url, size_cm, sightings, taxonomy) VALUES (?, ?, ?, ?, ?, ?)"
        )
        url = "https://example.org/" + "x" * 1000
        taxonomy = ["t" * 240] * 4
        execute_concurrent_with_args(
            session, insert, [(genus, f"s{i:06d}", url, 1.5, i, taxonomy) for i in range(rows)], concurrency=64
        )
    finally:
        cluster.shutdown()
    return genus, rows


def start_service(env: dict[str, str], log: Path, *, workers: int = 1, timeout: float = 90) -> Server:
    """`python -m app` (what scripts/run execs) on a free port, ready once /readyz answers 200."""
    port = free_port()
    with log.open("wb") as handle:  # the child keeps its own descriptor
        process = subprocess.Popen(
            [sys.executable, "-m", "app", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a test's SIGTERM reaches the server alone, not pytest
        )
    return wait_until_answering(Server(f"http://127.0.0.1:{port}", process, log), "/readyz", timeout)


def service_env_for(settings: Settings, **extra: str) -> dict[str, str]:
    """The subprocess environment: our contact points and keyspace, short timeouts so a fault shows quickly."""
    defaults = {
        "REQUEST_TIMEOUT": "2",
        "SERVER_TIMEOUT": "4",
        "CONNECT_TIMEOUT": "3",
        "LOG_LEVEL": "warning",
        "API_KEYS": API_KEY,
    }
    return service_env(settings, **{**defaults, **extra})


def api_client(base_url: str, timeout: float = 30.0) -> httpx.AsyncClient:
    """A client that carries the API key writes need."""
    return httpx.AsyncClient(base_url=base_url, timeout=timeout, headers={"X-API-Key": API_KEY})


def terminate(server: Server) -> None:
    if server.process.poll() is None:
        os.kill(server.process.pid, signal.SIGTERM)
    stop_server(server)


@dataclass
class Outcome:
    kind: str
    started: float
    elapsed: float
    status: int | None  # None: no HTTP answer at all (reset, refused, client timeout)
    body: object = None
    retry_after: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def clean_failure(self) -> bool:
        """503/504 with the JSON error body, and Retry-After on 503: what a client can act on."""
        if self.status not in (503, 504) or not isinstance(self.body, dict):
            return False
        if not {"error", "detail"} <= set(self.body):
            return False
        return self.status != 503 or self.retry_after is not None

    @property
    def ended(self) -> float:
        return self.started + self.elapsed


RequestMaker = Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]


def mixed_requests(genus: str, species: list[str], write_genus: str) -> dict[str, RequestMaker]:
    """The steady traffic: point reads of existing rows, upserts, readiness checks and small streamed listings."""

    async def read(client: httpx.AsyncClient, n: int) -> httpx.Response:
        return await client.get(f"/plant/{genus}/{species[n % len(species)]}")

    async def write(client: httpx.AsyncClient, n: int) -> httpx.Response:
        return await client.post("/plant", json={"genus": write_genus, "species": f"s{n:07d}", "sightings": n})

    async def ready(client: httpx.AsyncClient, n: int) -> httpx.Response:
        return await client.get("/readyz")

    async def listing(client: httpx.AsyncClient, n: int) -> httpx.Response:
        return await client.get(f"/plant/{genus}")

    return {"read": read, "write": write, "readyz": ready, "list": listing}


@dataclass
class Traffic:
    """Steady, bounded traffic from a few concurrent loops, every answer recorded with its time."""

    base_url: str
    requests: dict[str, RequestMaker]
    concurrency: int = 4
    pause: float = 0.02
    client_timeout: float = 30.0
    outcomes: list[Outcome] = field(default_factory=list)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _n: int = 0

    async def __aenter__(self) -> Traffic:
        for _ in range(self.concurrency):
            self._tasks.append(asyncio.create_task(self._loop()))
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks)

    async def _loop(self) -> None:
        kinds = list(self.requests)
        # One connection pool per loop: a loop keeps its keep-alive connection, as a real client would.
        async with api_client(self.base_url, self.client_timeout) as client:
            while not self._stop.is_set():
                self._n += 1
                n = self._n
                kind = kinds[n % len(kinds)]
                self.outcomes.append(await request_outcome(client, kind, self.requests[kind], n))
                await asyncio.sleep(self.pause)

    def between(self, start: float, end: float) -> list[Outcome]:
        """Requests sent and answered entirely inside [start, end]."""
        return [o for o in self.outcomes if o.started >= start and o.ended <= end]


async def request_outcome(client: httpx.AsyncClient, kind: str, make: RequestMaker, n: int) -> Outcome:
    started = time.monotonic()
    try:
        response = await make(client, n)
    except httpx.HTTPError as exc:
        return Outcome(kind, started, time.monotonic() - started, None, error=f"{type(exc).__name__}: {exc}")
    try:
        body: object = response.json()
    except ValueError:
        body = response.text[:200]
    elapsed = time.monotonic() - started
    return Outcome(kind, started, elapsed, response.status_code, body, response.headers.get("retry-after"))


def tally(outcomes: list[Outcome]) -> str:
    """`200: 812, 503: 40` style counts, transport errors as `none`."""
    counts: dict[str, int] = {}
    for o in outcomes:
        key = str(o.status) if o.status is not None else "none"
        counts[key] = counts.get(key, 0) + 1
    return ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "no requests"


async def wait_until(check: Callable[[], Awaitable[bool]], within: float, interval: float = 0.2) -> float:
    """Seconds until `check()` held, or TimeoutError after `within` seconds."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        if await check():
            return time.monotonic() - started
        await asyncio.sleep(interval)
    raise TimeoutError(f"condition not met within {within} s")


async def recovered_at(traffic: Traffic, since: float, *, quiet: float = 3.0, within: float = 60.0) -> float:
    """When the last failure after `since` ended, once `quiet` seconds of traffic have passed with only 200s."""
    deadline = since + within
    while time.monotonic() < deadline:
        await asyncio.sleep(0.25)
        after = [o for o in traffic.outcomes if o.started >= since]
        bad = [o.ended for o in after if not o.ok]
        last_bad = max(bad, default=since)
        good_since = [o for o in after if o.started > last_bad]
        if time.monotonic() - last_bad >= quiet and len(good_since) >= 20:
            return last_bad
    raise AssertionError(f"no {quiet} s of clean traffic within {within} s")


class Report:
    """Measured numbers, gathered by section and written to bench/results/faults.md when the session ends."""

    sections: dict[str, list[str]] = {}

    @classmethod
    def add(cls, section: str, line: str) -> None:
        cls.sections.setdefault(section, []).append(line)
        print(f"[faults] {section}: {line}", flush=True)

    @classmethod
    def write(cls) -> None:
        """Replace the sections this run measured; keep the others (a partial run does not erase a full one's)."""
        if not cls.sections:
            return
        sections = _read_sections(REPORT.read_text()) if REPORT.exists() else {}
        for name, entries in cls.sections.items():
            sections[name] = [f"- {e}" for e in entries]
        lines = [
            "# Fault tests: measured numbers",
            "",
            "Written by `pytest -m faults` (tests/faults/); each section from its latest run, the last on "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. Machine: {os.cpu_count()} cores, shared with other "
            "work. Wall-clock times are reported, not asserted.",
            "",
        ]
        for name in sorted(sections, key=lambda n: (not n.startswith("Start"), n)):
            lines += [f"## {name}", "", *sections[name], ""]
        REPORT.parent.mkdir(parents=True, exist_ok=True)
        REPORT.write_text("\n".join(lines))


def _read_sections(text: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("## "):
            current = sections.setdefault(line[3:].strip(), [])
        elif current is not None and line.startswith("- "):
            current.append(line)
    return sections


@pytest.fixture(scope="session", autouse=True)
def fault_report() -> Iterator[type[Report]]:
    yield Report
    Report.write()


@pytest.fixture
def cql_session(fault_settings: Settings) -> Iterator[Session]:
    """A plain driver session on the fault node's keyspace, for seeding and checking rows behind the service."""
    cluster, session = connect(fault_settings, keyspace=fault_settings.keyspace)
    yield session
    cluster.shutdown()
