"""Results as Markdown tables with the issue's target ratios, and PNG plots (matplotlib, the `bench` extra)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

OURS = "a: this service"
BLOCKING = "b: blocking in async def (sample)"
THREADS = "c: def endpoints (thread pool)"
DRIVER = "d: driver alone (our bridge)"


def _find(table: list[dict[str, Any]], **match: Any) -> dict[str, Any] | None:
    return next((r for r in table if all(r.get(k) == v for k, v in match.items())), None)


def _ms(value: float | None) -> str:
    """Latency for a table: n/a where wrk printed no such percentile (stored as NaN, or null once in JSON)."""
    return "n/a" if value is None or value != value else f"{value:.2f}"


def _cpu(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def _verdict(value: float | None, target: float, *, at_most: bool = False) -> str:
    if value is None:
        return "not measured"
    met = value <= target if at_most else value >= target
    return "met" if met else "**missed**"


def targets(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(what, target, measured, verdict) for every target of the issue."""
    point = results.get("point", [])
    out: list[tuple[str, str, str, str]] = []

    def rps(variant: str) -> float | None:
        row = _find(point, work="read", concurrency=64, variant=variant)
        return row["rps"] if row else None

    for label, other, target in (
        ("blocking pattern (b)", BLOCKING, 3.0),
        ("thread-pool pattern (c)", THREADS, 1.5),
        ("driver alone (d)", DRIVER, 0.5),
    ):
        ratio = _ratio(rps(OURS), rps(other))
        shown = f"{ratio:.2f}x" if ratio is not None else "-"
        out.append((f"point reads c=64 vs {label}", f">= {target}x", shown, _verdict(ratio, target)))
    remote = results.get("remote", [])
    for label, other, target in (("blocking (b)", BLOCKING, 3.0), ("thread pool (c)", THREADS, 1.5)):
        ours, theirs = _find(remote, variant=OURS), _find(remote, variant=other)
        ratio = _ratio(ours["rps"] if ours else None, theirs["rps"] if theirs else None)
        if ratio is not None:
            what = f"point reads c=64, database +{remote[0]['delay_ms']:g} ms, vs {label}"
            out.append((what, f">= {target}x", f"{ratio:.2f}x", _verdict(ratio, target)))
    streams = results.get("streaming", [])
    for count in (100_000, 1_000_000):
        driver = _find(streams, variant=DRIVER, rows=count)
        for framing in ("json", "ndjson"):
            ours = _find(streams, variant=OURS, rows=count, framing=framing)
            ratio = _ratio(ours["rows_per_s"] if ours else None, driver["rows_per_s"] if driver else None)
            shown = f"{ratio:.2f}x" if ratio is not None else "-"
            out.append((f"stream {count:,} {framing} rows/s vs driver alone", ">= 0.7x", shown, _verdict(ratio, 0.7)))
    for framing in ("json", "ndjson"):
        ours = _find(streams, variant=OURS, rows=1_000_000, framing=framing)
        growth = ours["rss_growth_mb"] if ours else None
        shown = f"{growth:.1f} MB" if growth is not None else "-"
        out.append((f"RSS growth, 1,000,000 rows {framing}", "< 30 MB", shown, _verdict(growth, 30, at_most=True)))
    ttfb = results.get("ttfb")
    if ttfb:
        gap = ttfb["1,000,000 rows"] - ttfb["1 row"]
        out.append(
            (
                "time to first byte, 1M-row minus 1-row stream",
                "<= 50 ms",
                f"{gap:.1f} ms ({ttfb['1,000,000 rows']:.1f} vs {ttfb['1 row']:.1f})",
                _verdict(gap, 50, at_most=True),
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
                _verdict(slow["max_ahead"], 2, at_most=True),
            )
        )
    return out


def markdown(results: dict[str, Any]) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"Run {results['started']} on {results['machine']}; load average at start "
        f"{', '.join(f'{x:.1f}' for x in results['load_average'])}, at end "
        f"{', '.join(f'{x:.1f}' for x in results.get('load_average_end', ()))}. Cassandra runs on the same 2 cores, "
        "beside other work: treat the numbers as noisy, the ratios as the result.",
        "",
        "## Targets",
        "",
        "| what | target | measured | verdict |",
        "| --- | --- | --- | --- |",
    ]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in targets(results)]
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
            f"| {r['work']} | {r['concurrency']} | {r['variant']} | {r['rps']:,.0f} | {_ms(r['p50_ms'])} | "
            f"{_ms(r['p99_ms'])} | {_cpu(r.get('cpu_ms'))} | {r['errors']} |"
            for r in point
        ]
    remote = results.get("remote", [])
    if remote:
        lines += ["", f"## Point reads, database {remote[0]['delay_ms']:g} ms further away (bench/delay_proxy.py)", ""]
        lines += ["| variant | req/s | p50 ms | p99 ms | errors |", "| --- | ---: | ---: | ---: | ---: |"]
        lines += [
            f"| {r['variant']} | {r['rps']:,.0f} | {_ms(r['p50_ms'])} | {_ms(r['p99_ms'])} | {r['errors']} |"
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
            "## Encoding a page (bench/encoding.py, 1,000-row pages)",
            "",
            "| framing | rows | encoder | rows/s |",
            "| --- | --- | --- | ---: |",
        ]
        lines += [f"| {f} | {t} | {n} | {r:,.0f} |" for f, t, n, r in results["encoding"]]
    return "\n".join(lines) + "\n"


