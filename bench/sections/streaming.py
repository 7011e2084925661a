"""Whole partitions of 100,000 and 1,000,000 plants, JSON and NDJSON: the service beside the sample's sync generator
and the clients with no HTTP; then the time to the first byte of a 1-row and of a 1,000,000-row stream."""

from __future__ import annotations

import statistics
import time
from typing import Any

from bench import dataset
from bench.harness.common import log
from bench.harness.context import Context
from bench.harness.load import client, first_byte_ms, median_run, streamed
from bench.targets.http import OURS

SAMPLE = "b: blocking in async def (sample)"
STREAM_ROWS = {100_000: dataset.HUNDRED_K, 1_000_000: dataset.MILLION}
# A 100,000-row stream lasts ~0.4 s: one run is at the mercy of whatever else the two cores do at that moment, so
# every variant streams it three times and the median run counts. The 1,000,000-row streams last seconds.
STREAM_REPEATS = {100_000: 3, 1_000_000: 1}
CLIENTS = (
    ("d: driver alone (our bridge)", "driver"),
    ("driver alone (sync ResultSet)", "sync-driver"),
    ("e: acsylla alone", "acsylla"),
)


def run(ctx: Context) -> None:
    rows: list[dict[str, Any]] = ctx.results.setdefault("streaming", [])
    ours = ctx.shared[OURS]
    for count, genus in STREAM_ROWS.items():
        for framing in ("json", "ndjson"):
            for label, service in ((OURS, ours), ("sample's sync generator", ctx.shared[SAMPLE])):
                path = f"/plant/{genus}?format={framing}"
                measured, growth, runs = streamed(service, path, STREAM_REPEATS[count])
                entry = {"variant": label, "rows": count, "framing": framing, **measured}
                entry |= {"rows_per_s": count / measured["seconds"], "rss_growth_mb": growth, "runs": runs}
                rows.append(entry)
                log(
                    f"stream {count:,} {framing} {label}: {entry['rows_per_s']:,.0f} rows/s, "
                    f"ttfb {measured['ttfb_ms']:.1f} ms, rss +{growth:.1f} MB"
                )
        for label, kind in CLIENTS:
            measured = median_run(
                [client(kind, "stream", "--genus", genus) for _ in range(STREAM_REPEATS[count])], "rows_per_s"
            )
            rows.append({"variant": label, "rows": count, "framing": "-", **measured, "runs": STREAM_REPEATS[count]})
            log(f"stream {count:,} {label}: {measured['rows_per_s']:,.0f} rows/s, ttfb {measured['ttfb_ms']:.1f} ms")
    first: dict[str, list[float]] = {"1 row": [], "1,000,000 rows": []}
    for _ in range(7):
        first["1 row"].append(first_byte_ms(f"{ours.url}/plant/{dataset.ONE}?format=ndjson"))
        first["1,000,000 rows"].append(first_byte_ms(f"{ours.url}/plant/{dataset.MILLION}?format=ndjson"))
        time.sleep(0.3)
    ctx.results["ttfb"] = {name: statistics.median(values) for name, values in first.items()}
    log(f"time to first byte (median of 7): {ctx.results['ttfb']}")
