"""One result shared by every caller for a short while, computed by one caller at a time: a single-flight cache.

What `/readyz` and `/metrics` answer from: a flood of probes or scrapes costs one computation per `ttl` seconds,
however many arrive, and those that arrive while it runs wait for it instead of starting their own.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class SharedResult(Generic[T]):
    def __init__(self, produce: Callable[[], Awaitable[T]], *, ttl: float) -> None:
        self.produce = produce
        self.ttl = ttl
        self.computed = 0  # how many times `produce` ran
        self._value: T | None = None
        self._until = 0.0
        self._running: asyncio.Future[T] | None = None

    async def get(self) -> T:
        if self._value is not None and time.monotonic() < self._until:
            return self._value
        if self._running is None:
            self._running = asyncio.ensure_future(self._compute())
        # Shielded: a caller that gives up must not cancel what the others are waiting for.
        return await asyncio.shield(self._running)

    async def _compute(self) -> T:
        try:
            self.computed += 1
            value = await self.produce()
        finally:
            self._running = None
        self._value, self._until = value, time.monotonic() + self.ttl
        return value
