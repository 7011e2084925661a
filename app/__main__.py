"""`python -m app`: check the configuration, then serve with uvicorn (what `scripts/run` execs).

It serves with `app.http.protocol.GuardedHttpToolsProtocol` (a deadline for request headers, a connection cap of
MAX_CONNECTIONS as uvicorn's `limit_concurrency`) and raises the process's descriptor limit to fit that cap.
On SIGTERM `/readyz` turns 503 at once; after PRE_STOP_DELAY uvicorn stops accepting, lets in-flight requests and
streams finish for up to SHUTDOWN_DRAIN_SECONDS, then runs the lifespan's shutdown, which closes the driver. With
several workers each worker drains on its own; the supervisor also closes its copy of the listening socket at once,
so new connections are refused instead of waiting in a backlog nobody will accept from. A worker whose start-up
fails stops the supervisor, which then exits with the worker's status (3), as a single process does.

Workers inherit the supervisor's environment, which is how settings decided here reach them: a cursor secret
shared by the workers when none is configured, and `--local-demo`'s anonymous writes.
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import secrets
import signal
import socket
import sys
from types import FrameType

import uvicorn
from uvicorn.supervisors import Multiprocess

from app.config import Mode, Settings, is_loopback, load_settings
from app.exceptions import ConfigError
from app.http.server import PROTOCOL, ServiceConfig
from app.logs import configure_logging

STARTUP_FAILURE = 3
# Descriptors a process needs beside its client connections: the driver's sockets, logs, the listener, imports.
FD_RESERVE = 128
log = logging.getLogger("app.launcher")


class DrainingSupervisor(Multiprocess):
    """uvicorn's worker supervisor, passing SIGTERM on to its workers at once (uvicorn's looks at signals twice a
    second), and refusing new connections as soon as it is told to stop."""

    def __init__(self, config: uvicorn.Config, sockets: list[socket.socket]) -> None:
        super().__init__(config, sockets)
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._stop_now)

    def _stop_now(self, signum: int, frame: FrameType | None) -> None:
        self.should_exit.set()  # `run` wakes at once, terminates every worker and waits for them

    def terminate_all(self) -> None:
        for sock in self.sockets:
            sock.close()
        super().terminate_all()

    @property
    def failed_start(self) -> bool:
        """A worker exited with the start-up failure status (uvicorn then stops the others and returns)."""
        return any(process.exitcode == STARTUP_FAILURE for process in self.processes)


def fit_descriptors(settings: Settings) -> None:
    """Raise the soft RLIMIT_NOFILE to what the connection cap needs, or say that it cannot be."""
    needed = settings.connection_limit + settings.connection_limit // 10 + 1 + FD_RESERVE
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    if soft != resource.RLIM_INFINITY and soft < needed:
        log.warning(
            "the descriptor limit (RLIMIT_NOFILE %d) is below the %d that MAX_CONNECTIONS=%d needs: lower "
            "MAX_CONNECTIONS or raise the hard limit (ulimit -Hn)",
            soft,
            needed,
            settings.connection_limit,
        )


def _drained(signum: int, frame: FrameType | None) -> None:
    # uvicorn re-raises the SIGTERM it drained for once it is done; a completed drain is a clean exit, status 0.
    raise SystemExit(0)


def share_page_state_secret(settings: Settings, workers: int) -> None:
    """Several workers and no cursor secret: make one for all of them, or each would refuse the others' cursors."""
    if workers > 1 and not settings.page_state_keys:
        os.environ["PAGE_STATE_SECRETS"] = secrets.token_urlsafe(32)
        log.warning(
            "PAGE_STATE_SECRETS is not set: made one for the %d workers; cursors do not outlive this process, set it "
            "to share them with restarts and other replicas",
            workers,
        )


def why_not_local_demo(settings: Settings, host: str) -> str | None:
    """None when this is the local demo: the node scripts/run starts (no CASSANDRA_CONTACT_POINTS configured, no
    password), every contact point and the listening address loopback. Otherwise why anonymous writes stay closed."""
    if settings.mode is Mode.ASTRA:
        return "the database is Astra DB"
    if "cassandra_contact_points" in settings.model_fields_set:
        return "CASSANDRA_CONTACT_POINTS names a cluster of your own, not the local demo node"
    if settings.cassandra_username:
        return "Cassandra is configured with CASSANDRA_USERNAME"
    remote = [point for point in settings.cassandra_contact_points if not is_loopback(point)]
    if remote:
        return f"the contact point {remote[0]} is not a loopback address"
    if not is_loopback(host):
        return f"the service listens on {host}, not on a loopback address"
    return None


def apply_local_demo(settings: Settings, host: str) -> bool:
    """`--local-demo` (scripts/run): anonymous writes on for the local demo node, if that is safe.

    Configured keys or an explicit ALLOW_ANONYMOUS_WRITES always win. Returns whether writes were opened."""
    if settings.api_keys or "allow_anonymous_writes" in settings.model_fields_set:
        return False
    reason = why_not_local_demo(settings, host)
    if reason is None:
        os.environ["ALLOW_ANONYMOUS_WRITES"] = "true"
        log.warning(
            "writes are open to anyone (the local demo: a local node, served on %s): set API_KEYS=key1,key2 to "
            "require a key",
            host,
        )
        return True
    log.warning(
        "writes are closed: %s, so the local demo's anonymous writes stay off. Set API_KEYS=key1,key2 to accept "
        "writes with a key, or ALLOW_ANONYMOUS_WRITES=true to let anyone who reaches %s write",
        reason,
        host,
    )
    return False


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
    signal.signal(signal.SIGTERM, _drained)
    if config.workers > 1:
        supervisor = DrainingSupervisor(config, sockets=[config.bind_socket()])
        supervisor.run()
        return STARTUP_FAILURE if supervisor.failed_start else 0
    server.run()
    # A failed start-up (the lifespan raised) never marks the server started.
    return 0 if server.started else STARTUP_FAILURE


if __name__ == "__main__":
    sys.exit(main())
