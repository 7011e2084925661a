"""Rate and memory of refusals, for anything a client can make the service do at will: token buckets, and an
expiring, bounded map of errors to answer again instead of asking the database. Shared by the engine's cold path
(`app.rows.budget`) and the callers' session cache (`app.db.identities`), so neither layer imports the other."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

from app.exceptions import ServiceError


class TokenBucket:
    """`rate` tokens a second, at most `burst` saved up."""

    def __init__(self, rate: float, burst: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = burst
        self._at = clock()

    def wait(self) -> float:
        """Seconds until one token is there (0 when it is)."""
        now = self._clock()
        tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        return max(0.0, (1 - tokens) / self.rate)

    def take(self, count: float = 1) -> bool:
        """Take `count` tokens at once, or none. A `count` over `burst` costs the whole burst (it could never
        be saved up otherwise)."""
        count = min(count, self.burst)
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        if self._tokens < count:
            return False
        self._tokens -= count
        return True


class Remembered:
    """A bounded, expiring memory of refusals (`key` -> the error to raise again), oldest forgotten first."""

    def __init__(self, ttl: float, *, capacity: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.capacity = capacity
        self._clock = clock
        self._items: OrderedDict[Hashable, tuple[float, ServiceError]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Hashable) -> ServiceError | None:
        found = self._items.get(key)
        if found is None:
            return None
        until, error = found
        if self._clock() >= until:
            del self._items[key]
            return None
        return error

    def remember(self, key: Hashable, error: ServiceError) -> None:
        if self.ttl <= 0:
            return
        self._items[key] = (self._clock() + self.ttl, error)
        self._items.move_to_end(key)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)

    def forget(self, key: Hashable) -> None:
        self._items.pop(key, None)

    def clear(self) -> None:
        self._items.clear()
