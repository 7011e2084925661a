"""MEASUREMENT ONLY: the Data API's findOne by full key beside the rows API's point read of the same rows, CPU per
request of the ASGI app itself (the edge included; no uvicorn, no load generator on the same cores), in one process,
interleaved rounds. `--profile DIR` also writes a cProfile of each side's last round (`python -m pstats`).

    python -m bench.tools.data_api_inproc [--keyspace bench] [--rounds 5] [--requests 3000] [--profile /tmp/prof]

The rows are the benchmark's 10,000 Point animals (bench/dataset.py), read as bench/wrk/rows_read.lua and
bench/wrk/data_api_find_one.lua read them, at c=64. The process's CPU time counts every thread, the driver's too,
as the data_api section's does; on busy shared cores the ratio of the two sides of one run is the figure to read.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.tools.edge_inproc import call as edge_call

CONCURRENCY = 64
Request = tuple[str, str, list[tuple[bytes, bytes]], bytes]


def rows_read(keyspace: str, n: int) -> Request:
    return "GET", f"/v2/keyspaces/{keyspace}/animals/Point/s{n:07d}", [], b""


def find_one(keyspace: str, n: int) -> Request:
    body = b'{"findOne":{"filter":{"genus":"Point","species":"s%07d"}}}' % n
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    return "POST", f"/v1/{keyspace}/animals", headers, body


async def call(app: Any, state: dict[str, Any], request: Request) -> int:
    method, path, headers, body = request
    return await edge_call(app, state, method, path, headers=tuple(headers), body=body)


async def batch(app: Any, state: dict[str, Any], make: Callable[[int], Request], count: int) -> int:
    """`count` requests, CONCURRENCY in flight; the number not answered 200."""
    gate = asyncio.Semaphore(CONCURRENCY)
    statuses: list[int] = []

    async def one(n: int) -> None:
        async with gate:
            statuses.append(await call(app, state, make(n)))

    await asyncio.gather(*(one(random.randrange(10_000)) for _ in range(count)))
    return sum(s != 200 for s in statuses)


async def measure(args: argparse.Namespace) -> dict[str, list[float]]:
    from asgi_lifespan import LifespanManager

    from app.config import load_settings
    from app.main import create_app

    secret = "bench-only-page-state-secret-0123456789"
    settings = load_settings(cassandra_keyspace=args.keyspace, log_level="warning", page_state_secret=secret)
    sides: dict[str, Callable[[int], Request]] = {
        "rows point read": lambda n: rows_read(args.keyspace, n),
        "findOne by full key": lambda n: find_one(args.keyspace, n),
    }
    figures: dict[str, list[float]] = {name: [] for name in sides}
    async with LifespanManager(create_app(settings)) as manager:
        app, state = manager.app, manager._state
        for make in sides.values():  # warm: the table described, statements prepared, code paths hot
            await batch(app, state, make, 1000)
        for round_ in range(args.rounds):
            order = list(sides.items())
            for name, make in order if round_ % 2 == 0 else order[::-1]:
                profile = cProfile.Profile() if args.profile and round_ == args.rounds - 1 else None
                cpu = time.process_time()
                if profile is not None:
                    profile.enable()
                errors = await batch(app, state, make, args.requests)
                if profile is not None:
                    profile.disable()
                    profile.dump_stats(str(args.profile / f"{name.split()[0]}.prof"))
                figures[name].append((time.process_time() - cpu) * 1000 / args.requests)
                if errors:
                    raise SystemExit(f"{name}: {errors} requests not answered 200")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keyspace", default="bench")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--profile", type=Path, default=None)
    args = parser.parse_args()
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    figures = asyncio.run(measure(args))
    print(f"{args.rounds} rounds of {args.requests} requests, c={CONCURRENCY}, load average {os.getloadavg()}")
    print("| side | CPU ms/req median | min | every round |")
    print("| --- | ---: | ---: | --- |")
    for name, cpu in figures.items():
        rounds = ", ".join(f"{c:.3f}" for c in cpu)
        print(f"| {name} | {statistics.median(cpu):.3f} | {min(cpu):.3f} | {rounds} |")
    rows, found = figures["rows point read"], figures["findOne by full key"]
    median = statistics.median(found) / statistics.median(rows) - 1
    print(f"findOne vs rows: {median:+.1%} by medians, {min(found) / min(rows) - 1:+.1%} by minimums")


if __name__ == "__main__":
    main()
