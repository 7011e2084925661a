"""MEASUREMENT ONLY: CPU per request of the ASGI app itself (no uvicorn, no sockets on the HTTP side; the real driver
and node), for two checkouts side by side, in interleaved rounds.

    python -m bench.tools.edge_inproc --before /work/main --rounds 7

One worker process per checkout imports that checkout's `app.main`, runs its lifespan on the benchmark's keyspace,
and on each "go" from this parent runs one scenario: a batch of requests at a given concurrency, answered by calling
the app with an ASGI scope as uvicorn would build it. It reports its own CPU time per request (process time: every
thread, the driver's included). Without the HTTP server's share, and with no load generator on the same cores, this
is steadier than wrk on busy shared cores; the difference between the checkouts is the figure to read.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

SCENARIOS = {
    "rows point read, c=64": ("GET", "/v2/keyspaces/bench/animals/Point/s{n:07d}", b"", 64, 2000),
    "sample point read, c=64": ("GET", "/animal/Point/s{n:07d}", b"", 64, 2000),
    "rows 1,000-row page, c=16": ("GET", "/v2/keyspaces/bench/plants/Hundredk", b"page-size=1000", 16, 100),
}
HEADERS = [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"wrk"), (b"accept", b"*/*")]


async def call(
    app: Any,
    state: dict[str, Any],
    method: str,
    path: str,
    query: bytes = b"",
    headers: tuple[tuple[bytes, bytes], ...] = (),
    body: bytes = b"",
) -> int:
    """One request straight into the ASGI app, as uvicorn would hand it over (also `bench/tools/data_api_inproc.py`);
    its status."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [*HEADERS, *headers],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
        "state": dict(state),
    }
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def _batch(app: Any, state: dict[str, Any], scenario: str) -> dict[str, float]:
    method, template, query, concurrency, count = SCENARIOS[scenario]
    gate = asyncio.Semaphore(concurrency)
    statuses: list[int] = []

    async def one(n: int) -> None:
        async with gate:
            statuses.append(await call(app, state, method, template.format(n=n), query))

    keys = [random.randrange(10_000) for _ in range(count)]
    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(one(n) for n in keys))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {"cpu_ms": cpu * 1000 / count, "rps": count / wall, "errors": sum(s != 200 for s in statuses)}


async def _serve() -> None:
    """The worker: this checkout's app, one scenario per line read from stdin, one JSON line of figures back."""
    from asgi_lifespan import LifespanManager

    from app.config import load_settings
    from app.main import create_app

    secret = "bench-only-page-state-secret-0123456789"
    settings = load_settings(cassandra_keyspace="bench", log_level="warning", page_state_secret=secret)
    async with LifespanManager(create_app(settings)) as manager:
        app, state = manager.app, manager._state
        for scenario in SCENARIOS:  # warm: tables described, statements prepared, code paths hot
            await _batch(app, state, scenario)
        print("ready", flush=True)
        loop = asyncio.get_running_loop()
        while line := (await loop.run_in_executor(None, sys.stdin.readline)).strip():
            print(json.dumps(await _batch(app, state, line)), flush=True)


def _worker(checkout: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASTRA_DB_", "CASSANDRA_"))}
    env["PYTHONPATH"] = str(checkout)  # run as a script, so `app` is the checkout's and nothing else is on the path
    command = [sys.executable, str(Path(__file__).resolve()), "--serve"]
    process = subprocess.Popen(
        command,
        cwd=checkout,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    while (line := process.stdout.readline()) and line.strip() != "ready":
        pass
    return process


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, default=Path("/work/main"))
    parser.add_argument("--after", type=Path, default=Path(__file__).resolve().parents[2])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    workers = {"before": _worker(args.before), "after": _worker(args.after)}
    figures: dict[tuple[str, str], list[dict[str, float]]] = {}
    try:
        for _ in range(args.rounds):
            runs = [(scenario, name) for scenario in SCENARIOS for name in workers]
            random.shuffle(runs)
            for scenario, name in runs:
                process = workers[name]
                assert process.stdin is not None and process.stdout is not None
                process.stdin.write(scenario + "\n")
                process.stdin.flush()
                figures.setdefault((scenario, name), []).append(json.loads(process.stdout.readline()))
    finally:
        for process in workers.values():
            assert process.stdin is not None
            process.stdin.close()
            process.wait(timeout=60)
    print(f"{args.rounds} rounds, load average {os.getloadavg()}")
    print("| scenario | checkout | CPU ms/req median | min | req/s (median) | errors |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for (scenario, name), runs in sorted(figures.items()):
        cpu = [r["cpu_ms"] for r in runs]
        print(
            f"| {scenario} | {name} | {statistics.median(cpu):.3f} | {min(cpu):.3f} | "
            f"{statistics.median(r['rps'] for r in runs):,.0f} | {sum(r['errors'] for r in runs):.0f} |"
        )


if __name__ == "__main__":
    if "--serve" in sys.argv:
        asyncio.run(_serve())
    else:
        main()
