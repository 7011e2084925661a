"""The rows API beside the sample endpoints in one process, and (opt-in) beside the real Stargate REST API v2.

Same data as the rest of the benchmark (keyspace bench): a point read of a Point animal by its full key, one
1,000-row page of the 100,000-plant partition, and whole-partition NDJSON streams of 100,000 and 1,000,000 plants.
The rows and sample requests alternate round by round on the same service, so the two cores' noise falls on both.
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from app.config import load_settings
from bench import dataset
from bench.harness.common import log
from bench.harness.context import Context
from bench.harness.load import client, measure, median_run, streamed, wrk
from bench.harness.node import node_cpu_s, node_pid
from bench.harness.service import Service
from bench.targets.http import OURS

ROUNDS = 3
POINT = ("sample point read", "read.lua"), ("rows point read", "rows_read.lua")
STREAMS = {100_000: dataset.HUNDRED_K, 1_000_000: dataset.MILLION}
STREAM_REPEATS = {100_000: 3, 1_000_000: 1}


def group_cpu_s(pgid: int) -> float:
    """CPU of every live process in a process group: Stargate's start records group leaders, its JVMs are members."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            continue
    return total


@contextmanager
def token(value: str | None) -> Iterator[None]:
    """The wrk scripts send BENCH_TOKEN as X-Cassandra-Token; only Stargate gets one."""
    before = os.environ.pop("BENCH_TOKEN", None)
    if value:
        os.environ["BENCH_TOKEN"] = value
    try:
        yield
    finally:
        os.environ.pop("BENCH_TOKEN", None)
        if before is not None:
            os.environ["BENCH_TOKEN"] = before


def summarise(runs: list[dict[str, float]]) -> dict[str, float]:
    """Medians over the rounds; noise on shared cores only adds CPU, so the minimum is kept beside them."""
    return {
        "rps": statistics.median(r["rps"] for r in runs),
        "cpu_ms": statistics.median(r["cpu_ms"] for r in runs),
        "cpu_ms_min": min(r["cpu_ms"] for r in runs),
        "db_cpu_ms": statistics.median(r["db_cpu_ms"] for r in runs),
        "p99_ms": statistics.median(r["p99_ms"] for r in runs),
        "errors": sum(r["errors"] for r in runs),
        "rounds": len(runs),
    }


def _check_page(url: str, headers: dict[str, str]) -> None:
    """Both sides must answer the page request with 1,000 rows before its figures mean anything."""
    answer = httpx.get(f"{url}/v2/keyspaces/bench/plants/{dataset.HUNDRED_K}?page-size=1000", headers=headers)
    answer.raise_for_status()
    if answer.json().get("count") != 1000:
        raise RuntimeError(f"{url}: a 1,000-row page answered {answer.json().get('count')} rows")


def point_and_page(ours: Service, seconds: float, results: dict[str, Any]) -> None:
    """Sample point read vs rows point read (c=64) and one rows page (c=16), alternating on one process."""
    node = node_pid()
    db_cpu = lambda: node_cpu_s(node)  # noqa: E731
    _check_page(ours.url, {})
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in (*(n for n, _ in POINT), "rows 1,000-row page")}
    for _, script in POINT:
        wrk(ours.url, script, 16, 1)  # warm: prepared shapes, connections
    for round_ in range(ROUNDS):
        order = POINT if round_ % 2 == 0 else POINT[::-1]
        for name, script in order:
            runs[name].append(measure(partial(wrk, ours.url, script, 64, seconds), ours.cpu_seconds, db_cpu))
        runs["rows 1,000-row page"].append(
            measure(partial(wrk, ours.url, "rows_page.lua", 16, seconds), ours.cpu_seconds, db_cpu)
        )
    table = results.setdefault("rows", {}).setdefault("requests", [])
    for name, measured in runs.items():
        concurrency = 16 if "page" in name else 64
        table.append({"variant": f"a: {name}", "concurrency": concurrency, **summarise(measured)})
        log(f"rows bench, {name} c={concurrency}: {table[-1]['rps']:,.0f} req/s, {table[-1]['cpu_ms']:.3f} ms CPU")


