"""(d) the driver alone through our bridge, and (e) acsylla alone: the same work with no HTTP, as a separate process.

Usage: python -m bench.targets.clients {driver,acsylla,sync-driver} {read,write,stream} [--concurrency N] [--seconds S]
[--genus G]. Prints one JSON object: rps and latency percentiles, or rows/s and time to first page.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import uvloop

from app import repository
from app.db import statements
from app.db.cluster import connect, connection_class_for, default_consistency
from app.db.database import Database
from app.db.statements import CQL
from app.models import Animal
from bench import dataset
from bench.harness.processes import process_cpu_s
from bench.tools import cpu_split as split

Op = Callable[[int], Awaitable[object]]


def percentile(sorted_ms: list[float], q: float) -> float:
    return sorted_ms[min(len(sorted_ms) - 1, int(q * len(sorted_ms)))] if sorted_ms else 0.0


async def closed_loop(
    op: Op, concurrency: int, seconds: float, *, per_thread: bool = False, node_pid: int | None = None
) -> dict[str, Any]:
    """`concurrency` workers, each issuing the next request as soon as the last one answered, for `seconds`.

    With `per_thread`, also this process's CPU and context switches per request, by thread role
    (bench/tools/cpu_split.py);
    with `node_pid`, the Cassandra node's CPU per request. "measuring" goes to stderr as the timed part starts, so a
    profiler can attach for exactly that part."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal errors
        while (start := time.perf_counter()) < deadline:
            try:
                await op(random.randrange(dataset.POINT_KEYS))
            except Exception:
                errors += 1
                continue
            latencies.append((time.perf_counter() - start) * 1000)

    sys.stderr.write("measuring\n")
    sys.stderr.flush()
    threads = split.sample(os.getpid()) if per_thread else {}
    db_cpu = process_cpu_s(node_pid) if node_pid else 0.0
    began, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
    db_cpu = process_cpu_s(node_pid) - db_cpu if node_pid else 0.0
    latencies.sort()
    result: dict[str, Any] = {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 0.50),
        "p99_ms": percentile(latencies, 0.99),
        "errors": errors,
        "cpu_ms": cpu * 1000 / max(1, len(latencies)),  # this process's CPU (all threads) per operation
    }
    if node_pid:
        result["db_cpu_ms"] = db_cpu * 1000 / max(1, len(latencies))
    if per_thread:
        names = {t.native_id: t.name for t in threading.enumerate() if t.native_id is not None}
        result["threads"] = split.per_request(threads, split.sample(os.getpid()), names, len(latencies))
    return result


def animal(i: int) -> Animal:
    return Animal(
        genus=dataset.WRITE,
        species=dataset.species(i),
        image_url="https://example.org/w.jpg",
        size_cm=1.5,
        sightings=i,
        taxonomy=["Arthropoda", "Insecta"],
    )


async def run_driver(
    work: str, concurrency: int, seconds: float, genus: str, *, per_thread: bool = False, node_pid: int | None = None
) -> dict[str, Any]:
    settings = dataset.settings()
    io = connection_class_for(settings)  # DRIVER_IO from the environment, as for the service
    cluster, session = await asyncio.to_thread(connect, settings, keyspace=settings.keyspace, connection_class=io)
    try:
        read_cl, write_cl = default_consistency(settings, cluster)
        st = await asyncio.to_thread(
            statements.prepare_statements, session, read_consistency=read_cl, write_consistency=write_cl
        )
        db = Database(session, request_timeout=10, max_in_flight=1024)
        if work == "stream":
            started = time.perf_counter()
            first = 0.0
            rows = 0
            async for page in repository.list_plants(db, st, genus).fetch(settings.page_size, None):
                first = first or time.perf_counter() - started
                rows += len(page.rows)
            elapsed = time.perf_counter() - started
            return {"rows": rows, "seconds": elapsed, "rows_per_s": rows / elapsed, "ttfb_ms": first * 1000}
        if work == "read":
            return await closed_loop(
                lambda i: repository.get_animal(db, st, dataset.POINT, dataset.species(i)),
                concurrency,
                seconds,
                per_thread=per_thread,
                node_pid=node_pid,
            )
        return await closed_loop(
            lambda i: repository.upsert_animal(db, st, animal(i)),
            concurrency,
            seconds,
            per_thread=per_thread,
            node_pid=node_pid,
        )
    finally:
        await asyncio.to_thread(cluster.shutdown)


