"""The benchmark, in one run: (a) this service against (b) the sample's blocking pattern, (c) thread-pool endpoints,
(d) the driver alone through our bridge and (e) acsylla alone; then streaming and a slow consumer.

    python -m bench [--seconds 5] [--slow-seconds 15] [--skip SECTIONS] [--remote] [--astra] [--stargate] ...

Every HTTP variant runs under the same uvicorn settings (1 worker, uvloop, httptools, no access log); the load comes
from a separate process (wrk, curl, or a small client of ours). Results go to bench/results/. The sections run in
the order of SECTIONS; each is a module of bench/sections/ with `run(ctx)`.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

from bench import dataset
from bench.harness.common import LOGS, RESULTS, log
from bench.harness.context import Context
from bench.harness.service import services
from bench.report import ab as ab_report
from bench.report import data_api as data_api_report
from bench.report import identity as identity_report
from bench.report import lean as lean_report
from bench.report import results as results_report
from bench.report import rows as rows_report
from bench.report import split as split_report
from bench.sections import ab, data_api, identity, ingest, lean, point, profile, remote, rows, slow, split, streaming
from bench.targets.http import HTTP_VARIANTS
from bench.tools import orjson_framing


@dataclass(frozen=True)
class Section:
    name: str
    run: Callable[[Context], None]
    write: Callable[[dict[str, Any]], None] | None = None  # its own results file, written as soon as it ends
    shared: bool = False  # measures the shared services (HTTP_VARIANTS), started once for all such sections
    opt_in: str | None = None  # the flag that turns it on; the others run unless --skip names them
    data: bool = True  # reads the benchmark's data set (bench/dataset.py), loaded before the first such section


SECTIONS = (
    Section("remote", remote.run, opt_in="remote"),
    Section("lean", lean.before_after, lambda results: lean_report.write(results, RESULTS), opt_in="before"),
    Section("same-db", lean.same_database, lambda results: lean_report.write(results, RESULTS), opt_in="stargate"),
    Section("split", split.run, lambda results: split_report.write(results, RESULTS)),
    Section("cuts", ab.cuts, lambda results: ab_report.write(results, "cuts", RESULTS)),
    Section("middleware", ab.middleware, lambda results: ab_report.write(results, "middleware", RESULTS)),
    Section("astra", ab.astra, lambda results: ab_report.write(results, "astra", RESULTS), opt_in="astra"),
    Section("point", point.run, shared=True),
    Section("streaming", streaming.run, shared=True),
    Section("slow", slow.run, shared=True),
    Section("profile", profile.run, shared=True),
    Section("rows", rows.run, shared=True),
    Section("ingest", ingest.run, data=False),  # writes tables of its own
    # the Data API face beside the rows API; with --data-api, beside the real Data API on its own node
    Section("data_api", data_api.run, lambda results: data_api_report.write(results, RESULTS)),
    # on the auth node of the tests (127.0.0.51), started for it
    Section("identity", identity.run, lambda results: identity_report.write(results, RESULTS), data=False),
)
SKIPPABLE = tuple(section.name for section in SECTIONS if section.opt_in is None)
# Pages written once every section has run, when one of theirs ran: rows.md reads ingest.json.
PAGES: tuple[tuple[frozenset[str], Callable[[dict[str, Any]], None], str], ...] = (
    (frozenset({"rows"}), lambda results: rows_report.write(results, RESULTS), "rows.md, rows.json and rows.png"),
    (
        frozenset({"point", "streaming", "slow", "profile"}),
        lambda results: results_report.write(results, RESULTS),
        "results.md, results.json and *.png",
    ),
)


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/bench")
    parser.add_argument("--seconds", type=float, default=5, help="length of each point measurement")
    parser.add_argument("--slow-seconds", type=float, default=15, help="length of the slow-consumer run")
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        help=f"sections to leave out, comma-separated or repeated: {','.join(SKIPPABLE)}",
    )
    parser.add_argument(
        "--io", default="libev", help="DRIVER_IO values the split section compares, comma-separated (libev,loop)"
    )
    parser.add_argument("--remote", action="store_true", help="also point reads through bench/tools/delay_proxy.py")
    parser.add_argument(
        "--astra",
        action="store_true",
        help="also point reads over TLS through a running Astra stand-in (scripts/astra-local start) beside TCP",
    )
    parser.add_argument("--delay-ms", type=float, default=2, help="added round-trip time for --remote")
    parser.add_argument(
        "--stargate",
        action="store_true",
        help="rows API beside a running Stargate (STARGATE_URL, STARGATE_TOKEN, STARGATE_CQL from its start script)",
    )
    parser.add_argument("--stargate-warmup", type=float, default=60, help="seconds of load that warm Stargate's JIT")
    parser.add_argument(
        "--data-api",
        action="store_true",
        help="data_api beside a running real Data API (DATA_API_URL, DATA_API_TOKEN, DATA_API_CQL from its start)",
    )
    parser.add_argument(
        "--data-api-warmup", type=float, default=60, help="seconds of load that warm the Data API's JIT"
    )
    parser.add_argument(
        "--before",
        metavar="DIR",
        help="also issue 22's before/after: the service from DIR (a checkout, e.g. of main) beside this tree",
    )
    args = parser.parse_args(argv)
    args.skip = {name for value in args.skip for name in value.split(",") if name}
    if unknown := args.skip - set(SKIPPABLE):
        parser.error(f"--skip: unknown section(s) {', '.join(sorted(unknown))}; sections are {', '.join(SKIPPABLE)}")
    return args


def chosen(args: argparse.Namespace) -> list[Section]:
    return [s for s in SECTIONS if (getattr(args, s.opt_in) if s.opt_in else s.name not in args.skip)]


def main(argv: list[str]) -> None:
    args = parse(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    LOGS.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}",
        "load_average": os.getloadavg(),
        "seconds_per_point": args.seconds,
        "encoding": [list(r) for r in orjson_framing.measure()],
    }
    ctx = Context(args, LOGS, results)
    ran: set[str] = set()
    loaded = False
    with ExitStack() as shared:
        for section in chosen(args):
            if section.data and not loaded:
                log("loading the benchmark's data set (keyspace bench) where missing")
                dataset.load()
                loaded = True
            if section.shared and not ctx.shared:
                ctx.shared = shared.enter_context(services(LOGS, HTTP_VARIANTS))
            elif not section.shared and ctx.shared:
                shared.close()  # the shared services are done: what follows runs its own
                ctx.shared = {}
            section.run(ctx)
            ran.add(section.name)
            if section.write:
                section.write(results)
                log(f"{section.name}: bench/results/{section.name}.md and {section.name}.json")
    results["load_average_end"] = os.getloadavg()
    for sections, write, files in PAGES:
        if sections & ran:
            write(results)
            log(f"bench/results/: {files}")


if __name__ == "__main__":
    main(sys.argv[1:])
