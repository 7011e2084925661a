"""Prometheus metrics of this process, and their text exposition for `/metrics`.

The metric objects are module-level, as prometheus-client expects (in multiprocess mode they must exist before any
worker serves), and cheap: no I/O happens at import. Labels are bounded: a route is its template
(`/plant/{genus}`), never the raw path; an error type is a driver exception class name.
With several uvicorn workers each process counts on its own; set PROMETHEUS_MULTIPROC_DIR (an empty directory,
the same for all workers) and `/metrics` adds them up.
"""

from __future__ import annotations

import os

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

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
PAGES_SENT = Counter("app_pages_sent_total", "pages of a stream whose bytes were handed to the server", ["framing"])
DRIVER_ERRORS = Counter("app_driver_errors_total", "driver exceptions by class and answer", ["type", "error"])
ROWS_STATEMENTS = Counter(
    "app_rows_statements_total", "rows API statement lookups: hit, miss (prepared now) or evicted", ["result"]
)
ROWS_STATEMENTS_CACHED = Gauge(
    "app_rows_statements_cached", "prepared rows API statements held in the cache", multiprocess_mode="livesum"
)
SHED = Counter("app_requests_shed_total", "requests refused with 503 because a limit was reached", ["limit"])
STREAMS_CUT = Counter(
    "app_streams_cut_total",
    "streams the service cut: idle (the client took no bytes for STREAM_IDLE_TIMEOUT) or too_long (MAX_STREAM_SECONDS)",
    ["reason"],
)
CONNECTIONS_CLOSED = Counter(
    "app_connections_closed_total",
    "connections the service closed on its own: header_timeout, evicted or refused (at the connection limit), "
    "write_stalled (a finished answer the client never took)",
    ["reason"],
)
READINESS_QUERIES = Counter("app_readiness_queries_total", "queries /readyz sent to Cassandra", ["result"])


def multiprocess_mode() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def exposition() -> bytes:
    """The text format: this process's registry, or every worker's files in multiprocess mode."""
    if multiprocess_mode():
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # unannotated upstream
        return generate_latest(registry)
    return generate_latest(REGISTRY)
