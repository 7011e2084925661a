"""`python -m app`: check the configuration, then serve with uvicorn (what `scripts/run` execs).

On SIGTERM uvicorn stops accepting, lets in-flight requests and streams finish for up to SHUTDOWN_DRAIN_SECONDS,
then runs the lifespan's shutdown, which closes the driver. With several workers each worker drains on its own;
the supervisor also closes its copy of the listening socket at once, so new connections are refused instead of
waiting in a backlog nobody will accept from.
"""

from __future__ import annotations

import argparse
import signal
import sys
from types import FrameType

import uvicorn
from uvicorn.supervisors import Multiprocess

from app.config import load_settings
from app.exceptions import ConfigError
from app.logs import configure_logging

STARTUP_FAILURE = 3


class DrainingSupervisor(Multiprocess):
    """uvicorn's worker supervisor, refusing new connections as soon as it is told to stop."""

    def terminate_all(self) -> None:
        for sock in self.sockets:
            sock.close()
        super().terminate_all()


def _drained(signum: int, frame: FrameType | None) -> None:
    # uvicorn re-raises the SIGTERM it drained for once it is done; a completed drain is a clean exit, status 0.
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve the API.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1, help="processes, each with its own Cluster (after fork)")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)  # the supervisor's own lines are JSON too; each worker does it again
    config = uvicorn.Config(
        "app.main:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        loop="uvloop",
        http="httptools",
        log_config=None,  # app.logs has configured uvicorn's loggers as JSON lines
        log_level=settings.log_level,
        access_log=False,  # app.access writes one JSON line per request, with its request id
        # uvicorn hints an int but hands it to asyncio.wait_for: fractional drain times work.
        timeout_graceful_shutdown=settings.shutdown_drain_seconds,  # type: ignore[arg-type]  # see above
    )
    server = uvicorn.Server(config)
    signal.signal(signal.SIGTERM, _drained)
    if config.workers > 1:
        DrainingSupervisor(config, sockets=[config.bind_socket()]).run()
        return 0
    server.run()
    # A failed start-up (the lifespan raised) never marks the server started.
    return 0 if server.started else STARTUP_FAILURE


if __name__ == "__main__":
    sys.exit(main())
