"""MEASUREMENT ONLY: what a cached pass-through identity costs the service (`app.db.identities`).

    .venv/bin/python -m bench.tools.identity_cost [--io loop|libev] [--identities 50] [--clusters 5]

Starts the auth node of the tests (`tests/support/auth_node.py`, 127.0.0.51; AUTH_NODE_KEEP=1 reuses a running one
and leaves it running), makes login roles, connects the service's Cluster as the lifespan does, then measures:

- one new identity, and `--identities` of them: RSS, threads (`threading.active_count()` and /proc/self/task), the
  connections Cassandra lists for those roles (`system_views.clients`), and per identity the time from
  `session_for` to the first answer, and the process CPU time that took;
- for comparison, `--clusters` identities the other way, a driver Cluster each: the threads and RSS they add.

Prints a Markdown table (docs/access-control.md quotes one run). Not part of scripts/bench.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
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


def make_roles(superuser: Session, count: int) -> list[Credential]:
    superuser.execute(
        f"CREATE KEYSPACE IF NOT EXISTS {KEYSPACE} WITH replication = "
        "{'class': 'SimpleStrategy', 'replication_factor': 1}"
    )
    superuser.execute(f"CREATE TABLE IF NOT EXISTS {KEYSPACE}.t (id int PRIMARY KEY)")
    superuser.execute(f"INSERT INTO {KEYSPACE}.t (id) VALUES (1)")
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


async def measure(address: str, io: str, count: int, clusters: int) -> list[str]:
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
        one_conns = client_connections(superuser, single.username)
        lines.append(
            f"| 1 identity | {one.rss / 1024:+,.0f} KiB | {one.threads:+d} | {one.tasks:+d} | {one_conns} | "
            f"{wall * 1000:.0f} ms | {cpu * 1000:.0f} ms |"
        )
        before = Snapshot.take()
        walls, cpus = [], []
        for credential in many:
            wall, cpu = await first_answer(identities, credential)
            walls.append(wall)
            cpus.append(cpu)
        await asyncio.sleep(0.5)
        grown = Snapshot.take().minus(before)
        conns = connections_of(superuser, many)
        lines.append(
            f"| {len(many)} identities | {grown.rss / 1024:+,.0f} KiB ({grown.rss / len(many) / 1024:,.0f} KiB each) "
            f"| {grown.threads:+d} | {grown.tasks:+d} | {conns} | median {statistics.median(walls) * 1000:.0f} ms, "
            f"max {max(walls) * 1000:.0f} ms | median {statistics.median(cpus) * 1000:.0f} ms |"
        )
    finally:
        await identities.close()
    if clusters:
        lines.append(await cluster_per_identity(address, many[:clusters], io, cluster))
    await anyio.to_thread.run_sync(cluster.shutdown)
    _su_cluster.shutdown()
    return lines


async def cluster_per_identity(address: str, credentials: list[Credential], io: str, shared: Cluster) -> str:
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
    return (
        f"| {n} identities, a Cluster each (not used) | {grown.rss / 1024:+,.0f} KiB ({grown.rss / n / 1024:,.0f} KiB "
        f"each) | {grown.threads:+d} | {grown.tasks:+d} | {2 * n} (a control connection and a pool each) | | |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--io", choices=["loop", "libev"], default="loop")
    parser.add_argument("--identities", type=int, default=50)
    parser.add_argument("--clusters", type=int, default=5)
    args = parser.parse_args()
    with running_auth_node() as node:
        lines = asyncio.run(measure(node.address, args.io, args.identities, args.clusters))
    print(f"\nDRIVER_IO={args.io}, one node ({node.address}), Python {sys.version.split()[0]}\n")
    print("| | RSS added | threads added | OS threads added | connections | time to first answer | CPU |")
    print("|---|---|---|---|---|---|---|")
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
