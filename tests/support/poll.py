"""One way to wait for something that happens asynchronously (a schema event, a drained stream, a recovered node):
poll `check` until it holds, or fail the test saying `what` did not happen within `within` seconds.

`eventually` is for async tests (`check` may be plain or async); `eventually_sync` for plain ones and threads.
Both return the seconds it took, which a fault test may report; neither asserts anything about time.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable

import pytest


def _late(began: float, within: float, what: str) -> None:
    if time.monotonic() - began > within:
        pytest.fail(f"not within {within:g} s: {what}")


async def eventually(
    check: Callable[[], bool | Awaitable[bool]], *, within: float, what: str, interval: float = 0.1
) -> float:
    """Seconds until `check()` holds, polled every `interval` without blocking the loop; fails the test after
    `within` seconds with `what`."""
    began = time.monotonic()
    while True:
        outcome = check()
        if inspect.isawaitable(outcome):
            outcome = await outcome
        if outcome:
            return time.monotonic() - began
        _late(began, within, what)
        await asyncio.sleep(interval)


def eventually_sync(check: Callable[[], bool], *, within: float, what: str, interval: float = 0.1) -> float:
    """`eventually` for plain code: blocks the calling thread between polls."""
    began = time.monotonic()
    while not check():
        _late(began, within, what)
        time.sleep(interval)
    return time.monotonic() - began