def run_sync_driver_stream(genus: str) -> dict[str, float]:
    """The driver's own synchronous paging (iterating a ResultSet), as a reference for the streaming numbers."""
    settings = dataset.settings()
    cluster, session = connect(settings, keyspace=settings.keyspace)
    try:
        statement = session.prepare(CQL["select_plants"]).bind((genus,))
        statement.fetch_size = settings.page_size
        started = time.perf_counter()
        result = session.execute(statement)
        first = time.perf_counter() - started
        rows = sum(1 for _ in result)
        elapsed = time.perf_counter() - started
        return {"rows": rows, "seconds": elapsed, "rows_per_s": rows / elapsed, "ttfb_ms": first * 1000}
    finally:
        cluster.shutdown()


async def run_acsylla(
    work: str, concurrency: int, seconds: float, genus: str, *, node_pid: int | None = None
) -> dict[str, Any]:
    import acsylla

    cluster = acsylla.create_cluster(["127.0.0.1"], port=9042, request_timeout=10)
    session = await cluster.create_session(keyspace=dataset.KEYSPACE)
    try:
        if work == "stream":
            prepared = await session.create_prepared(CQL["select_plants"])
            started = time.perf_counter()
            first = 0.0
            rows = 0
            state: bytes | None = None
            while True:
                result = await session.execute(prepared.bind([genus], page_size=1000, page_state=state))
                rows += len([row.as_dict() for row in result.all()])
                first = first or time.perf_counter() - started
                if not result.has_more_pages():
                    break
                state = result.page_state()
            elapsed = time.perf_counter() - started
            return {"rows": rows, "seconds": elapsed, "rows_per_s": rows / elapsed, "ttfb_ms": first * 1000}
        if work == "read":
            select = await session.create_prepared(CQL["select_animal"])

            async def read(i: int) -> object:
                row = (await session.execute(select.bind([dataset.POINT, dataset.species(i)]))).first()
                return row.as_dict() if row is not None else None

            return await closed_loop(read, concurrency, seconds, node_pid=node_pid)
        upsert = await session.create_prepared(CQL["upsert_animal"])

        async def write(i: int) -> object:
            a = animal(i)
            values = [a.genus, a.species, a.image_url, a.size_cm, a.sightings, a.taxonomy]
            return await session.execute(upsert.bind(values))

        return await closed_loop(write, concurrency, seconds, node_pid=node_pid)
    finally:
        await session.close()


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("client", choices=["driver", "acsylla", "sync-driver"])
    parser.add_argument("work", choices=["read", "write", "stream"])
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--genus", default=dataset.MILLION)
    parser.add_argument("--split", action="store_true", help="also CPU and context switches per thread")
    parser.add_argument("--node-pid", type=int, default=None, help="the Cassandra node's pid: its CPU per request")
    args = parser.parse_args(argv)
    result: dict[str, Any]
    if args.client == "sync-driver":
        result = run_sync_driver_stream(args.genus)
    elif args.client == "driver":
        result = uvloop.run(
            run_driver(
                args.work, args.concurrency, args.seconds, args.genus, per_thread=args.split, node_pid=args.node_pid
            )
        )
    else:
        result = uvloop.run(run_acsylla(args.work, args.concurrency, args.seconds, args.genus, node_pid=args.node_pid))
    sys.stdout.write(orjson.dumps(result).decode() + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
