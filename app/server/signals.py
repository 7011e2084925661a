"""Serving or draining: on SIGTERM `/readyz` answers 503 at once, and PRE_STOP_DELAY keeps the listener open a little.

A balancer (or Kubernetes' endpoints controller) needs a moment to stop routing to an instance that is going away.
So the first SIGTERM (or SIGINT) marks the process as draining, which `/readyz` reports straight away, and is passed
on to uvicorn, which closes the listener and drains, only after PRE_STOP_DELAY seconds. A second signal is passed
on at once. `app.server.config.ServiceConfig` installs this in every serving process (`python -m app`).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from types import FrameType

log = logging.getLogger("app.lifecycle")

SIGNALS = (signal.SIGTERM, signal.SIGINT)
Handler = Callable[[int, FrameType | None], object]


class _State:
    draining = False


def draining() -> bool:
    """True once the process has been told to stop: it is no longer ready for new traffic."""
    return _State.draining


def start_draining() -> None:
    _State.draining = True


class DeferredExit:
    """A signal handler in front of uvicorn's: mark draining now, hand the signal to uvicorn after `delay` seconds.

    One for SIGTERM and SIGINT together: whichever comes second is handed on at once."""

    def __init__(self, originals: dict[int, Handler], loop: asyncio.AbstractEventLoop, delay: float) -> None:
        self.originals = originals
        self.loop = loop
        self.delay = delay
        self.signalled = False
        self.passed_on = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        start_draining()
        if self.delay <= 0 or self.signalled:
            self.passed_on = True
            self.originals[signum](signum, frame)
            return
        self.signalled = True
        # A signal handler may interrupt the loop anywhere: only the thread-safe call is safe to make from here.
        self.loop.call_soon_threadsafe(self._wait, signum)

    def _wait(self, signum: int) -> None:
        name = signal.Signals(signum).name
        log.info("%s: /readyz answers 503; serving %.1f s more before closing (PRE_STOP_DELAY)", name, self.delay)
        self.loop.call_later(self.delay, self._pass_on, signum)

    def _pass_on(self, signum: int) -> None:
        if not self.passed_on:  # else a second signal has already been handed on
            self.passed_on = True
            self.originals[signum](signum, None)


def defer_exit_signals(loop: asyncio.AbstractEventLoop, delay: float) -> None:
    """Put a `DeferredExit` in front of the current SIGTERM and SIGINT handlers (uvicorn's, while it serves)."""
    originals: dict[int, Handler] = {}
    for signum in SIGNALS:
        current = signal.getsignal(signum)
        if callable(current) and not isinstance(current, DeferredExit):
            originals[signum] = current
    if not originals:
        return
    handler = DeferredExit(originals, loop, delay)
    for taken in originals:
        signal.signal(taken, handler)


def exit_cleanly_once_drained(signum: int, frame: FrameType | None) -> None:
    """The SIGTERM handler `python -m app` installs before uvicorn runs: uvicorn re-raises the SIGTERM it drained
    for once it is done, and a completed drain is a clean exit, status 0."""
    raise SystemExit(0)
