"""bench/results/rows.md, rows.json and rows.png: the rows API's figures and issue 10's targets, met or not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from bench.report import plots
from bench.report.tables import find, ratio, target_table, times, verdict


def targets(rows: dict[str, Any], ingest: dict[str, Any] | None) -> list[tuple[str, str, str, str]]:
    """(what, target, measured, verdict) for every target of the rows API issue."""
    requests, streams, peer = rows.get("requests", []), rows.get("streams", []), rows.get("stargate", [])
    out: list[tuple[str, str, str, str]] = []
    sample = find(requests, variant="a: sample point read")
    point = find(requests, variant="a: rows point read")
    if sample and point:
        extra = point["cpu_ms"] / sample["cpu_ms"] - 1
        out.append(
            (
                "rows point read CPU vs sample endpoint's",
                "within +10%",
                f"{extra:+.1%}",
                verdict(extra, 0.10, at_most=True),
            )
        )
    for count in (100_000, 1_000_000):
        ours = find(streams, variant="a: rows API NDJSON", rows=count)
        driver = find(streams, variant="d: driver alone (our bridge)", rows=count)
        factor = ratio(ours["rows_per_s"] if ours else None, driver["rows_per_s"] if driver else None)
        out.append((f"rows NDJSON stream of {count:,} vs driver alone", ">= 0.8x", times(factor), verdict(factor, 0.8)))
    for work, target, stretch in (("point read", 0.5, 1.0), ("1,000-row page", 1.0, None)):
        ours, theirs = find(peer, variant="a: rows API", work=work), find(peer, variant="Stargate", work=work)
        factor = ratio(ours["rps"] if ours else None, theirs["rps"] if theirs else None)
        shown = times(factor) if peer else "not run (--stargate)"
        judged = verdict(factor, target) if peer else "not measured"
        if stretch and factor is not None:
            judged += f"; stretch {stretch}x: {verdict(factor, stretch)}"
        out.append((f"rows {work} req/s vs warm Stargate", f">= {target}x", shown, judged))
    if ingest:
        out.append(
            (
                f"bulk ingest of {ingest['rows']:,} NDJSON rows vs driver alone",
                ">= 0.5x, flat memory",
                f"{ingest['ratio']:.2f}x, RSS +{ingest['service_rss_growth_mb']:.1f} MiB",
                verdict(ingest["ratio"], 0.5),
            )
        )
    return out


def markdown(results: dict[str, Any], ingest: dict[str, Any] | None) -> str:
    rows = results["rows"]
    lines = [
        "# The rows API beside the sample endpoints (and the real Stargate, with --stargate)",
        "",
        f"Run {results['started']} on {results['machine']}; load average at start "
        + ", ".join(f"{v:.1f}" for v in results["load_average"])
        + ". One service process (the shipped app, 1 uvicorn worker, uvloop, httptools) serves both the sample's "
        "paths and the rows API's; requests alternate round by round. Figures are medians over the rounds; "
        "CPU is the HTTP process's user+system time per request (all threads), database CPU is the Cassandra "
        "node's (Stargate: its coordinator with embedded Cassandra 4.0).",
        "",
        *target_table(targets(rows, ingest)),
        "",
        "## Requests (wrk, keys at random among 10,000 Point animals; the page is the first 1,000 of 100,000 plants)",
        "",
        "| variant | c | req/s | CPU ms/req (median) | min | database CPU ms/req | p99 ms | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows.get("requests", []) + [
        dict(r, variant=f"{r['variant']}, {r['work']}") for r in rows.get("stargate", [])
    ]:
        lines.append(
            f"| {r['variant']} | {r['concurrency']} | {r['rps']:,.0f} | {r['cpu_ms']:.3f} | {r['cpu_ms_min']:.3f} "
            f"| {r['db_cpu_ms']:.3f} | {r['p99_ms']:.1f} | {r['errors']} |"
        )
    if rows.get("stargate"):
        lines += ["", f"Stargate v2.0.51 was warmed for {rows['stargate_warmup_s']:g} s of the same requests first."]
    lines += [
        "",
        "## Whole partitions as NDJSON (curl; 100,000 rows: median of 3 runs)",
        "",
        "| variant | rows | rows/s | first byte ms | RSS growth MiB |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for r in rows.get("streams", []):
        growth = f"{r['rss_growth_mb']:.1f}" if "rss_growth_mb" in r else "-"
        lines.append(f"| {r['variant']} | {r['rows']:,} | {r['rows_per_s']:,.0f} | {r['ttfb_ms']:.1f} | {growth} |")
    if ingest:
        lines += ["", f"Bulk ingest: see [ingest.md](ingest.md) ({ingest['date']})."]
    return "\n".join(lines) + "\n"


def plot(rows: dict[str, Any], out: Path) -> None:
    requests = rows.get("requests", []) + [
        dict(r, variant=f"{r['variant']}, {r['work']}") for r in rows.get("stargate", [])
    ]
    streams = rows.get("streams", [])
    fig, (left, right) = plots.pyplot().subplots(1, 2, figsize=(13, 4.5))
    labels = [f"{r['variant']} c={r['concurrency']}" for r in requests]
    plots.barh(left, labels, [r["rps"] for r in requests], xlabel="requests/s", title="point reads and 1,000-row pages")
    labels = [f"{r['variant']}\n{r['rows']:,}" for r in streams]
    plots.barh(right, labels, [r["rows_per_s"] for r in streams], xlabel="rows/s", title="NDJSON streams")
    plots.save(fig, out / "rows.png")


def write(results: dict[str, Any], out: Path) -> None:
    ingest_file = out / "ingest.json"
    ingest = orjson.loads(ingest_file.read_bytes()) if ingest_file.exists() else None
    keys = ("started", "machine", "load_average", "load_average_end", "seconds_per_point", "rows")
    (out / "rows.json").write_bytes(orjson.dumps({k: results.get(k) for k in keys}, option=orjson.OPT_INDENT_2))
    (out / "rows.md").write_text(markdown(results, ingest))
    plot(results["rows"], out)
