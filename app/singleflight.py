"""Single flight: one computation at a time per key, its outcome shared by everyone who asked meanwhile.

`SingleFlight` is keyed (a statement's text, a table, a schema refresh); `SharedResult` is one value reused for a
short while (what `/readyz` and `/metrics` answer from). In both, a caller that gives up does not cancel what the
others wait for, and a failure reaches every waiter once, with nobody left to report it as "never retrieved".
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


class SingleFlight(Generic[K, T]):
    """Concurrent `run(key, produce)` calls for one key share a single `produce()`; nothing is kept afterwards."""

    def __init__(self) -> None:
        self._running: dict[K, asyncio.Future[T]] = {}

    def __len__(self) -> int:
        return len(self._running)

    def running(self, key: K) -> bool:
        return key in self._running

    async def run(self, key: K, produce: Callable[[], Awaitable[T]]) -> T:
        task = self._running.get(key)
        if task is None:
            # A task of its own, so that the first caller giving up does not cancel it for the others.
            task = asyncio.ensure_future(self._produce(key, produce))
            task.add_done_callback(_retrieve)
            self._running[key] = task
        return await asyncio.shield(task)

    async def _produce(self, key: K, produce: Callable[[], Awaitable[T]]) -> T:
        try:
            return await produce()
        finally:
            del self._running[key]


def _retrieve(task: asyncio.Future[Any]) -> None:
    # Every waiter may have given up: the failure is theirs to see, never an "exception was never retrieved" log.
    if not task.cancelled():
        task.exception()


class SharedResult(Generic[T]):
    """One value for every caller for `ttl` seconds, computed by one caller at a time."""

    def __init__(self, produce: Callable[[], Awaitable[T]], *, ttl: float) -> None:
        self.produce = produce
        self.ttl = ttl
        self.computed = 0  # how many times `produce` ran
        self._value: T | None = None
        self._until = 0.0
        self._flight: SingleFlight[None, T] = SingleFlight()

    async def get(self) -> T:
        if self._value is not None and time.monotonic() < self._until:
            return self._value
        return await self._flight.run(None, self._compute)

    async def _compute(self) -> T:
        self.computed += 1
        value = await self.produce()
        self._value, self._until = value, time.monotonic() + self.ttl
        return value
