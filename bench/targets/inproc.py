"""(d) the driver alone, variant against variant in one process: libev or loop IO, protocol v4 or v5, and each
per-request cut of app.db undone (bench/targets/variants.py), on the same node, interleaved round by round.

Separate processes measured one after the other are at the mercy of whatever else two shared cores run meanwhile;
here every variant runs SECONDS at a time, in a fresh random order each round, ROUNDS times, in one process with
all its Clusters connected, so the noise falls on all of them alike. CPU is this process's (all threads,
`time.process_time`), per operation; so is the time the cyclic garbage collector took (`gc.callbacks`). Noise only
ever adds CPU time, so a variant's minimum over the rounds is the steadier estimate of its own cost; the median is
reported beside it.

Usage: python -m bench.targets.inproc [--seconds 2] [--rounds 8] [--concurrency 64] [--node-pid PID]; prints JSON rows.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import orjson
import uvloop
from cassandra.cluster import Cluster

from app import repository
from app.db.cluster import connect, default_consistency
from app.db.database import Database
from app.db.loop_connection import LoopConnection
from app.db.statements import Statements, prepare_statements
from bench import dataset
from bench.harness.processes import process_cpu_s
from bench.targets import variants
from bench.tools import cpu_split as split


@dataclass
class Variant:
    name: str
    cluster: str  # key into the connected clusters
    undo: frozenset[str] = frozenset()
    tried: frozenset[str] = frozenset()
    runs: list[dict[str, Any]] = field(default_factory=list)


VARIANTS = [
    Variant("d, DRIVER_IO=loop, every cut", "loop v4"),
    Variant("d, DRIVER_IO=libev, every cut", "libev v4"),
    Variant("d, loop, protocol v5 (cut undone)", "loop v5"),
    Variant("d, libev, protocol v5 (cut undone)", "libev v5"),
    Variant("d, loop, the bridge before these cuts", "loop v4", undo=frozenset({"bridge"})),
    Variant("d, libev, the bridge before these cuts", "libev v4", undo=frozenset({"bridge"})),
    Variant("d, loop, ResultSet per reply (cut undone)", "loop v4", undo=frozenset({"resultset"})),
    Variant("d, loop, callbacks holding the future, uncleared", "loop v4", undo=frozenset({"cycle"})),
    Variant("d, loop, one send per request (cut undone)", "loop v4", undo=frozenset({"coalesce"})),
    Variant("d, loop, point reads without paging (tried)", "loop v4", tried=frozenset({"point-unpaged"})),
]


async def closed_loop(db: Database, st: Statements, concurrency: int, seconds: float) -> tuple[int, float]:
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            await repository.get_animal(db, st, dataset.POINT, dataset.species(random.randrange(dataset.POINT_KEYS)))
            done += 1

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done, time.perf_counter() - began


class GcClock:
    """Seconds the cyclic garbage collector ran, and how many collections, while installed."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.collections = 0
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started
            self.collections += 1


async def main(seconds: float, rounds: int, concurrency: int, node_pid: int | None) -> list[dict[str, Any]]:
    settings = dataset.settings()
    clock = GcClock()
    gc.callbacks.append(clock)
    shuffled = random.Random(12)
    clusters: dict[str, tuple[Cluster, Database, Statements, Statements]] = {}
    for name in dict.fromkeys(v.cluster for v in VARIANTS):
        io, version = name.split()
        pinned = settings.model_copy(update={"cassandra_protocol_version": int(version[1:])})
        cls = LoopConnection.bind() if io == "loop" else None
        cluster, session = await asyncio.to_thread(connect, pinned, keyspace=settings.keyspace, connection_class=cls)
        read_cl, write_cl = default_consistency(settings, cluster)
        st = await asyncio.to_thread(prepare_statements, session, read_consistency=read_cl, write_consistency=write_cl)
        unpaged = await asyncio.to_thread(
            prepare_statements, session, read_consistency=read_cl, write_consistency=write_cl
        )
        variants.unpage(unpaged)
        clusters[name] = (cluster, Database(session, request_timeout=10, max_in_flight=1024), st, unpaged)
    try:
        for _, db, st, _ in clusters.values():  # warm up
            await closed_loop(db, st, concurrency, 1)
        for _ in range(rounds):
            for variant in shuffled.sample(VARIANTS, len(VARIANTS)):
                _, db, st, unpaged = clusters[variant.cluster]
                with variants.patched(variant.undo):
                    threads = split.sample(os.getpid())
                    gc_seconds, gc_runs = clock.seconds, clock.collections
                    cpu, db_cpu = time.process_time(), process_cpu_s(node_pid) if node_pid else 0.0
                    chosen = unpaged if "point-unpaged" in variant.tried else st
                    done, elapsed = await closed_loop(db, chosen, concurrency, seconds)
                    cpu = time.process_time() - cpu
                    db_cpu = process_cpu_s(node_pid) - db_cpu if node_pid else 0.0
                    names = {t.native_id: t.name for t in threading.enumerate() if t.native_id is not None}
                    per_thread = split.per_request(threads, split.sample(os.getpid()), names, done)
                run: dict[str, Any] = {"requests": done, "rps": done / elapsed, "cpu_ms": cpu * 1000 / max(1, done)}
                run["gc_ms"] = (clock.seconds - gc_seconds) * 1000 / max(1, done)
                run["gc_per_1k"] = (clock.collections - gc_runs) * 1000 / max(1, done)
                if node_pid:
                    run["db_cpu_ms"] = db_cpu * 1000 / max(1, done)
                run["threads"] = per_thread
                variant.runs.append(run)
    finally:
        for cluster, *_ in clusters.values():
            await asyncio.to_thread(cluster.shutdown)
    rows = []
    for variant in VARIANTS:
        row: dict[str, Any] = {"variant": variant.name, "rounds": len(variant.runs), "runs": variant.runs}
        for key in ("rps", "cpu_ms", "db_cpu_ms", "gc_ms", "gc_per_1k"):
            values = [r[key] for r in variant.runs if key in r]
            if values:
                row[key] = statistics.median(values)
        row["cpu_ms_min"] = min(r["cpu_ms"] for r in variant.runs)
        rows.append(row)
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.targets.inproc")
    parser.add_argument("--seconds", type=float, default=2)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--node-pid", type=int, default=None)
    args = parser.parse_args(sys.argv[1:])
    out = uvloop.run(main(args.seconds, args.rounds, args.concurrency, args.node_pid))
    sys.stdout.write(orjson.dumps(out).decode() + "\n")
