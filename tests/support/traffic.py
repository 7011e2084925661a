"""Steady client traffic against a service under fault, every answer recorded with its time, and ways to read it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

from tests.support.service import api_client


@dataclass
class Outcome:
    kind: str
    started: float
    elapsed: float
    status: int | None  # None: no HTTP answer at all (reset, refused, client timeout)
    body: object = None
    retry_after: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def clean_failure(self) -> bool:
        """503/504 with the JSON error body, and Retry-After on 503: what a client can act on."""
        if self.status not in (503, 504) or not isinstance(self.body, dict):
            return False
        if not {"error", "detail"} <= set(self.body):
            return False
        return self.status != 503 or self.retry_after is not None

    @property
    def ended(self) -> float:
        return self.started + self.elapsed


RequestMaker = Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]


def mixed_requests(genus: str, species: list[str], write_genus: str) -> dict[str, RequestMaker]:
    """The steady traffic: point reads of existing rows, upserts, readiness checks and small streamed listings."""

    async def read(client: httpx.AsyncClient, n: int) -> httpx.Response:
        return await client.get(f"/plant/{genus}/{species[n % len(species)]}")

    async def write(client: httpx.AsyncClient, n: int) -> httpx.Response:
        return await client.post("/plant", json={"genus": write_genus, "species": f"s{n:07d}", "sightings": n})

    async def ready(client: httpx.AsyncClient, n: int) -> httpx.Response:
        return await client.get("/readyz")

    async def listing(client: httpx.AsyncClient, n: int) -> httpx.Response:
        return await client.get(f"/plant/{genus}")

    return {"read": read, "write": write, "readyz": ready, "list": listing}


@dataclass
class Traffic:
    """Steady, bounded traffic from a few concurrent loops, every answer recorded with its time."""

    base_url: str
    requests: dict[str, RequestMaker]
    concurrency: int = 4
    pause: float = 0.02
    client_timeout: float = 30.0
    limit: int | None = None  # requests in all; the loops stop once it is reached
    outcomes: list[Outcome] = field(default_factory=list)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _n: int = 0

    async def __aenter__(self) -> Traffic:
        for _ in range(self.concurrency):
            self._tasks.append(asyncio.create_task(self._loop()))
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks)

    async def _loop(self) -> None:
        kinds = list(self.requests)
        # One connection pool per loop: a loop keeps its keep-alive connection, as a real client would.
        async with api_client(self.base_url, self.client_timeout) as client:
            while not self._stop.is_set() and (self.limit is None or self._n < self.limit):
                self._n += 1
                n = self._n
                kind = kinds[n % len(kinds)]
                self.outcomes.append(await request_outcome(client, kind, self.requests[kind], n))
                await asyncio.sleep(self.pause)

    def between(self, start: float, end: float) -> list[Outcome]:
        """Requests sent and answered entirely inside [start, end]."""
        return [o for o in self.outcomes if o.started >= start and o.ended <= end]


async def request_outcome(client: httpx.AsyncClient, kind: str, make: RequestMaker, n: int) -> Outcome:
    started = time.monotonic()
    try:
        response = await make(client, n)
    except httpx.HTTPError as exc:
        return Outcome(kind, started, time.monotonic() - started, None, error=f"{type(exc).__name__}: {exc}")
    try:
        body: object = response.json()
    except ValueError:
        body = response.text[:200]
    elapsed = time.monotonic() - started
    return Outcome(kind, started, elapsed, response.status_code, body, response.headers.get("retry-after"))


def tally(outcomes: list[Outcome]) -> str:
    """`200: 812, 503: 40` style counts, transport errors as `none`."""
    counts: dict[str, int] = {}
    for o in outcomes:
        key = str(o.status) if o.status is not None else "none"
        counts[key] = counts.get(key, 0) + 1
    return ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "no requests"


async def recovered_at(traffic: Traffic, since: float, *, quiet: float = 3.0, within: float = 60.0) -> float:
    """When the last failure after `since` ended, once `quiet` seconds of traffic have passed with only 200s."""
    deadline = since + within
    while time.monotonic() < deadline:
        await asyncio.sleep(0.25)
        after = [o for o in traffic.outcomes if o.started >= since]
        bad = [o.ended for o in after if not o.ok]
        last_bad = max(bad, default=since)
        good_since = [o for o in after if o.started > last_bad]
        if time.monotonic() - last_bad >= quiet and len(good_since) >= 20:
            return last_bad
    raise AssertionError(f"no {quiet} s of clean traffic within {within} s")
