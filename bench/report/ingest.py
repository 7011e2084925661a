"""bench/results/ingest.md: bulk ingest through the service against the driver alone."""

from __future__ import annotations

import os
from typing import Any


def markdown(results: dict[str, Any], driver: dict[str, Any], service: dict[str, Any]) -> str:
    """The page, from ingest.json's fields and the median run of each variant."""
    repeats = results["repeats"]
    lines = [
        "# Bulk ingest: NDJSON through the service against the driver alone",
        "",
        f"Measured {results['date']} on {os.cpu_count()} CPUs shared with the Cassandra node, by `python -m "
        f"bench.sections.ingest`: {results['rows']:,} rows (10 per partition; text, int, boolean columns), "
        f"{results['concurrency']} writes in flight in both variants, {repeats} run(s) of each, alternating"
        + (" (medians)." if repeats > 1 else "."),
        "",
        "| variant | rows/s | seconds | CPU s (client or service process) | RSS growth, MiB |",
        "|---|---:|---:|---:|---:|",
    ]
    for run in (driver, service):
        growth = (
            f"{run['rss_growth_mb']:.1f} ({run['rss_before_mb']:.0f} -> {run['rss_peak_mb']:.0f})"
            if run["rss_growth_mb"] is not None
            else "-"
        )
        cpu = f"{run['cpu_seconds']:.1f}" if run["cpu_seconds"] is not None else "-"
        lines.append(f"| {run['variant']} | {run['rows_per_second']:,.0f} | {run['seconds']:.1f} | {cpu} | {growth} |")
    met = "met" if results["target_met"] else "not met"
    lines += [
        "",
        f"Ratio service / driver alone: **{results['ratio']:.2f}x** (target >= {results['target_ratio']}x: {met}).",
        "",
        "RSS growth is the service's VmHWM during its ingest, after a reset through /proc/<pid>/clear_refs, less its "
        "VmRSS when the ingest began (after a warm-up ingest). The driver-alone variant runs in the benchmark's own "
        "process and parses the same file with orjson; the service also validates every line as a single POST would.",
        "",
    ]
    if repeats > 1:
        lines.append("Every run (rows/s): ")
        for name, variant in results["runs"].items():
            lines.append(f"- {name}: " + ", ".join(f"{run['rows_per_second']:,.0f}" for run in variant))
        lines.append("")
    return "\n".join(lines)
