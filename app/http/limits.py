"""Admission control: a bounded number of requests and of streams per process; a short queue, then 503.

Past capacity, waiting longer only makes every request slower (and, deep down, would make the driver block the
event loop waiting for a free stream id). So a request waits at most QUEUE_TIMEOUT_MS for one of
MAX_CONCURRENT_REQUESTS slots, with at most MAX_QUEUED_REQUESTS waiting, and is otherwise shed at once with a 503,
`Retry-After` and a JSON body. Once a listing turns into a stream it gives its request slot back and holds one of
MAX_STREAMS stream slots instead, until its last byte: a slow reader never starves point reads.
This layer sits above `app.db.database.Database`'s own bound on requests in flight, which stays the last line.
Pure asyncio: the HTTP side (the middleware, and the stream hand-over for routes) is `app.http.admission`.
`MemoryBound` is what these limits (with the page and body sizes) can hold at worst: `Settings.memory_bound`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from app.config import MIB, Settings
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


@dataclass(frozen=True, slots=True)
class MemoryBound:
    """The most that admitted requests can hold at once, per process, from the limits alone.

    - a request slot holds at most one whole page (`format=page`, a rows API JSON page);
    - a stream holds the page being sent and the one read ahead: 2 pages;
    - a request slot reads at most MAX_BODY_BYTES of body;
    - a bulk ingest (it holds a stream slot) has ROWS_INGEST_CONCURRENCY lines in flight, each up to MAX_BODY_BYTES.
    A page is the larger of MAX_PAGE_BYTES (the rows API's budget, for tables of any width) and its rows at
    MEMORY_ROW_BYTES each (the sample's tables, whose rows are known). Point reads, the driver and the interpreter
    come on top."""

    page_rows: int
    row_bytes: int
    page_budget: int
    body_bytes: int
    ingest_bytes: int
    budget_mb: int
    requests: int
    streams: int
    cursor_page: int
    stream_page: int

    @classmethod
    def of(cls, settings: Settings) -> MemoryBound:
        requests, streams = settings.max_concurrent_requests, settings.max_streams
        cursor_page = min(settings.max_cursor_page_size, settings.max_page_size)
        return cls(
            page_rows=requests * cursor_page + streams * 2 * settings.max_page_size,
            row_bytes=settings.memory_row_bytes,
            page_budget=settings.max_page_bytes,
            body_bytes=requests * settings.max_body_bytes,
            ingest_bytes=streams * settings.rows_ingest_concurrency * settings.max_body_bytes,
            budget_mb=settings.memory_budget_mb,
            requests=requests,
            streams=streams,
            cursor_page=cursor_page,
            stream_page=settings.max_page_size,
        )

    @property
    def cursor_page_bytes(self) -> int:
        return max(self.page_budget, self.cursor_page * self.row_bytes)

    @property
    def stream_page_bytes(self) -> int:
        return max(self.page_budget, self.stream_page * self.row_bytes)

    @property
    def page_bytes(self) -> int:
        return self.requests * self.cursor_page_bytes + self.streams * 2 * self.stream_page_bytes

    @property
    def total(self) -> int:
        return self.page_bytes + self.body_bytes + self.ingest_bytes

    def describe(self) -> str:
        budget = f"MEMORY_BUDGET_MB={self.budget_mb}" if self.budget_mb else "no MEMORY_BUDGET_MB check"
        return (
            f"{self.total / MIB:,.0f} MiB at worst ({budget}): pages of {self.requests} requests x "
            f"{self.cursor_page_bytes / MIB:,.1f} MiB + {self.streams} streams x 2 x "
            f"{self.stream_page_bytes / MIB:,.1f} MiB (MAX_PAGE_BYTES={self.page_budget:,}, or rows at "
            f"MEMORY_ROW_BYTES={self.row_bytes:,}) = {self.page_bytes / MIB:,.0f} MiB, "
            f"{self.body_bytes / MIB:,.0f} MiB of request bodies, {self.ingest_bytes / MIB:,.0f} MiB of ingest lines"
        )
