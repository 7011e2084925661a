"""The Data API face priced against the rows API in one process, and (`--data-api`) against the real Data API.

On this service, one uvicorn process (its CPU is the process's own), the benchmark's data (keyspace bench):
- `findOne` by full key (`POST /v1/bench/animals`, bench/wrk/data_api_find_one.lua) beside the rows API's point read
  of the same 10,000 Point animals (`GET /v2/keyspaces/bench/animals/Point/{species}`), both at c=64;
- `find` of 1,000 rows across pages (`pageState`), WALKERS clients walking the Point partition from its start, beside
  the rows API walking the same rows with `page-size` equal to the Data API's page and `page-state`;
- `insertMany` of 100 rows (bench/wrk/data_api_write.lua) beside the rows API's bulk NDJSON ingest of the same 100
  rows a request, both at INSERT_CONCURRENCY requests in flight, each request with the same writes in flight (the
  face's insertMany CONCURRENCY, and ROWS_INGEST_CONCURRENCY set to it).

With `--data-api`, the real Data API (stargate/data-api, started by ../shared/tools/data-api/start, which exports
DATA_API_URL, DATA_API_TOKEN and DATA_API_CQL) gets the same Point animals and write table through its own Cassandra
node, a warm-up, and the same findOne, find and insertMany load: separate databases, so its side's database CPU is
its own node's. ROUNDS rounds; in each, every work on every side, the sides' order reversed every other round.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import orjson

from app.config import Settings, load_settings
from app.db.cluster import connect
from app.routes.data_api.insert import CONCURRENCY as INSERT_MANY_IN_FLIGHT
from bench import dataset
from bench.harness.common import log
from bench.harness.context import Context
from bench.harness.load import measure, wrk
from bench.harness.node import node_cpu_s, node_pid
from bench.harness.service import start, stop
from bench.sections.lean import Side
from bench.sections.rows import group_cpu_s

ROUNDS = 3
POINT_CONCURRENCY = 64
INSERT_CONCURRENCY = 16
INSERT_ROWS = 100
WALK_ROWS = 1000
WALKERS = 4
TABLE = "data_api_writes"
SHAPE = "id text, part int, label text, score int, active boolean, PRIMARY KEY ((id), part)"
OURS = "this service"
PEER = "real Data API v1.0.51"
ANIMALS = f"/v1/{dataset.KEYSPACE}/animals"


@dataclass(frozen=True)
class Work:
    name: str
    script: str
    concurrency: int
    rows: int = 1  # rows each request reads or writes
    body: str = ""  # BENCH_BODY for bench/wrk/data_api_write.lua
    peer: bool = False  # also against the real Data API


WORK = (
    Work("rows point read", "rows_read.lua", POINT_CONCURRENCY),
    Work("findOne by full key", "data_api_find_one.lua", POINT_CONCURRENCY, peer=True),
    Work("insertMany of 100 rows", "data_api_write.lua", INSERT_CONCURRENCY, INSERT_ROWS, "insertMany", peer=True),
    Work("NDJSON ingest of 100 rows", "data_api_write.lua", INSERT_CONCURRENCY, INSERT_ROWS, "ndjson"),
)


@contextmanager
def environ(**values: str | None) -> Iterator[None]:
    """The wrk scripts' BENCH_* variables for one run (None: unset)."""
    saved = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            if value:
                os.environ[name] = value
            else:
                os.environ.pop(name, None)
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def headers(side: Side) -> dict[str, str]:
    return {"Token": side.auth} if side.auth else {}


# ---- the data ---------------------------------------------------------------------------------------------------


def write_table(active: Settings) -> None:
    """The write table, in the benchmark's keyspace of `active`'s database."""
    cluster, session = connect(active)
    try:
        session.execute(f"CREATE TABLE IF NOT EXISTS {dataset.KEYSPACE}.{TABLE} ({SHAPE})", timeout=60)
    finally:
        cluster.shutdown()


