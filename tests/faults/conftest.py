"""Fixtures for the fault tests: Cassandra nodes of their own (never the shared node), a real `python -m app`.

Every node here is started, stopped, killed and wiped through `scripts/cassandra`, on its own addresses and home:
one node on 127.0.0.11 (`.cassandra-faults/`), three on 127.0.0.31-33 (`.cassandra-3n/`). They are stopped when
the session ends, whatever happened. The helpers live in tests/support/ (cluster.py, service.py, traffic.py,
report.py).

Measured times and counts go to the terminal (`-s`). They are written to `bench/results/faults.md` only when the
run is asked to: FAULTS_REPORT=1 (`FAULTS_REPORT=1 scripts/test -m faults -s`); otherwise no tracked file changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from cassandra.concurrent import execute_concurrent_with_args

from app.config import Settings
from app.db.cluster import connect
from tests.support import report
from tests.support.cluster import LocalCluster, create_schema, own_cluster, settings_for
from tests.support.names import unique
from tests.support.report import Report
from tests.support.server import Server
from tests.support.service import Launch, service_env_for, start_service, terminate


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
    environment, service_env_for, plus these variables), ready once /readyz answers. Every service it started is
    terminated at teardown, pass or fail; each logs to its own file in the test's tmp_path."""
    servers: list[Server] = []
    with ExitStack() as stop:  # runs every terminate, even if one raises

        def launch(settings: Settings, *, workers: int = 1, **env: str) -> Server:
            log = tmp_path / (f"service-{len(servers) + 1}.log" if servers else "service.log")
            server = start_service(service_env_for(settings, **env), log, workers=workers)
            servers.append(server)
            stop.callback(terminate, server)
            return server

        yield launch


@pytest.fixture(scope="session", autouse=True)
def fault_report() -> Iterator[type[Report]]:
    """The measured numbers; written to bench/results/faults.md at the end only with FAULTS_REPORT=1."""
    yield Report
    if report.requested():
        Report.write()
        print(f"[faults] report written to {report.REPORT}", flush=True)
