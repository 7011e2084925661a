"""Point reads and writes at each concurrency, every HTTP variant beside the driver alone and acsylla alone."""

from __future__ import annotations

from functools import partial
from typing import Any

from bench.harness.common import log
from bench.harness.context import Context
from bench.harness.load import client, measure, wrk
from bench.harness.node import node_cpu_s, node_pid
from bench.targets.http import CLIENT_VARIANTS

CONCURRENCY = (1, 16, 64, 256)
WORK = (("read", "read.lua"), ("write", "write.lua"))


def run(ctx: Context) -> None:
    seconds = ctx.args.seconds
    rows: list[dict[str, Any]] = ctx.results.setdefault("point", [])
    node = node_pid()
    db_cpu = (lambda: node_cpu_s(node)) if node else None
    for service in ctx.shared.values():  # warm up: connections, prepared statements, caches
        wrk(service.url, "read.lua", 16, 1)
    for work, script in WORK:
        for concurrency in CONCURRENCY:
            for name, service in ctx.shared.items():
                measured = measure(partial(wrk, service.url, script, concurrency, seconds), service.cpu_seconds, db_cpu)
                rows.append({"work": work, "concurrency": concurrency, "variant": name, **measured})
                _log(work, concurrency, name, measured, "req/s")
            for name, kind in CLIENT_VARIANTS.items():
                extra = ["--node-pid", str(node)] if node else []
                measured = client(kind, work, "--concurrency", str(concurrency), "--seconds", f"{seconds:g}", *extra)
                rows.append({"work": work, "concurrency": concurrency, "variant": name, **measured})
                _log(work, concurrency, name, measured, "ops/s")


def _log(work: str, concurrency: int, name: str, measured: dict[str, Any], unit: str) -> None:
    errors = f" ({measured['errors']} ERRORS)" if measured["errors"] else ""
    log(f"{work} c={concurrency} {name}: {measured['rps']:.0f} {unit} p99 {measured['p99_ms']:.1f} ms{errors}")