def peer_settings(cql: str) -> Settings:
    host, _, port = cql.partition(":")
    return load_settings(
        cassandra_keyspace=dataset.KEYSPACE,
        cassandra_contact_points=[host],
        cassandra_port=int(port or 9042),
        cassandra_username="cassandra",
        cassandra_password="cassandra",
        cassandra_replication="{'class': 'SimpleStrategy', 'replication_factor': 1}",
        request_timeout=60,
    )


def rows_of(first: int) -> list[dict[str, Any]]:
    """100 rows as bench/wrk/data_api_write.lua writes them, from key `first`."""
    return [
        {"id": f"w{first:07d}-{i // 10}", "part": i % 10, "label": f"label {i}", "score": i, "active": i % 2 == 0}
        for i in range(INSERT_ROWS)
    ]


# ---- what each side must answer before its figures mean anything -----------------------------------------------


def command(client: httpx.Client, side: Side, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = client.post(side.url + path, json=body, headers=headers(side), timeout=30)
    answer.raise_for_status()
    found: dict[str, Any] = answer.json()
    if found.get("errors"):
        raise RuntimeError(f"{side.name}: {path} {next(iter(body))}: {found['errors']}")
    return found


def check(side: Side, rows_api: bool, page_size: int, tries: int = 20) -> None:
    """findOne finds its animal, insertMany writes 100 rows (and the NDJSON ingest, on ours), a walk reads 1,000."""
    with httpx.Client() as client:
        for attempt in range(tries):  # the real Data API's schema cache catches up with tables made over CQL
            try:
                found = command(
                    client, side, ANIMALS, {"findOne": {"filter": {"genus": "Point", "species": "s0000042"}}}
                )
                break
            except (RuntimeError, httpx.HTTPError):
                if attempt == tries - 1:
                    raise
                time.sleep(1)
        if (found.get("data", {}).get("document") or {}).get("sightings") != 42:
            raise RuntimeError(f"{side.name}: findOne answered {found}")
        inserted = command(client, side, f"/v1/{dataset.KEYSPACE}/{TABLE}", {"insertMany": {"documents": rows_of(0)}})
        if len(inserted["status"]["insertedIds"]) != INSERT_ROWS:
            raise RuntimeError(f"{side.name}: insertMany answered {inserted}")
        if rows_api:
            body = b"".join(orjson.dumps(row) + b"\n" for row in rows_of(1))
            answer = client.post(
                f"{side.url}/v2/keyspaces/{dataset.KEYSPACE}/{TABLE}",
                content=body,
                headers={"content-type": "application/x-ndjson"},
                timeout=30,
            )
            if answer.status_code != 200 or answer.json().get("written") != INSERT_ROWS:
                raise RuntimeError(f"{side.name}: the NDJSON ingest answered {answer.status_code} {answer.text[:500]}")
        for kind in ("find", "rows") if rows_api else ("find",):
            rows, pages = walk_once(client, side, kind, page_size)
            if rows != WALK_ROWS:
                raise RuntimeError(f"{side.name}: a {kind} walk read {rows} rows in {pages} pages")


# ---- the page walk ----------------------------------------------------------------------------------------------


def walk_once(client: httpx.Client, side: Side, kind: str, page_size: int) -> tuple[int, int]:
    """The first WALK_ROWS rows of the Point partition, page after page: (rows, pages)."""
    rows = pages = 0
    state: str | None = None
    while rows < WALK_ROWS:
        if kind == "find":
            options = {"pageState": state} if state else {}
            body = {"find": {"filter": {"genus": dataset.POINT}, **({"options": options} if options else {})}}
            data = command(client, side, ANIMALS, body)["data"]
            rows, state = rows + len(data["documents"]), data.get("nextPageState")
        else:
            params = {"page-size": str(page_size), **({"page-state": state} if state else {})}
            answer = client.get(f"{side.url}/v2/keyspaces/{dataset.KEYSPACE}/animals/{dataset.POINT}", params=params)
            answer.raise_for_status()
            page = answer.json()
            rows, state = rows + len(page["data"]), page.get("pageState")
        pages += 1
        if not state:
            break
    return rows, pages


def walks(side: Side, kind: str, page_size: int, seconds: float) -> dict[str, float]:
    """WALKERS clients walking for `seconds`: rows/s, the side's CPU per 1,000 rows, and the median walk's time."""
    deadline = time.monotonic() + seconds
    counts: list[tuple[int, int, float]] = []
    lock = threading.Lock()

    def walker() -> None:
        with httpx.Client(timeout=30) as client:
            while time.monotonic() < deadline:
                began = time.perf_counter()
                rows, pages = walk_once(client, side, kind, page_size)
                with lock:
                    counts.append((rows, pages, time.perf_counter() - began))

    cpu0, db0 = side.cpu(), side.db_cpu() if side.db_cpu else 0.0
    began = time.perf_counter()
    threads = [threading.Thread(target=walker) for _ in range(WALKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    rows = sum(r for r, _, _ in counts)
    thousands = max(1, rows) / 1000
    measured = {
        "rows": rows,
        "walks": len(counts),
        "pages_per_walk": statistics.median(p for _, p, _ in counts),
        "rows_per_s": rows / elapsed,
        "cpu_ms_per_1000": (side.cpu() - cpu0) * 1000 / thousands,
        "walk_ms": statistics.median(s for _, _, s in counts) * 1000,
    }
    if side.db_cpu:
        measured["db_cpu_ms_per_1000"] = (side.db_cpu() - db0) * 1000 / thousands
    return measured


# ---- the rounds -------------------------------------------------------------------------------------------------


def load(side: Side, work: Work, seconds: float) -> dict[str, float]:
    with environ(BENCH_TOKEN=side.auth, BENCH_BODY=work.body or None):
        return wrk(side.url, work.script, work.concurrency, seconds)


def rounds(sides: list[Side], page_size: int, seconds: float) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """ROUNDS rounds of every work and walk on every side that serves it; medians per side and work."""
    ours = sides[0]
    walk_kinds = [(ours, "find"), (ours, "rows"), *((side, "find") for side in sides[1:])]
    runs: dict[tuple[str, str], list[dict[str, Any]]] = {}
    walked: dict[tuple[str, str], list[dict[str, float]]] = {}
    for round_ in range(ROUNDS):
        for work in WORK:
            chosen = [side for side in sides if side is ours or work.peer]
            for side in chosen if round_ % 2 == 0 else chosen[::-1]:
                measured = measure(partial(load, side, work, seconds), side.cpu, side.db_cpu)
                runs.setdefault((side.name, work.name), []).append(measured)
        for side, kind in walk_kinds if round_ % 2 == 0 else walk_kinds[::-1]:
            walked.setdefault((side.name, kind), []).append(walks(side, kind, page_size, seconds))
        log(f"data_api: round {round_ + 1} of {ROUNDS} done")
    by_name = {work.name: work for work in WORK}
    requests = [summary(side, by_name[name], measured) for (side, name), measured in runs.items()]
    pages = [walk_summary(side, kind, page_size, measured) for (side, kind), measured in walked.items()]
    return requests, pages


def median(values: list[float]) -> float | None:
    kept = [v for v in values if v == v]  # wrk prints no percentile at very low rates: NaN
    return statistics.median(kept) if kept else None


def summary(side: str, work: Work, runs: list[dict[str, Any]]) -> dict[str, Any]:
    row: dict[str, Any] = {"side": side, "work": work.name, "concurrency": work.concurrency, "rows": work.rows}
    for key in ("rps", "cpu_ms", "db_cpu_ms", "p50_ms", "p99_ms"):
        row[key] = median([r[key] for r in runs if key in r])
    row["cpu_ms_min"] = min(r["cpu_ms"] for r in runs)
    row["rows_per_s"] = row["rps"] * work.rows
    row["errors"] = sum(r["errors"] for r in runs)
    row["runs"] = runs
    log(
        f"data_api, {side} {work.name} c={work.concurrency}: {row['rps']:,.0f} req/s "
        f"({row['rows_per_s']:,.0f} rows/s), "
        f"{row['cpu_ms']:.3f} ms CPU/req (min {row['cpu_ms_min']:.3f}), errors {row['errors']}"
    )
    return row


def walk_summary(side: str, kind: str, page_size: int, runs: list[dict[str, float]]) -> dict[str, Any]:
    label = "Data API find, pageState" if kind == "find" else f"rows API, page-size={page_size}, page-state"
    row: dict[str, Any] = {"side": side, "work": label, "kind": kind}
    for key in ("rows_per_s", "cpu_ms_per_1000", "db_cpu_ms_per_1000", "walk_ms", "pages_per_walk"):
        row[key] = median([r[key] for r in runs if key in r])
    row["cpu_ms_per_1000_min"] = min(r["cpu_ms_per_1000"] for r in runs)
    row["runs"] = runs
    log(f"data_api, {side} {label}: {row['rows_per_s']:,.0f} rows/s, {row['cpu_ms_per_1000']:.1f} ms CPU/1,000 rows")
    return row


# ---- the real Data API, opt-in ----------------------------------------------------------------------------------


def peer(warmup: float) -> Side:
    """The running real Data API, loaded with the same Point animals and write table through its own node, warm."""
    url, auth, cql = (os.environ.get(name) for name in ("DATA_API_URL", "DATA_API_TOKEN", "DATA_API_CQL"))
    if not (url and auth and cql):
        raise SystemExit(
            '--data-api needs a running Data API: eval "$(../shared/tools/data-api/start)" sets DATA_API_URL, '
            "DATA_API_TOKEN and DATA_API_CQL"
        )
    run_dir = Path(os.environ.get("DATA_API_CACHE", "/tmp/data-api-cache")) / "run"
    api, node = (int((run_dir / f"{name}.pid").read_text()) for name in ("data-api", "cassandra"))
    active = peer_settings(cql)
    log(f"data_api: loading the Point animals and {TABLE} into the real Data API's node ({cql})")
    dataset.load(active=active, partitions={})
    write_table(active)
    side = Side(PEER, url, partial(group_cpu_s, api), partial(group_cpu_s, node), auth=auth)
    check(side, rows_api=False, page_size=0)
    log(f"data_api: warming the real Data API's JIT for {warmup:g} s")
    for work in WORK:
        if work.peer:
            load(side, work, max(1, round(warmup / 2)))
    walks(side, "find", 0, max(1.0, warmup / 6))
    return side


def run(ctx: Context) -> None:
    write_table(dataset.settings())
    settings = load_settings()
    node = node_pid()
    service = start(
        "this service", "app.main:app", ctx.logs, tag="-data-api", ROWS_INGEST_CONCURRENCY=str(INSERT_MANY_IN_FLIGHT)
    )
    try:
        db_cpu: Callable[[], float] | None = partial(node_cpu_s, node) if node else None
        ours = Side(OURS, service.url, service.cpu_seconds, db_cpu, service=service)
        check(ours, rows_api=True, page_size=settings.data_api_page_size)
        sides = [ours]
        if ctx.args.data_api:
            sides.append(peer(ctx.args.data_api_warmup))
        for work in WORK:  # warm: prepared statements, connections, code paths
            load(ours, work, 2)
        requests, pages = rounds(sides, settings.data_api_page_size, ctx.args.seconds)
    finally:
        stop([service])
    ctx.results["data_api"] = {
        "requests": requests,
        "walks": pages,
        "peer": bool(ctx.args.data_api),
        "warmup_s": ctx.args.data_api_warmup if ctx.args.data_api else None,
        "rounds": ROUNDS,
        "walkers": WALKERS,
        "page_size": settings.data_api_page_size,
        "writes_in_flight_per_request": INSERT_MANY_IN_FLIGHT,
    }
