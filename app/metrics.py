"""Prometheus metrics of this process, and `/metrics` to scrape them.

The metric objects are module-level, as prometheus-client expects (in multiprocess mode they must exist before any
worker serves), and cheap: no I/O happens at import. Labels are bounded: a route is its template
(`/plant/{genus}`), never the raw path; an error type is a driver exception class name.
With several uvicorn workers each process counts on its own; set PROMETHEUS_MULTIPROC_DIR (an empty directory,
the same for all workers) and `/metrics` adds them up.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from prometheus_client import (
        REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

if TYPE_CHECKING:  # app.errors imports this module: no runtime imports from app here
    from app.bridge import Page

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUESTS = Counter("app_requests_total", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram(
    "app_request_duration_seconds",
    "time from request to the last byte of the response (streams included)",
    ["method", "route", "status"],
    buckets=LATENCY_BUCKETS,
)
IN_FLIGHT = Gauge("app_requests_in_flight", "HTTP requests being handled", multiprocess_mode="livesum")
OPEN_STREAMS = Gauge("app_open_streams", "JSON/NDJSON streams being sent", multiprocess_mode="livesum")
ROWS_STREAMED = Counter("app_rows_streamed_total", "rows fetched for streamed listings", ["framing"])
PAGES_FETCHED = Counter("app_pages_fetched_total", "driver result pages fetched for listings", ["framing"])
DRIVER_ERRORS = Counter("app_driver_errors_total", "driver exceptions by class and answer", ["type", "error"])
SHED = Counter("app_requests_shed_total", "requests refused with 503 because a limit was reached", ["limit"])


def record_driver_error(exc: BaseException, error: str) -> None:
    """Called by the error mapping (`app.errors.classify`) once per raw driver exception."""
    DRIVER_ERRORS.labels(type(exc).__name__, error).inc()


async def count_pages(pages: AsyncIterator[Page], framing: str) -> AsyncIterator[Page]:
    """Pass pages through, counting them and their rows; closing this closes the source, so paging stops."""
    try:
        async for page in pages:
            PAGES_FETCHED.labels(framing).inc()
            if framing != "page":
                ROWS_STREAMED.labels(framing).inc(len(page.rows))
            yield page
    finally:
        await pages.aclose()  # type: ignore[attr-defined]


def exposition() -> bytes:
    """The text format: this process's registry, or every worker's files in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)
