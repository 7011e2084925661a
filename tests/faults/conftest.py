"""Fixtures for the fault tests: Cassandra nodes of their own (never the shared node), a real `python -m app`.

Every node here is started, stopped, killed and wiped through `scripts/cassandra`, on its own addresses and home:
one node on 127.0.0.11 (`.cassandra-faults/`), three on 127.0.0.31-33 (`.cassandra-3n/`). They are killed and
deleted when the session ends, whatever happened. The helpers live in tests/support/ (cluster.py, service.py,
traffic.py, report.py, balancer.py). The scale-out test adds two instances of the service on 127.0.0.2 and
127.0.0.3 behind Debian's haproxy (installed with apt-get when missing, as root or with password-less sudo; else
skipped).

Measured times and counts go to the terminal (`-s`). They are written to `bench/results/faults.md` only when the
run is asked to: FAULTS_REPORT=1 (`FAULTS_REPORT=1 scripts/test -m faults -s`); otherwise no tracked file changes.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from cassandra.concurrent import execute_concurrent_with_args

from app.config import Settings
from app.db.cluster import connect
from tests.support import report
from tests.support.balancer import SERVERS, Instance, ScaleOut, instance_address, running_balancer
from tests.support.cluster import LocalCluster, create_schema, own_cluster, settings_for
from tests.support.debian import debian_binary
from tests.support.names import unique
from tests.support.processes import Server, service_env, start_app, stop_server
from tests.support.report import Report
from tests.support.service import FAULT_ENV, Launch


@pytest.fixture(scope="session")
def fault_node() -> Iterator[LocalCluster]:
    """One node of our own on 127.0.0.11, which the tests stop, kill, wipe and restart."""
    with own_cluster(".cassandra-faults", 1, 10) as cluster:
        yield cluster


@pytest.fixture(scope="session")
def three_nodes() -> Iterator[LocalCluster]:
    """Three nodes on 127.0.0.31-33 (512 MiB heap each: four JVMs share two cores here)."""
    with own_cluster(".cassandra-3n", 3, 30, heap="512M") as cluster:
        yield cluster


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


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Launch]:
    """`launch(settings, workers=2, SERVER_TIMEOUT="4")`: a `python -m app` on those settings (the fault tests'
    environment, FAULT_ENV, plus these variables), ready once /readyz answers. Every service it started is
    stopped at teardown, pass or fail; each logs to its own file in the test's tmp_path."""
    servers: list[Server] = []
    with ExitStack() as stop:  # runs every stop, even if one raises

        def launch(settings: Settings, *, workers: int = 1, **env: str) -> Server:
            log = tmp_path / (f"service-{len(servers) + 1}.log" if servers else "service.log")
            server = start_app(service_env(settings, **(FAULT_ENV | env)), log, workers=workers)
            servers.append(server)
            stop.callback(stop_server, server)
            return server

        yield launch


@pytest.fixture(scope="session")
def haproxy() -> str:
    """Debian's haproxy, installed with apt-get when missing; skipped with the reason where it cannot be had."""
    binary, why = debian_binary("haproxy", "haproxy")
    if binary is None:
        pytest.skip(f"no haproxy can be had here: {why}")
    return binary


INSTANCE_HOSTS = ("127.0.0.2", "127.0.0.3")  # deploy/haproxy.cfg's defaults; no other test listens there


@pytest.fixture(scope="module")
def scale_out(haproxy: str, three_nodes: LocalCluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScaleOut]:
    """Two `python -m app` (api1 on 127.0.0.2, api2 on 127.0.0.3, free ports) on one keyspace at RF 3 on the three
    nodes, sharing one fresh PAGE_STATE_SECRETS key, behind haproxy with deploy/haproxy.cfg as shipped. A test that
    stops an instance leaves it stopped: each test begins with `await scale_out.all_up()`. Everything still running
    is stopped at the end."""
    logs = tmp_path_factory.mktemp("scale-out")
    settings = settings_for(three_nodes, replication_factor=3)
    create_schema(settings)
    secret = secrets.token_hex(32)
    # The shipped timeouts (driver 5 s, server 10 s, drain 30 s), and the cursor key as docs/deployment.md says to
    # give it: PAGE_STATE_SECRETS (the rotatable form; both set is a start-up error, so the tests' default goes).
    env = service_env(
        settings, **(FAULT_ENV | {"PAGE_STATE_SECRETS": secret, "REQUEST_TIMEOUT": "5", "SERVER_TIMEOUT": "10"})
    )
    del env["PAGE_STATE_SECRET"]
    instances = [
        Instance(name, *instance_address(host), env, logs) for name, host in zip(SERVERS, INSTANCE_HOSTS, strict=True)
    ]
    with ExitStack() as stop:
        for instance in instances:
            stop.callback(instance.stop)
            instance.start()
        api1, api2 = (instance.address for instance in instances)
        balancer = stop.enter_context(running_balancer(haproxy, api1, api2, logs / "haproxy.log"))
        print(f"[scale-out] logs in {logs}", flush=True)
        yield ScaleOut(settings, instances, balancer, secret)


@pytest.fixture(scope="session", autouse=True)
def fault_report() -> Iterator[type[Report]]:
    """The measured numbers; written to bench/results/faults.md at the end only with FAULTS_REPORT=1."""
    yield Report
    if report.requested():
        Report.write()
        print(f"[faults] report written to {report.REPORT}", flush=True)