def streams(ours: Service, results: dict[str, Any]) -> None:
    """Whole partitions as NDJSON: rows API, sample endpoint and the driver alone, each on the same rows."""
    table = results.setdefault("rows", {}).setdefault("streams", [])
    for count, genus in STREAMS.items():
        for label, path in (
            ("a: rows API NDJSON", f"/v2/keyspaces/bench/plants/{genus}?format=ndjson"),
            ("a: sample endpoint NDJSON", f"/plant/{genus}?format=ndjson"),
        ):
            measured, growth, runs = streamed(ours, path, STREAM_REPEATS[count])
            entry = {"variant": label, "rows": count, **measured, "rows_per_s": count / measured["seconds"]}
            table.append(entry | {"rss_growth_mb": growth, "runs": runs})
            log(f"rows bench, stream {count:,} {label}: {entry['rows_per_s']:,.0f} rows/s, +{growth:.1f} MB")
        driver = median_run(
            [client("driver", "stream", "--genus", genus) for _ in range(STREAM_REPEATS[count])], "rows_per_s"
        )
        table.append({"variant": "d: driver alone (our bridge)", "rows": count, **driver})
        log(f"rows bench, stream {count:,} driver alone: {driver['rows_per_s']:,.0f} rows/s")


# ---- the real Stargate, opt-in ----------------------------------------------------------------------------------


def load_into_stargate(cql: str) -> None:
    """The same tables and the same Point animals and 100,000 plants, through Stargate's own CQL port."""
    host, _, port = cql.partition(":")
    active = load_settings(
        cassandra_keyspace=dataset.KEYSPACE,
        cassandra_contact_points=[host],
        cassandra_port=int(port or 9042),
        cassandra_username="cassandra",
        cassandra_password="cassandra",
        cassandra_replication="{'class': 'SimpleStrategy', 'replication_factor': 1}",
        request_timeout=60,
    )
    dataset.load(active=active, partitions={dataset.HUNDRED_K: dataset.SIZES[dataset.HUNDRED_K]})


def stargate(ours: Service, seconds: float, warmup: float, results: dict[str, Any]) -> None:
    """Warm Stargate, then its point read (c=64) and 1,000-row page (c=16) alternating with the rows API's."""
    url, auth, cql = os.environ.get("STARGATE_URL"), os.environ.get("STARGATE_TOKEN"), os.environ.get("STARGATE_CQL")
    if not (url and auth and cql):
        raise SystemExit(
            '--stargate needs a running Stargate: eval "$(../shared/tools/stargate/start)" sets '
            "STARGATE_URL, STARGATE_TOKEN and STARGATE_CQL"
        )
    run_dir = Path(os.environ.get("STARGATE_CACHE", "/tmp/stargate-cache")) / "run"
    groups = [int((run_dir / f"{name}.pid").read_text()) for name in ("restapi", "coordinator")]
    rest_cpu = lambda: group_cpu_s(groups[0])  # noqa: E731
    coordinator_cpu = lambda: group_cpu_s(groups[1])  # noqa: E731
    node = node_pid()
    node_cpu = lambda: node_cpu_s(node)  # noqa: E731
    log(f"stargate: loading the same rows through {cql}")
    load_into_stargate(cql)
    _check_page(url, {"X-Cassandra-Token": auth})
    with token(auth):
        log(f"stargate: warming its JIT for {warmup:g} s")
        wrk(url, "rows_read.lua", 64, max(1, round(warmup * 0.75)))  # wrk takes whole seconds
        wrk(url, "rows_page.lua", 16, max(1, round(warmup * 0.25)))
    work = (("point read", "rows_read.lua", 64), ("1,000-row page", "rows_page.lua", 16))
    runs: dict[str, list[dict[str, float]]] = {}
    for round_ in range(ROUNDS):
        for name, script, concurrency in work:
            sides = [
                ("a: rows API", ours.url, None, ours.cpu_seconds, node_cpu),
                ("Stargate", url, auth, rest_cpu, coordinator_cpu),
            ]
            for side, base, sent, cpu, db in sides if round_ % 2 == 0 else sides[::-1]:
                with token(sent):
                    runs.setdefault(f"{side}|{name}|{concurrency}", []).append(
                        measure(partial(wrk, base, script, concurrency, seconds), cpu, db)
                    )
    table = results.setdefault("rows", {}).setdefault("stargate", [])
    for key, measured in runs.items():
        side, name, level = key.split("|")
        table.append({"variant": side, "work": name, "concurrency": int(level), **summarise(measured)})
        log(f"stargate bench, {side} {name} c={level}: {table[-1]['rps']:,.0f} req/s")
    results["rows"]["stargate_warmup_s"] = warmup


def run(ctx: Context) -> None:
    ours = ctx.shared[OURS]
    point_and_page(ours, ctx.args.seconds, ctx.results)
    streams(ours, ctx.results)
    if ctx.args.stargate:
        stargate(ours, ctx.args.seconds, ctx.args.stargate_warmup, ctx.results)
