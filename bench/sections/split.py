"""Point reads at c=64 for (d), (f) and (a), under each DRIVER_IO: where each thread's CPU goes, per request, and
which thread holds the GIL (bench/tools/cpu_split.py)."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from typing import Any

from bench.harness.common import PYTHON, RESULTS, ROOT, log
from bench.harness.context import Context
from bench.harness.load import client, wrk
from bench.harness.node import node_cpu_s, node_pid
from bench.harness.service import Service, services
from bench.targets.http import SPLIT_VARIANTS
from bench.tools import cpu_split

CONCURRENCY = 64


def _gil_while(pid: int, seconds: float, load: Callable[[], object], name: str) -> dict[str, Any] | None:
    """py-spy --gil on `pid` while `load()` runs; None (and a log line) if py-spy cannot attach."""
    raw = RESULTS / f"split-{name}.tmp"
    spy = cpu_split.record_gil(pid, seconds - 1, raw)
    time.sleep(0.5)
    load()
    _, err = spy.communicate(timeout=seconds + 60)
    if spy.returncode != 0 or not raw.exists():
        log(f"py-spy --gil failed ({err.strip()[:200]}); no GIL profile for {name}")
        return None
    summary = cpu_split.summarise_gil(raw)
    raw.unlink()
    return summary


def _split_driver(io: str, seconds: float, node: int | None) -> dict[str, Any]:
    """(d) through bench/targets/clients.py, which measures its own threads; then once more under py-spy --gil."""
    args = ["--concurrency", str(CONCURRENCY), "--seconds", f"{seconds:g}", "--split"]
    args += ["--node-pid", str(node)] if node else []
    env = {**os.environ, "DRIVER_IO": io}
    measured = client("driver", "read", *args, env={"DRIVER_IO": io})
    command = [PYTHON, "-m", "bench.targets.clients", "driver", "read", *args]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    while (line := process.stderr.readline()) and line.strip() != "measuring":
        pass
    measured["gil"] = _gil_while(process.pid, seconds, lambda: process.wait(seconds + 120), f"d-{io}")
    process.communicate(timeout=60)
    return measured


def _split_http(service: Service, seconds: float, node: int | None, io: str, key: str) -> dict[str, Any]:
    wrk(service.url, "read.lua", 16, 1)
    names = cpu_split.thread_names(service.pid)
    before, db_cpu = cpu_split.sample(service.pid), node_cpu_s(node)
    measured: dict[str, Any] = wrk(service.url, "read.lua", CONCURRENCY, seconds)
    after, done = cpu_split.sample(service.pid), max(1, measured["requests"])
    measured["cpu_ms"] = sum(a.cpu_s - before[t].cpu_s if t in before else a.cpu_s for t, a in after.items())
    measured["cpu_ms"] *= 1000 / done
    if node:
        measured["db_cpu_ms"] = (node_cpu_s(node) - db_cpu) * 1000 / done
    measured["threads"] = cpu_split.per_request(before, after, names, measured["requests"])
    measured["gil"] = _gil_while(
        service.pid, seconds, lambda: wrk(service.url, "read.lua", CONCURRENCY, seconds), f"{key}-{io}"
    )
    return measured


def run(ctx: Context) -> None:
    seconds = ctx.args.seconds
    rows: list[dict[str, Any]] = ctx.results.setdefault("split", [])
    node = node_pid()
    for io in [io for io in ctx.args.io.split(",") if io]:
        measured = _split_driver(io, seconds, node)
        rows.append({"variant": "d: driver alone (our bridge)", "io": io, **measured})
        log(f"split d io={io}: {measured['rps']:.0f} ops/s, {measured['cpu_ms']:.3f} ms CPU/op")
        with services(ctx.logs, SPLIT_VARIANTS, tag=f"-{io}", DRIVER_IO=io) as running:
            for name, service in running.items():
                measured = _split_http(service, seconds, node, io, name[0])
                rows.append({"variant": name, "io": io, **measured})
                log(f"split {name[0]} io={io}: {measured['rps']:.0f} req/s, {measured['cpu_ms']:.3f} ms CPU/req")
