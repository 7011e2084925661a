"""bench/results/results.md, results.json and its plots: point reads and writes, streaming, the slow consumer, and
the targets of the issue they measure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from bench.report import plots
from bench.report.tables import cpu, find, ms, ratio, run_line, target_table, verdict

OURS = "a: this service"
BLOCKING = "b: blocking in async def (sample)"
THREADS = "c: def endpoints (thread pool)"
DRIVER = "d: driver alone (our bridge)"


def targets(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(what, target, measured, verdict) for every target of the issue."""
    point = results.get("point", [])
    out: list[tuple[str, str, str, str]] = []

    def rps(variant: str) -> float | None:
        row = find(point, work="read", concurrency=64, variant=variant)
        return row["rps"] if row else None

    for label, other, target in (
        ("blocking pattern (b)", BLOCKING, 3.0),
        ("thread-pool pattern (c)", THREADS, 1.5),
        ("driver alone (d)", DRIVER, 0.5),
    ):
        factor = ratio(rps(OURS), rps(other))
        shown = f"{factor:.2f}x" if factor is not None else "-"
        out.append((f"point reads c=64 vs {label}", f">= {target}x", shown, verdict(factor, target)))
    remote = results.get("remote", [])
    for label, other, target in (("blocking (b)", BLOCKING, 3.0), ("thread pool (c)", THREADS, 1.5)):
        ours, theirs = find(remote, variant=OURS), find(remote, variant=other)
        factor = ratio(ours["rps"] if ours else None, theirs["rps"] if theirs else None)
        if factor is not None:
            what = f"point reads c=64, database +{remote[0]['delay_ms']:g} ms, vs {label}"
            out.append((what, f">= {target}x", f"{factor:.2f}x", verdict(factor, target)))
    streams = results.get("streaming", [])
    for count in (100_000, 1_000_000):
        driver = find(streams, variant=DRIVER, rows=count)
        for framing in ("json", "ndjson"):
            ours = find(streams, variant=OURS, rows=count, framing=framing)
            factor = ratio(ours["rows_per_s"] if ours else None, driver["rows_per_s"] if driver else None)
            shown = f"{factor:.2f}x" if factor is not None else "-"
            out.append((f"stream {count:,} {framing} rows/s vs driver alone", ">= 0.7x", shown, verdict(factor, 0.7)))
    for framing in ("json", "ndjson"):
        ours = find(streams, variant=OURS, rows=1_000_000, framing=framing)
        growth = ours["rss_growth_mb"] if ours else None
        shown = f"{growth:.1f} MB" if growth is not None else "-"
        out.append((f"RSS growth, 1,000,000 rows {framing}", "< 30 MB", shown, verdict(growth, 30, at_most=True)))
    ttfb = results.get("ttfb")
    if ttfb:
        gap = ttfb["1,000,000 rows"] - ttfb["1 row"]
        out.append(
            (
                "time to first byte, 1M-row minus 1-row stream",
                "<= 50 ms",
                f"{gap:.1f} ms ({ttfb['1,000,000 rows']:.1f} vs {ttfb['1 row']:.1f})",
                verdict(gap, 50, at_most=True),
            )
        )
    slow = results.get("slow")
    if slow:
        out.append(
            ("slow consumer (~1 MB/s): RSS growth", "flat", f"max +{slow['max_rss_growth_mb']:.1f} MB", "see plot")
        )
        out.append(
            (
                "slow consumer: pages fetched ahead of sent",
                "1-2",
                f"max {slow['max_ahead']}",
                verdict(slow["max_ahead"], 2, at_most=True),
            )
        )
    return out


