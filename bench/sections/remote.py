"""Point reads at c=64 once more, with every Cassandra round trip DELAY_MS longer (bench/tools/delay_proxy.py)."""

from __future__ import annotations

import subprocess
import time
from typing import Any

from bench.harness.common import PYTHON, ROOT, log
from bench.harness.context import Context
from bench.harness.load import wrk
from bench.harness.processes import free_port, stop_process
from bench.harness.service import services
from bench.targets.http import HTTP_VARIANTS


def run(ctx: Context) -> None:
    seconds, delay_ms = ctx.args.seconds, ctx.args.delay_ms
    port = free_port()
    proxy = subprocess.Popen([PYTHON, "-m", "bench.tools.delay_proxy", str(port), "9042", f"{delay_ms:g}"], cwd=ROOT)
    rows: list[dict[str, Any]] = ctx.results.setdefault("remote", [])
    try:
        time.sleep(1)
        env = {"CASSANDRA_CONTACT_POINTS": "127.0.0.1", "CASSANDRA_PORT": str(port)}
        with services(ctx.logs, HTTP_VARIANTS, tag="-remote", **env) as running:
            for service in running.values():
                wrk(service.url, "read.lua", 16, 1)
            for name, service in running.items():
                measured = wrk(service.url, "read.lua", 64, seconds)
                rows.append({"work": "read", "concurrency": 64, "variant": name, "delay_ms": delay_ms, **measured})
                log(f"read c=64, database +{delay_ms:g} ms, {name}: {measured['rps']:.0f} req/s")
    finally:
        stop_process(proxy, 10)
