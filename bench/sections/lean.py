"""Issue 22's hot path, side by side in one run: the code before (`--before DIR`, a checkout such as /work/main)
against this tree, and, with `--stargate`, this service on Stargate's own coordinator (the same database) with 1
and 2 workers beside Stargate's REST API.

Each service is `python -m app` (the supervisor, uvloop, our protocol) in a process group of its own, so its CPU
counts every worker; the rounds alternate the order of the sides, so the noise of two shared cores falls on both.
Figures: req/s, CPU per request of the HTTP process(es) and of the database, p50 and p99; NDJSON rows/s of a
1,000,000-row partition with the RSS growth over the idle service.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from bench import dataset
from bench.harness.common import PYTHON, ROOT, log
from bench.harness.context import Context
from bench.harness.load import measure, streamed, wrk
from bench.harness.node import node_cpu_s, node_pid
from bench.harness.processes import free_port
from bench.harness.service import PAGE_STATE_SECRET, Service, stop, wait_healthy
from bench.sections.rows import group_cpu_s, load_into_stargate, token

ROUNDS = 3
WORK = (
    ("rows 1,000-row page", "rows_page.lua", 16),
    ("rows point read", "rows_read.lua", 64),
    ("sample point read", "read.lua", 64),
)
STREAM = f"/v2/keyspaces/bench/plants/{dataset.MILLION}?format=ndjson"
SAMPLE_LISTING = f"/plant/{dataset.HUNDRED_K}?format=ndjson"
STARGATE_DB = {
    "CASSANDRA_CONTACT_POINTS": "127.0.0.41",
    "CASSANDRA_PORT": "9042",
    "CASSANDRA_USERNAME": "cassandra",
    "CASSANDRA_PASSWORD": "cassandra",
}


@dataclass
class Side:
    """One thing under load: its URL, the token it needs, and how to read its CPU and its database's."""

    name: str
    url: str
    cpu: Callable[[], float]
    db_cpu: Callable[[], float] | None
    auth: str | None = None
    service: Service | None = None


