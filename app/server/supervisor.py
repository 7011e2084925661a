"""The process around the workers: uvicorn's supervisor made to drain at once, the descriptor limit, shared secrets.

Workers inherit the supervisor's environment, which is how settings decided here reach them: a cursor secret shared
by the workers when none is configured (and `--local-demo`'s anonymous writes, app.server.local_demo).
"""

from __future__ import annotations

import logging
import os
import resource
import secrets
import signal
import socket
from types import FrameType

import uvicorn
from uvicorn.supervisors import Multiprocess

from app.config import Settings

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


def share_page_state_secret(settings: Settings, workers: int) -> None:
    """Several workers and no cursor secret: make one for all of them, or each would refuse the others' cursors."""
    if workers > 1 and not settings.page_state_keys:
        os.environ["PAGE_STATE_SECRETS"] = secrets.token_urlsafe(32)
        log.warning(
            "PAGE_STATE_SECRETS is not set: made one for the %d workers; cursors do not outlive this process, set it "
            "to share them with restarts and other replicas",
            workers,
        )
