"""bench/results/split.md and split.json: per thread role, CPU and context switches per request, GIL shares and
top frames."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from bench.report.tables import only, run_line


def write(results: dict[str, Any], out: Path) -> None:
    page = only(results, "split")
    (out / "split.json").write_bytes(orjson.dumps(page, option=orjson.OPT_INDENT_2))
    (out / "split.md").write_text(markdown(page))


def markdown(results: dict[str, Any]) -> str:
    """The `split` section: per thread role, CPU and context switches per request, GIL shares and top frames."""
    rows = results.get("split", [])
    lines = [
        "# Where a point read's CPU goes, per thread (point reads, c=64)",
        "",
        f"{run_line(results)}; "
        f"{results['seconds_per_point']:g} s per run. `scripts/bench --skip point,streaming,slow,profile` reruns it.",
        "",
        "CPU and context switches come from /proc/<pid>/task/<tid>/{stat,status} before and after the run, divided "
        "by the requests completed; the thread roles from the Python thread names (py-spy dump, or the client's own "
        "`threading.enumerate()`). `vol`/`invol` are voluntary and involuntary context switches per request. The "
        "node column is the Cassandra node's CPU per request over the same run. GIL shares come from a second run "
        "of the same load under `py-spy record --gil --threads` (samples taken only while some thread holds the GIL).",
        "",
        "| variant | DRIVER_IO | req/s | CPU ms/req | thread | CPU ms/req | vol/req | invol/req | GIL share |",
        "| --- | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        share = (r.get("gil") or {}).get("share", {})
        first = True
        for label, t in sorted(r.get("threads", {}).items(), key=lambda kv: -kv[1]["cpu_ms"]):
            if t["cpu_ms"] < 0.0005 and t["voluntary"] + t["involuntary"] < 0.01:
                continue
            head = f"| {r['variant']} | {r['io']} | {r['rps']:,.0f} | {r['cpu_ms']:.3f} |" if first else "| | | | |"
            gil = f"{100 * share[label]:.0f} %" if label in share else "-"
            lines.append(
                f"{head} {label} | {t['cpu_ms']:.3f} | {t['voluntary']:.2f} | {t['involuntary']:.2f} | {gil} |"
            )
            first = False
        if "db_cpu_ms" in r:
            lines.append(f"| | | | | Cassandra node (whole process) | {r['db_cpu_ms']:.3f} | | | |")
    lines += ["", "## Top frames holding the GIL, per thread role", ""]
    for r in rows:
        gil = r.get("gil")
        if not gil:
            continue
        lines += [f"### {r['variant']}, DRIVER_IO={r['io']} ({gil['samples']} samples)", ""]
        lines += ["| thread | % of GIL samples | frame (self) |", "| --- | ---: | --- |"]
        for label, frames in gil["top"].items():
            for frame, fraction in frames[:6]:
                lines.append(f"| {label} | {100 * fraction:.1f} | `{frame}` |")
        lines.append("")
    return "\n".join(lines) + "\n"
