"""A/B: each per-request cut, each middleware, and TLS through the Astra bundle, priced against the service in the
same run: point reads at c=64, every variant once per round, ROUNDS rounds interleaved; medians per variant."""

from __future__ import annotations

import os
import random
import statistics
import subprocess
from pathlib import Path
from typing import Any

import orjson

from bench import dataset
from bench.harness.common import PYTHON, ROOT, log
from bench.harness.context import Context
from bench.harness.load import measure, wrk
from bench.harness.node import node_cpu_s, node_pid
from bench.harness.service import Service, start, stop
from bench.targets.http import CUTS_HTTP, MIDDLEWARE_HTTP, astra_http
from bench.tools.cpu_split import py_spy

ROUNDS = 5
CONCURRENCY = 64


def cuts(ctx: Context) -> None:
    """Each cut of app.db undone (or tried), beside the service; then (d)'s variants in one process."""
    node = node_pid()
    rows = ab(ctx, "cuts", CUTS_HTTP)
    command = [PYTHON, "-m", "bench.targets.inproc", "--seconds", f"{max(1.5, ctx.args.seconds / 3):g}"]
    command += ["--rounds", "12", "--concurrency", str(CONCURRENCY), *(["--node-pid", str(node)] if node else [])]
    out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1800, check=True).stdout
    for row in orjson.loads(out.strip().splitlines()[-1]):
        rows.append(row)
        log(f"cuts: {row['variant']}: {row['rps']:.0f} ops/s, {row['cpu_ms']:.3f} ms CPU/op (median)")


def middleware(ctx: Context) -> None:
    """The middleware chain, one middleware left out at a time."""
    ab(ctx, "middleware", MIDDLEWARE_HTTP)


def astra(ctx: Context) -> None:
    """(a) and (f) through the bundle (TLS, SNI, token auth) and over plain TCP, both DRIVER_IO values, interleaved."""
    env = astra_env()
    log("loading the Point animals into the Astra stand-in's keyspace where missing")
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        dataset.load_points(dataset.settings())
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    ab(ctx, "astra", astra_http(env))


def astra_env() -> dict[str, str]:
    """The four ASTRA_DB_* variables `scripts/astra-local start` wrote (ASTRA_LOCAL_DIR, default .astra-local/)."""
    home = Path(os.environ.get("ASTRA_LOCAL_DIR", ROOT / ".astra-local"))
    pairs = (line.split("=", 1) for line in (home / "env").read_text().splitlines() if "=" in line)
    return {name.strip(): value.strip() for name, value in pairs if not name.lstrip().startswith("#")}


def wrk_or_dump(service: Service, seconds: float, logs: Path) -> dict[str, float]:
    """wrk at c=64; if it cannot finish, the service's stacks (py-spy dump) go to the logs before the error."""
    try:
        return wrk(service.url, "read.lua", CONCURRENCY, seconds)
    except subprocess.TimeoutExpired:
        dump = subprocess.run(
            [py_spy(), "dump", "--pid", str(service.pid), "--locals"], capture_output=True, text=True, timeout=60
        )
        where = logs / f"stuck-{service.pid}.txt"
        where.write_text(dump.stdout + dump.stderr + f"\nload average {os.getloadavg()}\n")
        log(f"{service.name} stopped answering; its stacks are in {where}")
        raise


def ab(ctx: Context, group: str, http: dict[str, tuple[str, dict[str, str]]]) -> list[dict[str, Any]]:
    """Every variant of `http` once per round, ROUNDS rounds in a fresh random order; its rows in the results."""
    seconds, node = ctx.args.seconds, node_pid()
    db_cpu = (lambda: node_cpu_s(node)) if node else None
    running: dict[str, Service] = {}
    rounds: dict[str, list[dict[str, Any]]] = {name: [] for name in http}
    try:
        for index, (name, (target, env)) in enumerate(http.items()):
            running[name] = start(name, target, ctx.logs, tag=f"-{group}{index}", **env)
        for service in running.values():
            wrk(service.url, "read.lua", 16, 1)
        order = random.Random(12)
        for _ in range(ROUNDS):
            for name, service in order.sample(list(running.items()), len(running)):
                rounds[name].append(
                    measure(lambda s=service: wrk_or_dump(s, seconds, ctx.logs), service.cpu_seconds, db_cpu)
                )
    finally:
        stop(running.values())
    rows: list[dict[str, Any]] = ctx.results.setdefault("ab", {}).setdefault(group, [])
    for name, runs in rounds.items():
        if runs:
            row = summary(name, runs)
            rows.append(row)
            log(f"{group}: {name}: {row['rps']:.0f} req/s, {row['cpu_ms']:.3f} ms CPU/req (median of {len(runs)})")
    return rows


def summary(name: str, runs: list[dict[str, Any]]) -> dict[str, Any]:
    row: dict[str, Any] = {"variant": name, "rounds": len(runs), "runs": runs}
    for key in ("rps", "cpu_ms", "db_cpu_ms", "p99_ms", "errors"):
        values = [r[key] for r in runs if r.get(key) is not None]
        if values:
            row[key] = statistics.median(values)
    row["cpu_ms_min"] = min(r["cpu_ms"] for r in runs)
    return row
