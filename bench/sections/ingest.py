"""Bulk ingest, measured: 1,000,000 NDJSON rows through the service, and through the driver alone, side by side.

    python -m bench.sections.ingest [--rows 1000000] [--concurrency 64] [--repeats 1]

Both load the same NDJSON file into a table of the same shape (one each, emptied first), with the same prepared
INSERT text, the same write consistency and the same number of writes in flight:

* the service: one `POST /v2/keyspaces/bench/ingest_service` with `Content-Type: application/x-ndjson`, the file
  streamed from disk in 64 KiB chunks, against a uvicorn subprocess (1 worker, uvloop, httptools, as every HTTP variant
  of the benchmark) with ROWS_INGEST_CONCURRENCY set to the concurrency;
* the driver alone: this process reads the same file line by line, parses each line with orjson and writes it with
  `cassandra.concurrent.execute_concurrent_with_args` at the same concurrency (results not kept).

It reports rows/s for both, their ratio (issue 10's target: the service at >= 0.5x the driver alone), and the
service's peak RSS growth during its ingest: VmHWM from /proc/<pid>/status after resetting it through
/proc/<pid>/clear_refs, less VmRSS at that moment. The service is warmed first (statements prepared, code paths
run). With --repeats N each variant runs N times, alternating, and the medians count. Results go to
bench/results/ingest.json and bench/results/ingest.md.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
import orjson
from cassandra.cluster import Session
from cassandra.concurrent import execute_concurrent_with_args
from cassandra.query import UNSET_VALUE

from app.config import load_settings
from app.db.cluster import connect, default_consistency
from app.db.schema import apply_schema
from bench import dataset
from bench.harness.common import LOGS, PYTHON, RESULTS, ROOT, log
from bench.harness.context import Context
from bench.harness.service import Service, start, stop
from bench.report.ingest import markdown

SERVICE_TABLE, DRIVER_TABLE = "ingest_service", "ingest_driver"
COLUMNS = ("id", "part", "label", "score", "active")
SHAPE = "id text, part int, label text, score int, active boolean, PRIMARY KEY ((id), part)"
ROWS_PER_PARTITION = 10
CHUNK = 65536
WARM_ROWS = 5000
TARGET = 0.5


def write_rows(path: Path, rows: int, *, start: int = 0) -> None:
    """`rows` NDJSON lines: 10 rows per partition, a short text, an int and a boolean each (~80 bytes a line)."""
    with path.open("wb") as out:
        for i in range(start, start + rows):
            row = {"id": f"r{i // ROWS_PER_PARTITION:07d}", "part": i % ROWS_PER_PARTITION}
            row.update(label=f"label {i}", score=i % 1000, active=i % 2 == 0)
            out.write(orjson.dumps(row) + b"\n")


def chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            yield chunk


def insert_cql(table: str) -> str:
    """The text the service prepares for the table (`app.rows.cql.insert`): every column, TTL and timestamp bound."""
    names = ", ".join(COLUMNS)
    marks = ", ".join("?" for _ in COLUMNS)
    return f"INSERT INTO {dataset.KEYSPACE}.{table} ({names}) VALUES ({marks}) USING TTL ? AND TIMESTAMP ?"


# ---- the service ----------------------------------------------------------------------------------------------


def start_service(concurrency: int) -> Service:
    """The shipped app, serving the benchmark's keyspace to the rows API, ROWS_INGEST_CONCURRENCY writes in flight."""
    env = {"ROWS_KEYSPACES": dataset.KEYSPACE, "ROWS_INGEST_CONCURRENCY": str(concurrency)}
    LOGS.mkdir(parents=True, exist_ok=True)
    return start("the service", "app.main:app", LOGS, tag="-ingest", strip=("ASTRA_DB_", "CASSANDRA_", "ROWS_"), **env)


@dataclass
class Run:
    variant: str
    rows: int
    seconds: float
    rows_per_second: float
    cpu_seconds: float | None = None
    rss_before_mb: float | None = None
    rss_peak_mb: float | None = None
    rss_growth_mb: float | None = None


def post(service: Service, path: Path) -> dict[str, object]:
    url = f"{service.url}/v2/keyspaces/{dataset.KEYSPACE}/{SERVICE_TABLE}"
    response = httpx.post(url, content=chunks(path), headers={"content-type": "application/x-ndjson"}, timeout=None)
    answer: dict[str, object] = response.json()
    if response.status_code != 200 or answer.get("refused"):
        raise RuntimeError(f"the ingest failed: {response.status_code} {response.text[:2000]}")
    return answer


def through_service(service: Service, path: Path, rows: int) -> Run:
    service.reset_peak()
    before = service.rss_mb("VmRSS")
    cpu = service.cpu_seconds()
    started = time.perf_counter()
    answer = post(service, path)
    seconds = time.perf_counter() - started
    peak = service.rss_mb("VmHWM")
    if answer["written"] != rows:
        raise RuntimeError(f"the service wrote {answer['written']} rows of {rows}")
    return Run(
        "service (POST, NDJSON body)",
        rows,
        seconds,
        rows / seconds,
        cpu_seconds=service.cpu_seconds() - cpu,
        rss_before_mb=before,
        rss_peak_mb=peak,
        rss_growth_mb=peak - before,
    )


# ---- the driver alone ------------------------------------------------------------------------------------------


