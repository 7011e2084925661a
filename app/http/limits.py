"""Admission control: a bounded number of requests and of streams per process; a short queue, then 503.

Past capacity, waiting longer only makes every request slower (and, deep down, would make the driver block the
event loop waiting for a free stream id). So a request waits at most QUEUE_TIMEOUT_MS for one of
MAX_CONCURRENT_REQUESTS slots, with at most MAX_QUEUED_REQUESTS waiting, and is otherwise shed at once with a 503,
`Retry-After` and a JSON body. Once a listing turns into a stream it gives its request slot back and holds one of
MAX_STREAMS stream slots instead, until its last byte: a slow reader never starves point reads.
This layer sits above `app.db.database.Database`'s own bound on requests in flight, which stays the last line.
Pure asyncio: the HTTP side (the middleware, and the stream hand-over for routes) is `app.http.admission`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from app.config import Settings
from app.exceptions import Shed
from app.metrics import OPEN_STREAMS, SHED


class Ticket:
    """One slot of a gate; releasing twice is harmless, so every exit path may release."""

    __slots__ = ("_gate", "_on_release")

    def __init__(self, gate: Gate, on_release: Callable[[], None] | None = None) -> None:
        self._gate: Gate | None = gate
        self._on_release = on_release

    def release(self) -> None:
        gate, self._gate = self._gate, None
        if gate is not None:
            gate.release()
            if self._on_release is not None:
                self._on_release()


class Gate:
    """At most `capacity` holders; up to `max_waiting` newcomers wait up to `timeout` seconds, in order."""

    def __init__(self, capacity: int, *, max_waiting: int, timeout: float) -> None:
        self.capacity = capacity
        self.max_waiting = max_waiting
        self.timeout = timeout
        self.waiting = 0
        self._free = asyncio.Semaphore(capacity)

    async def enter(self) -> bool:
        """True with a slot taken; False when the caller should be shed."""
        if not self._free.locked():
            await self._free.acquire()  # a free slot and no queue: returns at once
            return True
        if self.waiting >= self.max_waiting or self.timeout <= 0:
            return False
        self.waiting += 1
        try:
            async with asyncio.timeout(self.timeout):
                await self._free.acquire()
            return True
        except TimeoutError:
            return False
        finally:
            self.waiting -= 1

    def release(self) -> None:
        self._free.release()


@dataclass
class Limits:
    """The gates of one app in one process, sized from the settings."""

    requests: Gate
    streams: Gate

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        timeout = settings.queue_timeout_ms / 1000
        return cls(
            requests=Gate(settings.max_concurrent_requests, max_waiting=settings.max_queued_requests, timeout=timeout),
            streams=Gate(settings.max_streams, max_waiting=settings.max_queued_requests, timeout=timeout),
        )


@dataclass
class Admission:
    """What one admitted request holds; a route that turns into a stream trades its request slot for a stream slot."""

    limits: Limits
    held: list[Ticket] = field(default_factory=list)

    async def open_stream(self) -> None:
        if not await self.limits.streams.enter():
            SHED.labels("streams").inc()
            raise Shed("streams", f"too many open streams (MAX_STREAMS={self.limits.streams.capacity}); retry shortly")
        OPEN_STREAMS.inc()
        request_slots = list(self.held)
        self.held.append(Ticket(self.limits.streams, OPEN_STREAMS.dec))
        for ticket in request_slots:
            ticket.release()  # from here on the stream is bounded by MAX_STREAMS, not by the request slots

    def release(self) -> None:
        for ticket in self.held:
            ticket.release()
