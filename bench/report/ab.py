"""bench/results/<group>.md and <group>.json for an A/B group (cuts, middleware, astra): medians of interleaved
rounds, and each variant's CPU difference to its group's reference."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from bench.report.tables import only, run_line


def write(results: dict[str, Any], group: str, out: Path) -> None:
    page = only(results, "ab")
    (out / f"{group}.json").write_bytes(orjson.dumps(page, option=orjson.OPT_INDENT_2))
    (out / f"{group}.md").write_text(markdown(page, group))


AB_TITLES = {
    "cuts": "Per-request cuts, each undone (or tried) beside the service, point reads at c=64",
    "middleware": "The middleware chain, one middleware left out at a time, point reads at c=64",
    "astra": "Point reads at c=64 over TLS through the Astra stand-in's bundle, beside plain TCP to the shared node",
}


def markdown(results: dict[str, Any], group: str) -> str:
    """An A/B group: medians of interleaved rounds, and each variant's CPU difference to its group's reference."""
    rows = results["ab"][group]
    lines = [
        f"# {AB_TITLES.get(group, group)}",
        "",
        f"{run_line(results)}; "
        f"{results['seconds_per_point']:g} s per HTTP run ((d) rows: bench/targets/inproc.py, shorter runs, "
        "more rounds), "
        "every variant once per round in a fresh random order. Noise on shared cores only ever adds CPU time, so "
        "the minimum over the rounds is the steadier estimate; delta is a variant's minimum minus its reference's "
        "(the first HTTP row, or the first (d) row), in microseconds: positive means the variant costs more. Node is "
        "the Cassandra node's CPU per request during the variant's runs (median); GC is the time the cyclic garbage "
        "collector ran, per request (median; (d) rows only).",
        "",
        "| variant | req/s | CPU ms/req (median) | min | delta us/req (min) | node CPU ms/req | GC us/req | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    reference: dict[str, float] = {}
    for r in rows:
        kind = "d" if r["variant"].startswith("d") else "a"
        low = r.get("cpu_ms_min", r["cpu_ms"])
        reference.setdefault(kind, low)
        delta = (low - reference[kind]) * 1000
        node = f"{r['db_cpu_ms']:.3f}" if "db_cpu_ms" in r else "-"
        gc_us = f"{r['gc_ms'] * 1000:.1f}" if "gc_ms" in r else "-"
        lines.append(
            f"| {r['variant']} | {r['rps']:,.0f} | {r['cpu_ms']:.3f} | {low:.3f} | {delta:+.0f} | {node} | {gc_us} "
            f"| {r.get('errors', 0):.0f} |"
        )
    runs = [f"{r['variant']}: " + ", ".join(f"{x['cpu_ms']:.3f}" for x in r["runs"]) for r in rows]
    lines += ["", "CPU ms/req of every round:", "", *[f"- {line}" for line in runs]]
    return "\n".join(lines) + "\n"