def parameters(path: Path) -> Iterator[tuple[object, ...]]:
    with path.open("rb") as handle:
        for raw in handle:
            row = orjson.loads(raw)
            yield (*(row.get(name, UNSET_VALUE) for name in COLUMNS), UNSET_VALUE, UNSET_VALUE)


def through_driver(session: Session, write_cl: int, path: Path, rows: int, concurrency: int) -> Run:
    statement = session.prepare(insert_cql(DRIVER_TABLE))
    statement.consistency_level = write_cl
    statement.is_idempotent = True
    cpu = time.process_time()
    started = time.perf_counter()
    written = 0
    results = execute_concurrent_with_args(
        session, statement, parameters(path), concurrency=concurrency, raise_on_first_error=True, results_generator=True
    )
    for _ in results:
        written += 1
    seconds = time.perf_counter() - started
    if written != rows:
        raise RuntimeError(f"the driver wrote {written} rows of {rows}")
    return Run("driver alone (execute_concurrent)", rows, seconds, rows / seconds, time.process_time() - cpu)


# ---- the run ---------------------------------------------------------------------------------------------------


def empty_tables(session: Session) -> None:
    for table in (SERVICE_TABLE, DRIVER_TABLE):
        session.execute(f"TRUNCATE {dataset.KEYSPACE}.{table}", timeout=120)


def spot_check(session: Session, rows: int) -> None:
    """A few rows of each table, read back: the first, the last and one in the middle."""
    for table in (SERVICE_TABLE, DRIVER_TABLE):
        for i in (0, rows // 2, rows - 1):
            key, part = f"r{i // ROWS_PER_PARTITION:07d}", i % ROWS_PER_PARTITION
            found = session.execute(
                f"SELECT label FROM {dataset.KEYSPACE}.{table} WHERE id = %s AND part = %s", (key, part)
            ).one()
            if found is None or found["label"] != f"label {i}":
                raise RuntimeError(f"row {i} is missing from {table}: {found}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--concurrency", type=int, default=load_settings().rows_ingest_concurrency)
    parser.add_argument("--repeats", type=int, default=1, help="runs of each variant, alternating; medians count")
    parser.add_argument("--out", type=Path, default=RESULTS / "ingest", help="results path without extension")
    args = parser.parse_args()

    settings = load_settings(cassandra_keyspace=dataset.KEYSPACE, request_timeout=60)
    cluster, session = connect(settings)
    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    service: Service | None = None
    try:
        apply_schema(session, settings, keyspace=dataset.KEYSPACE, sample_data=False)
        for table in (SERVICE_TABLE, DRIVER_TABLE):
            session.execute(f"CREATE TABLE IF NOT EXISTS {dataset.KEYSPACE}.{table} ({SHAPE})", timeout=60)
        _, write_cl = default_consistency(settings, cluster)
        body, warm = work / "rows.ndjson", work / "warm.ndjson"
        write_rows(body, args.rows)
        write_rows(warm, WARM_ROWS, start=args.rows)  # other keys: the warm-up rows are not counted again
        log(f"{args.rows:,} rows in {body} ({body.stat().st_size / 1e6:.0f} MB); concurrency {args.concurrency}")

        service = start_service(args.concurrency)
        post(service, warm)
        list(execute_concurrent_with_args(session, session.prepare(insert_cql(DRIVER_TABLE)), parameters(warm)))
        runs: dict[str, list[Run]] = {"driver": [], "service": []}
        for repeat in range(args.repeats):
            empty_tables(session)
            for name in ("driver", "service") if repeat % 2 == 0 else ("service", "driver"):
                if name == "driver":
                    run = through_driver(session, write_cl, body, args.rows, args.concurrency)
                else:
                    run = through_service(service, body, args.rows)
                log(f"{run.variant}: {run.rows_per_second:,.0f} rows/s ({run.seconds:.1f} s)")
                runs[name].append(run)
            spot_check(session, args.rows)
    finally:
        if service is not None:
            stop([service])
        cluster.shutdown()
        shutil.rmtree(work, ignore_errors=True)
    write(args, runs)


def median_of(runs: list[Run]) -> Run:
    return sorted(runs, key=lambda run: run.rows_per_second)[len(runs) // 2]


def write(args: argparse.Namespace, runs: dict[str, list[Run]]) -> None:
    driver, service = median_of(runs["driver"]), median_of(runs["service"])
    ratio = service.rows_per_second / driver.rows_per_second
    results = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "rows": args.rows,
        "concurrency": args.concurrency,
        "repeats": args.repeats,
        "driver_rows_per_second": round(driver.rows_per_second),
        "service_rows_per_second": round(service.rows_per_second),
        "ratio": round(ratio, 3),
        "target_ratio": TARGET,
        "target_met": ratio >= TARGET,
        "service_rss_growth_mb": round(service.rss_growth_mb or 0.0, 1),
        "runs": {name: [asdict(run) for run in variant] for name, variant in runs.items()},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2) + b"\n")
    args.out.with_suffix(".md").write_text(markdown(results, asdict(driver), asdict(service)))
    log(f"ratio {ratio:.2f}x; service RSS growth {service.rss_growth_mb:.1f} MiB; {args.out}.md")


def run(ctx: Context) -> None:
    """In a process of its own: the driver-alone variant runs in it, and its CPU is measured there."""
    log("ingest: python -m bench.sections.ingest (1,000,000 NDJSON rows, service and driver alone)")
    subprocess.run([PYTHON, "-m", "bench.sections.ingest"], cwd=ROOT, check=True)


if __name__ == "__main__":
    main()
