"""bench/results/lean.md and lean.json: issue 22's before/after and same-database figures (bench/sections/lean.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from bench.report.tables import cpu, find, ms, only, ratio, run_line, target_table, times, verdict


def write(results: dict[str, Any], out: Path) -> None:
    """lean.md and lean.json; the parts a run did not measure (before/after, same database) are kept from the last."""
    page = only(results, "lean")
    previous = out / "lean.json"
    if previous.exists():
        page["lean"] = orjson.loads(previous.read_bytes()).get("lean", {}) | page["lean"]
    (out / "lean.json").write_bytes(orjson.dumps(page, option=orjson.OPT_INDENT_2))
    (out / "lean.md").write_text(markdown(page))


def _requests(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| side | work | c | req/s | CPU ms/req (median) | min | database CPU ms/req | p50 ms | p99 ms | errors |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {r['variant']} | {r['work']} | {r['concurrency']} | {r['rps']:,.0f} | {cpu(r['cpu_ms'])} "
            f"| {cpu(r['cpu_ms_min'])} | {cpu(r.get('db_cpu_ms'))} | {ms(r['p50_ms'])} | {ms(r['p99_ms'])} "
            f"| {r['errors']:.0f} |"
        )
    return lines


def _streams(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| side | stream | rows | rows/s | first byte ms | RSS growth MB | runs |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {r['variant']} | {r['work']} | {r['rows']:,} | {r['rows_per_s']:,.0f} | {ms(r['ttfb_ms'])} "
            f"| {r['rss_growth_mb']:.1f} | {r['runs']} |"
        )
    return lines


def _targets(lean: dict[str, Any]) -> list[str]:
    requests, streams = lean.get("requests", []), lean.get("streams", [])
    page = find(requests, variant="after", work="rows 1,000-row page")
    ndjson = [find(streams, variant=v, work="rows API NDJSON") for v in ("before", "after")]
    speedup = ratio(ndjson[1]["rows_per_s"], ndjson[0]["rows_per_s"]) if all(ndjson) else None  # type: ignore[index]
    rows: list[tuple[str, str, str, str]] = [
        ("1,000-row page, CPU in the service", "<= 1.3 ms", cpu(page and page["cpu_ms"]), ""),
        ("NDJSON 1M rows/s, after / before", ">= 1.2x", times(speedup), verdict(speedup, 1.2)),
    ]
    rows[0] = (*rows[0][:3], verdict(page and page["cpu_ms"], 1.3, at_most=True))
    for work in ("rows point read", "sample point read"):
        old, new = (find(requests, variant=v, work=work) for v in ("before", "after"))
        change = ratio(new and new["cpu_ms"], old and old["cpu_ms"])
        rows.append(
            (f"{work}, CPU after / before", "<= 1.0x (no slower)", times(change), verdict(change, 1.0, at_most=True))
        )
    return target_table(rows)


def markdown(results: dict[str, Any]) -> str:
    lean = results["lean"]
    lines = [
        "# Issue 22: the lean hot path, before and after, and on Stargate's own database",
        "",
        f"{run_line(results)}; {results['seconds_per_point']:g} s per run, 3 rounds, the sides' order reversed "
        "every other round. Two cores shared with every other process of the machine: noise only ever adds CPU, "
        "so the minimum beside the median is the steadier estimate of a side's own cost.",
        "",
    ]
    if "requests" in lean:
        lines += [f"## Before ({lean.get('before')}) and after, on our node", "", *_requests(lean["requests"]), ""]
        lines += [*_streams(lean["streams"]), "", *_targets(lean), ""]
    if "same_database" in lean:
        idle = lean.get("coordinator_idle_cpu_s_per_s", 0.0)
        lines += ["## On Stargate's own coordinator (the same database), 1 and 2 workers beside Stargate", ""]
        lines += [*_requests(lean["same_database"]), ""]
        lines += [
            f"The coordinator idles at {idle:.3f} CPU s/s with no load: per request that is idle / req/s, more for "
            "the slower side. Database CPU per request net of it:",
            "",
            *[
                f"- {r['variant']}, {r['work']}: {cpu(r['db_cpu_ms'] - r['db_idle_ms'])} ms"
                for r in lean["same_database"]
                if "db_cpu_ms" in r
            ],
            "",
        ]
    return "\n".join(lines) + "\n"