def plots(results: dict[str, Any], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    point = results.get("point", [])
    if point:
        fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
        for ax, work in zip(axes, ("read", "write"), strict=True):
            for variant in dict.fromkeys(r["variant"] for r in point):
                rows = [r for r in point if r["work"] == work and r["variant"] == variant]
                ax.plot([r["concurrency"] for r in rows], [r["rps"] for r in rows], marker="o", label=variant)
            ax.set_xscale("log", base=2)
            ax.set_xticks(list(dict.fromkeys(r["concurrency"] for r in point)))
            ax.get_xaxis().set_major_formatter(matplotlib.ticker.ScalarFormatter())
            ax.set_xlabel("concurrency")
            ax.set_ylabel("requests/s")
            ax.set_title(f"point {work}s")
            ax.grid(alpha=0.3)
        axes[0].legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(out / "point.png", dpi=110)
        plt.close(fig)
    streams = results.get("streaming", [])
    if streams:
        fig, ax = plt.subplots(figsize=(11, 4.5))
        labels = [f"{r['variant']}\n{r['rows']:,} {r['framing']}" for r in streams]
        ax.barh(labels, [r["rows_per_s"] for r in streams])
        ax.invert_yaxis()
        ax.set_xlabel("rows/s")
        ax.set_title("streaming throughput")
        ax.tick_params(axis="y", labelsize=7)
        fig.tight_layout()
        fig.savefig(out / "streaming.png", dpi=110)
        plt.close(fig)
    slow = results.get("slow")
    if slow and slow["samples"]:
        fig, ax = plt.subplots(figsize=(8, 4))
        t = [s["t"] for s in slow["samples"]]
        ax.plot(t, [s["rss_growth_mb"] for s in slow["samples"]], label="RSS - idle (MB)")
        ax.plot(t, [s["ahead"] for s in slow["samples"]], label="pages fetched ahead of sent")
        ax.set_xlabel("seconds")
        ax.set_title(f"slow consumer at {slow['rate_mb_s']:.2f} MB/s, 1,000,000-row NDJSON stream")
        ax.legend()
        ax.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(out / "slow-consumer.png", dpi=110)
        plt.close(fig)


def write(results: dict[str, Any], out: Path) -> None:
    (out / "results.md").write_text(markdown(results))
    plots(results, out)


def summarise_profile(raw: Path, out: Path, top: int = 20) -> None:
    """py-spy's collapsed stacks as two short tables: where the samples were (self), and what they were under."""
    own: Counter[str] = Counter()
    under: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        total += int(count)
        own[frames[-1]] += int(count)
        for frame in set(frames):
            under[frame] += int(count)
    lines = [
        f"# py-spy profile: {out.stem}",
        "",
        f"{total} samples (all threads).",
        "",
        "| self % | frame |",
        "| ---: | --- |",
    ]
    lines += [f"| {100 * n / total:.1f} | `{f}` |" for f, n in own.most_common(top)]
    lines += ["", "| inclusive % | frame |", "| ---: | --- |"]
    lines += [f"| {100 * n / total:.1f} | `{f}` |" for f, n in under.most_common(top)]
    out.write_text("\n".join(lines) + "\n")


def split_markdown(results: dict[str, Any]) -> str:
    """The `split` section: per thread role, CPU and context switches per request, GIL shares and top frames."""
    rows = results.get("split", [])
    lines = [
        "# Where a point read's CPU goes, per thread (point reads, c=64)",
        "",
        f"Run {results['started']} on {results['machine']}; load average at start "
        f"{', '.join(f'{x:.1f}' for x in results['load_average'])}, at end "
        f"{', '.join(f'{x:.1f}' for x in results.get('load_average_end', ()))}; "
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


AB_TITLES = {
    "cuts": "Per-request cuts, each undone (or tried) beside the service, point reads at c=64",
    "middleware": "The middleware chain, one middleware left out at a time, point reads at c=64",
    "astra": "Point reads at c=64 over TLS through the Astra stand-in's bundle, beside plain TCP to the shared node",
}


def ab_markdown(results: dict[str, Any], group: str) -> str:
    """An A/B group: medians of interleaved rounds, and each variant's CPU difference to its group's reference."""
    rows = results["ab"][group]
    lines = [
        f"# {AB_TITLES.get(group, group)}",
        "",
        f"Run {results['started']} on {results['machine']}; load average at start "
        f"{', '.join(f'{x:.1f}' for x in results['load_average'])}, at end "
        f"{', '.join(f'{x:.1f}' for x in results.get('load_average_end', ()))}; "
        f"{results['seconds_per_point']:g} s per HTTP run ((d) rows: bench/inproc.py, shorter runs, more rounds), "
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
