"""What the cold paths may cost: preparing a statement shape and refreshing schema metadata.

Both are client-triggered (a new `where` shape, an unknown table name) and each costs a round trip to every node,
so they share a few worker threads of their own (never anyio's default pool, where they would starve the other
off-loop work), spend from token buckets (a 503 with Retry-After when empty), and remember what Cassandra refused
for a while instead of asking again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import anyio

from app.config import Settings
from app.exceptions import Shed
from app.rates import Remembered, TokenBucket

T = TypeVar("T")


@dataclass(slots=True)
class ColdPathBudget:
    """One per process: the limiter and buckets that preparations and schema refreshes share."""

    limiter: anyio.CapacityLimiter
    prepares: TokenBucket
    refreshes: TokenBucket
    refused: Remembered

    @classmethod
    def of(
        cls,
        *,
        concurrency: int,
        prepares_per_second: float,
        refreshes_per_second: float,
        remember_seconds: float,
    ) -> ColdPathBudget:
        return cls(
            limiter=anyio.CapacityLimiter(concurrency),
            prepares=TokenBucket(prepares_per_second, max(1.0, 2 * prepares_per_second)),
            refreshes=TokenBucket(refreshes_per_second, 5.0),
            refused=Remembered(remember_seconds),
        )

    @classmethod
    def of_settings(cls, settings: Settings) -> ColdPathBudget:
        return cls.of(
            concurrency=settings.prepare_concurrency,
            prepares_per_second=settings.prepare_misses_per_second,
            refreshes_per_second=settings.schema_refreshes_per_second,
            remember_seconds=settings.negative_cache_seconds,
        )

    @classmethod
    def default(cls) -> ColdPathBudget:
        """The budget of the settings' defaults: for a cache or catalog built without one (tests, tools)."""
        return cls.of_settings(Settings.model_construct())

    def spend_prepare(self, count: int = 1) -> None:
        """`count` new statement shapes, or a 503: the process prepares no faster than PREPARE_MISSES_PER_SECOND."""
        if not self.prepares.take(count):
            raise Shed(
                "prepare", "too many new statement shapes at once: try again shortly (PREPARE_MISSES_PER_SECOND)"
            )

    def may_refresh(self) -> bool:
        """Whether a lookup that missed may ask the driver to refresh now (SCHEMA_REFRESHES_PER_SECOND)."""
        return self.refreshes.take()

    async def wait_refresh(self, patience: float) -> bool:
        """`may_refresh`, waiting up to `patience` seconds for a token: a table created a moment ago is still
        found while unknown names use up the budget (a coroutine waits, no thread)."""
        deadline = time.monotonic() + patience
        while not self.refreshes.take():
            delay = self.refreshes.wait()
            if time.monotonic() + delay > deadline:
                return False
            await anyio.sleep(delay)
        return True

    async def run(self, blocking: Callable[[], T]) -> T:
        """A blocking driver call (a prepare, a schema refresh) in one of this budget's worker threads."""
        return await anyio.to_thread.run_sync(blocking, limiter=self.limiter)
