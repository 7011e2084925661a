"""MEASUREMENT ONLY: what a cached pass-through identity costs the service (`app.db.identities`).

    .venv/bin/python -m bench.tools.identity_cost [--io loop|libev] [--identities 50] [--clusters 5] [--json]
                                                 [--cached]

Starts the auth node of the tests (`tests/support/auth_node.py`, 127.0.0.51, or with `--cached` the benchmark's,
127.0.0.61, with Cassandra's default auth caches; AUTH_NODE_KEEP=1 reuses a running one
and leaves it running), makes login roles, connects the service's Cluster as the lifespan does, then measures:

- one new identity, and `--identities` of them: RSS, threads (`threading.active_count()` and /proc/self/task), the
  connections Cassandra lists for those roles (`system_views.clients`), and per identity the time from
  `session_for` to the first answer, and the process CPU time that took;
- for comparison, `--clusters` identities the other way, a driver Cluster each: the threads and RSS they add.

Prints a Markdown table (docs/access-control.md quotes one run), or with `--json` one line of figures: the identity
section of scripts/bench (bench/sections/identity.py) runs it so, in a process of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import sys
import threading
import time
from dataclasses import dataclass

import anyio
from cassandra.cluster import Cluster, Session
from pydantic import SecretStr

from app.config import load_settings
from app.db.cluster import connect
from app.db.identities import Identities
from app.db.loop_connection import LoopConnection
from app.identity.credentials import Credential
from tests.support.auth_node import SUPERUSER, client_connections, connect_as, drop_role, running_auth_node

PASSWORD = "bench-secret"
KEYSPACE = "identity_bench"


@dataclass
class Snapshot:
    rss: int  # bytes
    threads: int  # threading.active_count()
    tasks: int  # OS threads: /proc/self/task

    @classmethod
    def take(cls) -> Snapshot:
        gc.collect()
        with open("/proc/self/status") as status:
            rss = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmRSS:"))
        return cls(rss, threading.active_count(), len(os.listdir("/proc/self/task")))

    def minus(self, other: Snapshot) -> Snapshot:
        return Snapshot(self.rss - other.rss, self.threads - other.threads, self.tasks - other.tasks)


def make_roles(superuser: Session, count: int, rows: int = 2) -> list[Credential]:
    """`count` login roles `bench_NNN` (made again) that may read KEYSPACE, whose table `t` has ids 0 .. rows - 1."""
    superuser.execute(
        f"CREATE KEYSPACE IF NOT EXISTS {KEYSPACE} WITH replication = "
        "{'class': 'SimpleStrategy', 'replication_factor': 1}"
    )
    superuser.execute(f"CREATE TABLE IF NOT EXISTS {KEYSPACE}.t (id int PRIMARY KEY)")
    insert = superuser.prepare(f"INSERT INTO {KEYSPACE}.t (id) VALUES (?)")
    for key in range(rows):
        superuser.execute(insert, (key,))
    names = [f"bench_{n:03d}" for n in range(count)]
    for name in names:
        drop_role(superuser, name)
        superuser.execute(f"CREATE ROLE {name} WITH LOGIN = true AND PASSWORD = %s", (PASSWORD,))
        superuser.execute(f"GRANT SELECT ON KEYSPACE {KEYSPACE} TO {name}")
    return [Credential(name, SecretStr(PASSWORD)) for name in names]


async def first_answer(identities: Identities, credential: Credential) -> tuple[float, float]:
    """Wall and CPU seconds from `session_for` to the first answer of a point read."""
    wall, cpu = time.perf_counter(), time.process_time()
    async with identities.use(credential) as session:
        done: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        loop = asyncio.get_running_loop()
        future = session.execute_async(f"SELECT id FROM {KEYSPACE}.t WHERE id = 1")
        future.add_callbacks(
            lambda rows: loop.call_soon_threadsafe(done.set_result, rows),
            lambda exc: loop.call_soon_threadsafe(done.set_exception, exc),
        )
        await done
    return time.perf_counter() - wall, time.process_time() - cpu


def connections_of(superuser: Session, credentials: list[Credential]) -> int:
    names = {c.username for c in credentials}
    return sum(1 for row in superuser.execute("SELECT username FROM system_views.clients") if row.username in names)


def row(
    what: str, grown: Snapshot, connections: int | None, walls: list[float], cpus: list[float]
) -> dict[str, object]:
    """One line of figures: RSS in KiB (total and per identity), threads, connections, first answer and CPU in ms."""
    n = max(1, len(walls))
    return {
        "what": what,
        "identities": n,
        "rss_kib": grown.rss / 1024,
        "rss_kib_each": grown.rss / n / 1024,
        "threads": grown.threads,
        "tasks": grown.tasks,
        "connections": connections,
        "first_answer_ms_median": statistics.median(walls) * 1000 if walls else None,
        "first_answer_ms_max": max(walls) * 1000 if walls else None,
        "cpu_ms_median": statistics.median(cpus) * 1000 if cpus else None,
    }


def markdown_line(figures: dict[str, object]) -> str:
    f: dict[str, float] = {k: v for k, v in figures.items() if isinstance(v, (int, float))}
    each = f" ({f['rss_kib_each']:,.0f} KiB each)" if f["identities"] > 1 else ""
    timing = ""
    if "first_answer_ms_median" in f:
        timing = f"median {f['first_answer_ms_median']:.0f} ms, max {f['first_answer_ms_max']:.0f} ms"
    cpu = f"median {f['cpu_ms_median']:.0f} ms" if "cpu_ms_median" in f else ""
    connections = figures["connections"] if figures["connections"] is not None else "-"
    return (
        f"| {figures['what']} | {f['rss_kib']:+,.0f} KiB{each} | {f['threads']:+.0f} | {f['tasks']:+.0f} | "
        f"{connections} | {timing} | {cpu} |"
    )


async def measure(address: str, io: str, count: int, clusters: int) -> list[dict[str, object]]:
    _su_cluster, superuser = connect_as(address, *SUPERUSER)
    credentials = make_roles(superuser, count + 2)
    warm, single, many = credentials[0], credentials[1], credentials[2:]
    settings = load_settings(
        cassandra_contact_points=[address],
        cassandra_username=SUPERUSER[0],
        cassandra_password=SUPERUSER[1],
        cassandra_keyspace=KEYSPACE,
        driver_io=io,
        _env_file=None,
    )
    binding = LoopConnection.bind() if io == "loop" else None
    cluster, _session = await anyio.to_thread.run_sync(lambda: connect(settings, connection_class=binding))
    identities = Identities(
        cluster, max_sessions=count + 10, logins_per_second=1000, logins_per_address_per_second=1000
    )
    lines = []
    try:
        await first_answer(identities, warm)  # the login worker thread and the driver's code paths, warmed
        await asyncio.sleep(0.5)
        before = Snapshot.take()
        wall, cpu = await first_answer(identities, single)
        await asyncio.sleep(0.5)
        one = Snapshot.take().minus(before)
        lines.append(row("1 identity", one, client_connections(superuser, single.username), [wall], [cpu]))
        before = Snapshot.take()
        walls, cpus = [], []
        for credential in many:
            wall, cpu = await first_answer(identities, credential)
            walls.append(wall)
            cpus.append(cpu)
        await asyncio.sleep(0.5)
        grown = Snapshot.take().minus(before)
        lines.append(row(f"{len(many)} identities", grown, connections_of(superuser, many), walls, cpus))
    finally:
        await identities.close()
    if clusters:
        lines.append(await cluster_per_identity(address, many[:clusters], io, cluster))
    await anyio.to_thread.run_sync(cluster.shutdown)
    _su_cluster.shutdown()
    return lines


async def cluster_per_identity(
    address: str, credentials: list[Credential], io: str, shared: Cluster
) -> dict[str, object]:
    """The alternative priced: a driver Cluster per identity, with its own IO as the service's."""
    before = Snapshot.take()
    made = []
    for credential in credentials:
        settings = load_settings(
            cassandra_contact_points=[address],
            cassandra_username=credential.username,
            cassandra_password=credential.password.get_secret_value(),
            cassandra_keyspace=KEYSPACE,
            driver_io=io,
            _env_file=None,
        )
        binding = shared.connection_class if io == "loop" else None
        made.append(await anyio.to_thread.run_sync(lambda s=settings, b=binding: connect(s, connection_class=b)))
    await asyncio.sleep(0.5)
    grown = Snapshot.take().minus(before)
    for cluster, _session in made:
        await anyio.to_thread.run_sync(cluster.shutdown)
    n = len(credentials)
    figures = row(f"{n} identities, a Cluster each (not used)", grown, 2 * n, [], [])
    figures["identities"], figures["rss_kib_each"] = n, grown.rss / n / 1024
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--io", choices=["loop", "libev"], default="loop")
    parser.add_argument("--identities", type=int, default=50)
    parser.add_argument("--clusters", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="one JSON line of figures instead of a table")
    parser.add_argument("--cached", action="store_true", help="the benchmark's node (default auth caches)")
    args = parser.parse_args()
    with running_auth_node(cached=args.cached) as node:
        lines = asyncio.run(measure(node.address, args.io, args.identities, args.clusters))
    if args.json:
        print(json.dumps({"io": args.io, "rows": lines}))
        return
    print(f"\nDRIVER_IO={args.io}, one node ({node.address}), Python {sys.version.split()[0]}\n")
    print("| | RSS added | threads added | OS threads added | connections | time to first answer | CPU |")
    print("|---|---|---|---|---|---|---|")
    for line in lines:
        print(markdown_line(line))


if __name__ == "__main__":
    main()