def markdown(results: dict[str, Any]) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"{run_line(results)}. Cassandra runs on the same 2 cores, "
        "beside other work: treat the numbers as noisy, the ratios as the result.",
        "",
        *target_table(targets(results)),
    ]
    point = results.get("point", [])
    if point:
        lines += [
            "",
            f"## Point reads and writes ({results['seconds_per_point']:g} s per point)",
            "",
            "CPU ms/req is the CPU time (user + system, all threads) of the process doing the work, divided by the "
            "requests it completed: the server process for HTTP variants, the client process for (d) and (e). "
            "On two shared cores it is steadier than req/s, and it is what bounds req/s once the cores are busy.",
            "",
            "| work | concurrency | variant | req/s | p50 ms | p99 ms | CPU ms/req | errors |",
            "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        lines += [
            f"| {r['work']} | {r['concurrency']} | {r['variant']} | {r['rps']:,.0f} | {ms(r['p50_ms'])} | "
            f"{ms(r['p99_ms'])} | {cpu(r.get('cpu_ms'))} | {r['errors']} |"
            for r in point
        ]
    remote = results.get("remote", [])
    if remote:
        lines += [
            "",
            f"## Point reads, database {remote[0]['delay_ms']:g} ms further away (bench/tools/delay_proxy.py)",
            "",
        ]
        lines += ["| variant | req/s | p50 ms | p99 ms | errors |", "| --- | ---: | ---: | ---: | ---: |"]
        lines += [
            f"| {r['variant']} | {r['rps']:,.0f} | {ms(r['p50_ms'])} | {ms(r['p99_ms'])} | {r['errors']} |"
            for r in remote
        ]
    streams = results.get("streaming", [])
    if streams:
        lines += [
            "",
            "## Streaming",
            "",
            "Runs: how many times each variant streamed those rows; the median run is shown (its rows/s and time "
            "to first byte together), and the largest RSS growth of all its runs.",
            "",
            "| rows | framing | variant | runs | rows/s | time to first byte ms | peak RSS - idle MB |",
            "| ---: | --- | --- | ---: | ---: | ---: | ---: |",
        ]
        for r in streams:
            growth = f"{r['rss_growth_mb']:.1f}" if "rss_growth_mb" in r else "-"
            lines.append(
                f"| {r['rows']:,} | {r['framing']} | {r['variant']} | {r.get('runs', 1)} | {r['rows_per_s']:,.0f} | "
                f"{r['ttfb_ms']:.1f} | {growth} |"
            )
    slow = results.get("slow")
    if slow:
        lines += [
            "",
            "## Slow consumer",
            "",
            f"A reader at {slow['rate_mb_s']:.2f} MB/s on the 1,000,000-row NDJSON stream for "
            f"{slow['seconds']:.0f} s ({slow['bytes'] / 1e6:.1f} MB read): the service's RSS grew at most "
            f"{slow['max_rss_growth_mb']:.1f} MB, {slow['pages_fetched']} pages were fetched in all, and pages "
            f"fetched but not yet handed to the server never exceeded {slow['max_ahead']}.",
        ]
    if results.get("encoding"):
        lines += [
            "",
            "## Encoding a page (bench/tools/orjson_framing.py, 1,000-row pages)",
            "",
            "| framing | rows | encoder | rows/s |",
            "| --- | --- | --- | ---: |",
        ]
        lines += [f"| {f} | {t} | {n} | {r:,.0f} |" for f, t, n, r in results["encoding"]]
    return "\n".join(lines) + "\n"


def draw(results: dict[str, Any], out: Path) -> None:
    if point := results.get("point", []):
        plots.point_lines(point, out / "point.png")
    if streams := results.get("streaming", []):
        fig, ax = plots.pyplot().subplots(figsize=(11, 4.5))
        labels = [f"{r['variant']}\n{r['rows']:,} {r['framing']}" for r in streams]
        plots.barh(ax, labels, [r["rows_per_s"] for r in streams], xlabel="rows/s", title="streaming throughput")
        plots.save(fig, out / "streaming.png")
    slow = results.get("slow")
    if slow and slow["samples"]:
        plots.slow_consumer(slow, out / "slow-consumer.png")


def write(results: dict[str, Any], out: Path) -> None:
    (out / "results.json").write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))
    (out / "results.md").write_text(markdown(results))
    draw(results, out)
