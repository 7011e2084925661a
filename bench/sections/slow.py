"""A slow consumer (~1 MB/s) on the 1,000,000-row NDJSON stream: the service's RSS, and how far the pages fetched
from the driver run ahead of the pages sent, sampled from its own /metrics."""

from __future__ import annotations

import re
import subprocess
import time

import httpx
import orjson

from bench import dataset
from bench.harness.common import PYTHON, ROOT, log
from bench.harness.context import Context
from bench.targets.http import OURS


def page_counters(url: str) -> dict[str, float]:
    """NDJSON pages fetched from the driver and handed to the server so far, from the service's own /metrics."""
    text = httpx.get(f"{url}/metrics", timeout=10).text
    found = {"fetched": 0.0, "streamed": 0.0}
    for key, name in (("fetched", "app_pages_fetched_total"), ("streamed", "app_pages_sent_total")):
        match = re.search(rf'^{name}{{framing="ndjson"}} (\S+)$', text, re.M)
        found[key] = float(match.group(1)) if match else 0.0
    return found


def run(ctx: Context) -> None:
    ours = ctx.shared[OURS]
    seconds = ctx.args.slow_seconds
    time.sleep(1)
    idle = ours.rss_mb()
    base = page_counters(ours.url)
    samples: list[dict[str, float]] = []
    url = f"{ours.url}/plant/{dataset.MILLION}?format=ndjson"
    command = [PYTHON, "-m", "bench.tools.slow_reader", url, str(1_000_000), f"{seconds:g}"]
    reader = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    started = time.monotonic()
    while reader.poll() is None:
        pages = page_counters(ours.url)
        fetched = max(0, pages["fetched"] - base["fetched"])
        streamed = pages["streamed"] - base["streamed"]
        samples.append(
            {
                "t": time.monotonic() - started,
                "rss_growth_mb": ours.rss_mb() - idle,
                "fetched": fetched,
                "streamed": streamed,
                "ahead": fetched - streamed,
            }
        )
        time.sleep(0.5)
    out = orjson.loads((reader.stdout.read() if reader.stdout else "{}").strip() or "{}")
    steady = [s for s in samples if s["t"] > 1]
    slow = ctx.results["slow"] = {
        "samples": samples,
        "bytes": out.get("bytes", 0),
        "seconds": out.get("seconds", 0),
        "rate_mb_s": out.get("bytes", 0) / max(out.get("seconds", 1), 1e-9) / 1e6,
        "max_rss_growth_mb": max((s["rss_growth_mb"] for s in samples), default=0),
        "max_ahead": max((s["ahead"] for s in steady), default=0),
        "pages_fetched": samples[-1]["fetched"] if samples else 0,
    }
    log(
        f"slow consumer: {slow['rate_mb_s']:.2f} MB/s, rss +{slow['max_rss_growth_mb']:.1f} MB,"
        f" pages ahead ≤ {slow['max_ahead']}"
    )