@contextmanager
def app_service(name: str, root: Path, logs: Path, *, workers: int = 1, **env: str) -> Iterator[Service]:
    """`python -m app` from `root` in its own process group (its CPU is the group's: every worker)."""
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("ASTRA_DB_", "CASSANDRA_"))}
    environ.update(
        CASSANDRA_KEYSPACE=dataset.KEYSPACE,
        PAGE_STATE_SECRET=PAGE_STATE_SECRET,
        LOG_LEVEL="warning",
        ALLOW_ANONYMOUS_WRITES="true",
        PYTHONPATH=str(root),
        **env,
    )
    command = [PYTHON, "-m", "app", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    log_path = logs / f"lean-{name.replace(' ', '_').replace(',', '')}.log"
    with log_path.open("wb") as handle:
        process = subprocess.Popen(
            command, cwd=root, env=environ, stdout=handle, stderr=subprocess.STDOUT, process_group=0
        )
    service = Service(name, f"http://127.0.0.1:{port}", process)
    try:
        wait_healthy(service, log_path)
        yield service
    finally:
        stop([service])


def ours(service: Service, db_cpu: Callable[[], float] | None) -> Side:
    return Side(service.name, service.url, partial(group_cpu_s, service.pid), db_cpu, service=service)


def summary(runs: list[dict[str, float]]) -> dict[str, float]:
    """Medians over the rounds, with the minimum CPU beside them (noise only ever adds CPU)."""
    found = {key: statistics.median(r[key] for r in runs) for key in ("rps", "cpu_ms", "p50_ms", "p99_ms")}
    found["cpu_ms_min"] = min(r["cpu_ms"] for r in runs)
    if all("db_cpu_ms" in r for r in runs):
        found["db_cpu_ms"] = statistics.median(r["db_cpu_ms"] for r in runs)
    found["errors"] = sum(r["errors"] for r in runs)
    return found


def alternate(sides: list[Side], work: tuple[tuple[str, str, int], ...], seconds: float) -> list[dict[str, Any]]:
    """ROUNDS rounds of every work on every side, the sides' order reversed every other round."""
    runs: dict[tuple[str, str, int], list[dict[str, float]]] = {}
    for side in sides:  # warm: prepared shapes, connections, the JIT of a JVM
        for _, script, concurrency in work:
            with token(side.auth):
                wrk(side.url, script, concurrency, 2)
    for round_ in range(ROUNDS):
        for name, script, concurrency in work:
            for side in sides if round_ % 2 == 0 else sides[::-1]:
                with token(side.auth):
                    measured = measure(partial(wrk, side.url, script, concurrency, seconds), side.cpu, side.db_cpu)
                runs.setdefault((side.name, name, concurrency), []).append(measured)
    table = []
    for (side_name, name, concurrency), measured in runs.items():
        table.append({"variant": side_name, "work": name, "concurrency": concurrency, **summary(measured)})
        row = table[-1]
        log(
            f"lean, {side_name} {name} c={concurrency}: {row['rps']:,.0f} req/s, {row['cpu_ms']:.3f} ms CPU "
            f"(min {row['cpu_ms_min']:.3f}), p50 {row['p50_ms']:.1f} p99 {row['p99_ms']:.1f} ms"
        )
    return table


def streams(sides: list[Side]) -> list[dict[str, Any]]:
    """The 1,000,000-row NDJSON stream and the sample's 100,000-row listing, each side in turn, with RSS growth."""
    table = []
    for label, path, rows, repeats in (
        ("rows API NDJSON", STREAM, 1_000_000, 2),
        ("sample listing NDJSON", SAMPLE_LISTING, 100_000, 3),
    ):
        for side in sides:
            assert side.service is not None
            measured, growth, runs = streamed(side.service, path, repeats)
            entry = {"variant": side.name, "work": label, "rows": rows, **measured}
            entry |= {"rows_per_s": rows / measured["seconds"], "rss_growth_mb": growth, "runs": runs}
            table.append(entry)
            log(f"lean, {side.name} {label}: {entry['rows_per_s']:,.0f} rows/s, +{growth:.1f} MB RSS")
    return table


def before_after(ctx: Context) -> None:
    """`--before DIR` against this tree, on our own node."""
    before = Path(ctx.args.before).resolve()
    node = node_pid()
    db_cpu = partial(node_cpu_s, node) if node else None
    results = ctx.results.setdefault("lean", {})
    with ExitStack() as stack:
        old = stack.enter_context(app_service("before", before, ctx.logs))
        new = stack.enter_context(app_service("after", ROOT, ctx.logs))
        sides = [ours(old, db_cpu), ours(new, db_cpu)]
        results["requests"] = alternate(sides, WORK, ctx.args.seconds)
        results["streams"] = streams(sides)
    results["before"] = str(before)


def same_database(ctx: Context) -> None:
    """This service (1 and 2 workers) on Stargate's own coordinator, beside Stargate's REST API on it."""
    url, auth, cql = os.environ.get("STARGATE_URL"), os.environ.get("STARGATE_TOKEN"), os.environ.get("STARGATE_CQL")
    if not (url and auth and cql):
        raise SystemExit('--stargate needs a running Stargate: eval "$(../shared/tools/stargate/start)"')
    run_dir = Path(os.environ.get("STARGATE_CACHE", "/tmp/stargate-cache")) / "run"
    rest, coordinator = (int((run_dir / f"{name}.pid").read_text()) for name in ("restapi", "coordinator"))
    coordinator_cpu = partial(group_cpu_s, coordinator)
    log(f"lean: loading the same rows through {cql}")
    load_into_stargate(cql)
    with token(auth):
        log(f"lean: warming Stargate's JIT for {ctx.args.stargate_warmup:g} s")
        wrk(url, "rows_read.lua", 64, max(1, round(ctx.args.stargate_warmup * 0.75)))
        wrk(url, "rows_page.lua", 16, max(1, round(ctx.args.stargate_warmup * 0.25)))
    stargate = Side("Stargate v2.0.51", url, partial(group_cpu_s, rest), coordinator_cpu, auth=auth)
    idle = idle_rate(coordinator_cpu)
    log(f"lean: Stargate's coordinator idles at {idle:.3f} CPU s/s")
    work = WORK[:2]
    with ExitStack() as stack:
        one = stack.enter_context(app_service("ours, 1 worker, same db", ROOT, ctx.logs, **STARGATE_DB))
        two = stack.enter_context(app_service("ours, 2 workers, same db", ROOT, ctx.logs, workers=2, **STARGATE_DB))
        sides = [ours(one, coordinator_cpu), ours(two, coordinator_cpu), stargate]
        table = alternate(sides, work, ctx.args.seconds)
    for row in table:  # what the coordinator spends with no load, shared out over fewer requests by a slower side
        row["db_idle_ms"] = idle * 1000 / row["rps"]
    ctx.results.setdefault("lean", {})["same_database"] = table
    ctx.results["lean"]["coordinator_idle_cpu_s_per_s"] = idle


def idle_rate(cpu: Callable[[], float], seconds: float = 10) -> float:
    """CPU seconds a process spends per second with no load on it."""
    before = cpu()
    time.sleep(seconds)
    return (cpu() - before) / seconds
