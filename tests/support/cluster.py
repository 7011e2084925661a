"""Cassandra clusters of the fault tests' own, driven through `scripts/cassandra`, and keyspaces on them.

Never the shared node: each cluster has its own home and addresses (one node on 127.0.0.11 in
`.cassandra-faults/`, three on 127.0.0.31-33 in `.cassandra-3n/`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.config import Settings, load_settings
from app.db.cluster import connect
from app.db.schema import apply_schema
from tests.support.names import unique
from tests.support.processes import PAGE_STATE_SECRET, ROOT
from tests.support.report import Report

SCRIPT = ROOT / "scripts" / "cassandra"


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
            # The client compiler only: these nodes live minutes and boot about ten times a run, and a boot cost
            # 7.4 CPU seconds so against 11.8 with the optimising compiler's threads (one node, 2026-12-08).
            CASSANDRA_EXTRA_JVM_OPTS="-XX:TieredStopAtLevel=1",
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

    @contextmanager
    def paused(self, node: int) -> Iterator[None]:
        """The node SIGSTOPped for the block, SIGCONTed after it whatever happened."""
        self.pause(node)
        try:
            yield
        finally:
            self.resume(node)

    def wipe(self, node: int) -> None:
        """Delete a stopped node's data, commit log, hints and caches: it comes back empty, as a replaced node."""
        for part in ("data", "commitlog", "hints", "saved_caches", "cdc_raw"):
            shutil.rmtree(self.home / f"node{node}" / part, ignore_errors=True)


@contextmanager
def own_cluster(home: str, nodes: int, base: int, heap: str | None = None) -> Iterator[LocalCluster]:
    """A fresh cluster in ROOT/home (left-overs of an interrupted session stopped and deleted), started and
    answering; killed and deleted when the block ends, whatever happened: nothing reads it again, so the nodes'
    graceful drain (5-7 s each, one after another) would buy nothing. Its start-up time goes to the report."""
    cluster = LocalCluster(ROOT / home, nodes, base, heap)
    cluster.stop()  # a node left over by an interrupted session
    shutil.rmtree(cluster.home, ignore_errors=True)
    started = time.monotonic()
    try:
        cluster.start()
        cluster.wait()
        ready = "answer CQL" if nodes == 1 else "answer CQL and list each other as peers"
        Report.add(  # a section per cluster: the one-node and three-node tests run in two processes
            f"Start-up, {nodes} node{'s' if nodes > 1 else ''}",
            f"{nodes} node(s) on {', '.join(cluster.addresses)}: {ready} "
            f"{time.monotonic() - started:.1f} s after `scripts/cassandra start`",
        )
        yield cluster
    finally:
        for node in range(1, nodes + 1):
            cluster.kill(node)
        shutil.rmtree(cluster.home, ignore_errors=True)


def settings_for(cluster: LocalCluster, *, replication_factor: int = 1) -> Settings:
    """Settings for a new keyspace of its own on `cluster`."""
    return load_settings(
        cassandra_contact_points=cluster.addresses,
        cassandra_keyspace=unique("faults_"),
        cassandra_replication=f"{{'class': 'SimpleStrategy', 'replication_factor': {replication_factor}}}",
        page_state_secret=PAGE_STATE_SECRET,
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


def query(settings: Settings, statement: str, *parameters: object, keyspace: str | None = None) -> list[Any]:
    """The rows of one statement on a connection of its own (what the nodes hold, not what a service says)."""
    cluster, session = connect(settings, keyspace=keyspace)
    try:
        return list(session.execute(statement, parameters or None, timeout=30))
    finally:
        cluster.shutdown()
