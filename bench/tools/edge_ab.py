"""MEASUREMENT ONLY: the service from two checkouts side by side (before and after a change to the HTTP edge), CPU per
request of each uvicorn process for the hot routes, interleaved in one run so that both see the same machine.

    python -m bench.tools.edge_ab --before /work/main --seconds 5 --rounds 3

Each round runs every scenario against both services, in a fresh random order: rows point reads by key at c=64
(bench/wrk/rows_read.lua), the sample's point reads at c=64 (read.lua) and one 1,000-row rows page at c=16
(rows_page.lua). On shared cores noise only ever adds CPU time, so the minimum over the rounds is the steadier
estimate; the median is printed beside it. Needs the benchmark's keyspace (`scripts/bench` loads it).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import tempfile
from pathlib import Path

from bench import dataset
from bench.harness.common import PYTHON, ROOT
from bench.harness.load import measure, wrk
from bench.harness.processes import process_cpu_s, stop_processes
from bench.harness.service import PAGE_STATE_SECRET, UVICORN_OPTIONS, Service, free_port, wait_healthy

SCENARIOS = {
    "rows point read, c=64": ("rows_read.lua", 64),
    "sample point read, c=64": ("read.lua", 64),
    "rows 1,000-row page, c=16": ("rows_page.lua", 16),
}


def start(name: str, checkout: Path, logs: Path) -> Service:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASTRA_DB_", "CASSANDRA_"))}
    env.update(
        CASSANDRA_KEYSPACE=dataset.KEYSPACE,
        PAGE_STATE_SECRET=PAGE_STATE_SECRET,
        LOG_LEVEL="warning",
        ALLOW_ANONYMOUS_WRITES="true",
        PYTHONPATH=str(checkout),
    )
    command = [PYTHON, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port), *UVICORN_OPTIONS]
    log_path = logs / f"{name}.log"
    with log_path.open("wb") as handle:
        process = subprocess.Popen(command, cwd=checkout, env=env, stdout=handle, stderr=subprocess.STDOUT)
    service = Service(name, f"http://127.0.0.1:{port}", process)
    wait_healthy(service, log_path)
    return service


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, default=Path("/work/main"), help="the checkout measured as before")
    parser.add_argument("--after", type=Path, default=ROOT, help="the checkout measured as after (this one)")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=5.0)
    args = parser.parse_args()
    logs = Path(tempfile.mkdtemp(prefix="edge-ab-"))
    services = [start("before", args.before, logs), start("after", args.after, logs)]
    figures: dict[tuple[str, str], list[dict[str, float]]] = {}
    try:
        for service in services:
            for script, concurrency in SCENARIOS.values():
                wrk(service.url, script, concurrency, args.warmup)
        for _ in range(args.rounds):
            runs = [(scenario, service) for scenario in SCENARIOS for service in services]
            random.shuffle(runs)
            for scenario, service in runs:
                script, concurrency = SCENARIOS[scenario]

                def run(
                    url: str = service.url, script: str = script, concurrency: int = concurrency
                ) -> dict[str, float]:
                    return wrk(url, script, concurrency, args.seconds)

                pid = service.pid
                figures.setdefault((scenario, service.name), []).append(
                    measure(run, lambda pid=pid: process_cpu_s(pid), None)
                )
    finally:
        stop_processes([service.process for service in services])
    print(f"{args.rounds} rounds of {args.seconds:g} s, load average {os.getloadavg()}")
    print("| scenario | checkout | req/s (median) | CPU ms/req median | min | p50 ms | p99 ms | errors |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for (scenario, name), runs in figures.items():
        cpu = [r["cpu_ms"] for r in runs]
        print(
            f"| {scenario} | {name} | {statistics.median(r['rps'] for r in runs):,.0f} | "
            f"{statistics.median(cpu):.3f} | {min(cpu):.3f} | {statistics.median(r['p50_ms'] for r in runs):.2f} | "
            f"{statistics.median(r['p99_ms'] for r in runs):.2f} | {sum(r['errors'] for r in runs):.0f} |"
        )


if __name__ == "__main__":
    main()
