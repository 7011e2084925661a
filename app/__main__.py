"""`python -m app`: check the configuration, then serve with uvicorn (what `scripts/run` execs).

It serves with `app.server.protocol.GuardedHttpToolsProtocol` (a deadline for request headers, a connection cap of
MAX_CONNECTIONS as uvicorn's `limit_concurrency`) and raises the process's descriptor limit to fit that cap.
On SIGTERM `/readyz` turns 503 at once; after PRE_STOP_DELAY uvicorn stops accepting, lets in-flight requests and
streams finish for up to SHUTDOWN_DRAIN_SECONDS, then runs the lifespan's shutdown, which closes the driver. With
several workers each worker drains on its own; the supervisor also closes its copy of the listening socket at once,
so new connections are refused instead of waiting in a backlog nobody will accept from. A worker whose start-up
fails stops the supervisor, which then exits with the worker's status (3), as a single process does.

This module is the command line and the wiring; the process code it wires is in app/server/ (the supervisor, the
descriptor limit and shared secrets, the protocol, the signals, the local demo's policy).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys

import uvicorn

from app.config import load_settings
from app.exceptions import ConfigError
from app.logs import configure_logging
from app.server.config import PROTOCOL, ServiceConfig
from app.server.local_demo import apply_local_demo
from app.server.signals import exit_cleanly_once_drained
from app.server.supervisor import STARTUP_FAILURE, DrainingSupervisor, fit_descriptors, share_page_state_secret

log = logging.getLogger("app.launcher")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve the API.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1, help="processes, each with its own Cluster (after fork)")
    parser.add_argument(
        "--local-demo",
        action="store_true",
        help="open anonymous writes if that is safe: the local node scripts/run starts, served on loopback, and "
        "no API_KEYS or ALLOW_ANONYMOUS_WRITES configured (scripts/run passes it)",
    )
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)  # the supervisor's own lines are JSON too; each worker does it again
    log.info("memory bound per process: %s", settings.memory_bound.describe())
    fit_descriptors(settings)
    share_page_state_secret(settings, args.workers)
    if args.local_demo:
        apply_local_demo(settings, args.host)
    config = ServiceConfig(
        "app.main:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        loop="uvloop",
        http=PROTOCOL,
        limit_concurrency=settings.connection_limit,
        pre_stop_delay=settings.pre_stop_delay,
        log_config=None,  # app.logs has configured uvicorn's loggers as JSON lines
        log_level=settings.log_level,
        access_log=False,  # app.access writes one JSON line per request, with its request id
        # uvicorn hints an int but hands it to asyncio.wait_for: fractional drain times work.
        timeout_graceful_shutdown=settings.shutdown_drain_seconds,
    )
    server = uvicorn.Server(config)
    signal.signal(signal.SIGTERM, exit_cleanly_once_drained)
    if config.workers > 1:
        supervisor = DrainingSupervisor(config, sockets=[config.bind_socket()])
        supervisor.run()
        return STARTUP_FAILURE if supervisor.failed_start else 0
    server.run()
    # A failed start-up (the lifespan raised) never marks the server started.
    return 0 if server.started else STARTUP_FAILURE


if __name__ == "__main__":
    sys.exit(main())
