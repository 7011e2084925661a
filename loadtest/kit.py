"""Drive a running instance with a realistic mix and report what a user of it would see.

The mix: point reads (`GET /plant/{genus}/{species}`, `GET /animal/{genus}/{species}`), writes (`POST /plant`,
into a genus of their own, `loadtest_<run id>`), and streams (`GET /plant/{genus}` as NDJSON, read line by line,
timing the first line). `--rate` paces request starts (0: as fast as `--concurrency` workers go); the run stops
after `--duration` seconds. The exit status is 1 when the error rate passes `--max-error-rate`, 2 when the service
cannot be reached at all.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import httpx
import orjson

KINDS = ("read", "write", "stream")


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests only
    first_lines: list[float] = field(default_factory=list)  # streams: seconds to the first NDJSON line
    lines: int = 0
    ok: int = 0
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def count(self) -> int:
        return self.ok + sum(self.errors.values())


@dataclass
class Plan:
    url: str
    duration: float
    concurrency: int
    rate: float
    mix: dict[str, float]
    api_key: str | None
    plant_genus: str
    animal_genus: str
    timeout: float
    max_error_rate: float
    seed: int | None
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])


def parse_mix(text: str) -> dict[str, float]:
    """`read=70,write=10,stream=20` (weights, any scale)."""
    mix: dict[str, float] = {}
    for part in text.split(","):
        name, _, weight = part.partition("=")
        name = name.strip()
        if name not in KINDS:
            raise argparse.ArgumentTypeError(f"unknown kind {name!r} in --mix (kinds: {', '.join(KINDS)})")
        try:
            mix[name] = float(weight)
        except ValueError:
            raise argparse.ArgumentTypeError(f"weight of {name!r} is not a number: {weight!r}") from None
    if sum(mix.values()) <= 0 or any(w < 0 for w in mix.values()):
        raise argparse.ArgumentTypeError("--mix needs non-negative weights with a positive sum")
    return mix


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile of unsorted values (0 when there are none)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


class Runner:
    def __init__(self, plan: Plan, client: httpx.AsyncClient, species: dict[str, list[str]]) -> None:
        self.plan = plan
        self.client = client
        self.species = species
        self.stats = {kind: Stats() for kind in KINDS}
        self.random = random.Random(plan.seed)
        self.kinds = [k for k in KINDS if plan.mix.get(k, 0) > 0]
        self.weights = [plan.mix[k] for k in self.kinds]
        self.issued = 0
        self.writes = 0

    async def run(self) -> float:
        started = time.perf_counter()
        deadline = started + self.plan.duration
        await asyncio.gather(*(self._worker(started, deadline) for _ in range(self.plan.concurrency)))
        return time.perf_counter() - started

    async def _worker(self, started: float, deadline: float) -> None:
        while True:
            n = self.issued
            self.issued += 1
            if self.plan.rate > 0:
                slot = started + n / self.plan.rate
                if slot >= deadline:
                    return
                await asyncio.sleep(max(0.0, slot - time.perf_counter()))
            if time.perf_counter() >= deadline:
                return
            kind = self.random.choices(self.kinds, self.weights)[0]
            stats = self.stats[kind]
            began = time.perf_counter()
            try:
                error = await getattr(self, f"_{kind}")(stats, began)
            except httpx.HTTPError as exc:
                error = type(exc).__name__
            if error is None:
                stats.ok += 1
                stats.latencies.append(time.perf_counter() - began)
            else:
                stats.errors[error] += 1

    async def _read(self, stats: Stats, began: float) -> str | None:
        table = self.random.choice([t for t in ("plant", "animal") if self.species[t]])
        genus = self.plan.plant_genus if table == "plant" else self.plan.animal_genus
        species = self.random.choice(self.species[table])
        response = await self.client.get(f"/{table}/{genus}/{species}")
        return None if response.status_code == 200 else f"read {response.status_code}"

    async def _write(self, stats: Stats, began: float) -> str | None:
        self.writes += 1
        body = {"genus": f"loadtest_{self.plan.run_id}", "species": f"s{self.writes:09d}", "sightings": self.writes}
        headers = {"X-API-Key": self.plan.api_key} if self.plan.api_key else {}
        response = await self.client.post("/plant", json=body, headers=headers)
        return None if response.status_code == 200 else f"write {response.status_code}"

    async def _stream(self, stats: Stats, began: float) -> str | None:
        path = f"/plant/{self.plan.plant_genus}"
        async with self.client.stream("GET", path, headers={"Accept": "application/x-ndjson"}) as response:
            if response.status_code != 200:
                return f"stream {response.status_code}"
            first = True
            async for line in response.aiter_lines():
                if not line:
                    continue
                if first:
                    stats.first_lines.append(time.perf_counter() - began)
                    first = False
                row = orjson.loads(line)
                if "error" in row:  # the service ends a failed stream with an error line
                    return f"stream error line: {row['error']}"
                stats.lines += 1
        return None


async def discover(client: httpx.AsyncClient, plan: Plan) -> dict[str, list[str]]:
    """The species to read: one page of each genus (the sample's Plantago and Vanessa by default)."""
    found: dict[str, list[str]] = {}
    for table, genus in (("plant", plan.plant_genus), ("animal", plan.animal_genus)):
        response = await client.get(f"/{table}/{genus}", params={"format": "page", "page_size": 1000})
        response.raise_for_status()
        found[table] = [item["species"] for item in response.json()["items"]]
    return found


def report(plan: Plan, stats: dict[str, Stats], elapsed: float) -> tuple[str, float]:
    total = sum(s.count for s in stats.values())
    errors = sum(sum(s.errors.values()) for s in stats.values())
    rate = errors / total if total else 1.0
    ms = 1000.0
    lines = [
        f"loadtest {plan.url}: {elapsed:.1f} s, concurrency {plan.concurrency}, "
        f"rate {'unpaced' if plan.rate <= 0 else f'{plan.rate:g}/s'}, mix "
        + ",".join(f"{k}={v:g}" for k, v in plan.mix.items()),
        f"throughput: {total / elapsed:.1f} requests/s ({total} requests, {errors} errors, error rate {rate:.2%})",
        f"{'kind':<8}{'count':>8}{'ok':>8}{'errors':>8}{'p50 ms':>10}{'p90 ms':>10}{'p99 ms':>10}{'max ms':>10}",
    ]
    for kind, s in stats.items():
        if s.count:
            p50, p90, p99 = (percentile(s.latencies, q) * ms for q in (50, 90, 99))
            worst = max(s.latencies, default=0.0) * ms
            lines.append(
                f"{kind:<8}{s.count:>8}{s.ok:>8}{sum(s.errors.values()):>8}"
                f"{p50:>10.1f}{p90:>10.1f}{p99:>10.1f}{worst:>10.1f}"
            )
    streams = stats["stream"]
    if streams.first_lines:
        lines.append(
            f"streams: time to first line p50 {percentile(streams.first_lines, 50) * ms:.1f} ms, "
            f"p99 {percentile(streams.first_lines, 99) * ms:.1f} ms; {streams.lines} lines "
            f"({streams.lines / elapsed:.0f} lines/s)"
        )
    merged: Counter[str] = Counter()
    for s in stats.values():
        merged.update(s.errors)
    if merged:
        lines.append("errors: " + ", ".join(f"{reason} x{n}" for reason, n in merged.most_common()))
    return "\n".join(lines), rate


async def run(plan: Plan) -> int:
    limits = httpx.Limits(
        max_connections=plan.concurrency, max_keepalive_connections=plan.concurrency, keepalive_expiry=2
    )
    async with httpx.AsyncClient(base_url=plan.url, timeout=plan.timeout, limits=limits) as client:
        try:
            species = await discover(client, plan)
        except (httpx.HTTPError, KeyError, ValueError) as exc:
            print(f"loadtest: cannot use {plan.url}: {type(exc).__name__}: {exc}")
            return 2
        runner = Runner(plan, client, species)
        elapsed = await runner.run()
    text, rate = report(plan, runner.stats, elapsed)
    print(text)
    return 1 if rate > plan.max_error_rate else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/loadtest", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("url", nargs="?", default="http://127.0.0.1:8000", help="default: http://127.0.0.1:8000")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds (default 30)")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight at most (default 32)")
    parser.add_argument("--rate", type=float, default=0.0, help="request starts per second; 0: unpaced (default)")
    parser.add_argument(
        "--mix",
        type=parse_mix,
        default=parse_mix("read=70,write=10,stream=20"),
        help="weights of read, write, stream (default read=70,write=10,stream=20)",
    )
    parser.add_argument(
        "--api-key",
        default=os.environ.get("LOADTEST_API_KEY"),
        help="key for writes, sent as X-API-Key (default: $LOADTEST_API_KEY)",
    )
    parser.add_argument("--plant-genus", default="Plantago", help="genus for plant reads and streams")
    parser.add_argument("--animal-genus", default="Vanessa", help="genus for animal reads")
    parser.add_argument("--timeout", type=float, default=10.0, help="per request, seconds (default 10)")
    parser.add_argument("--max-error-rate", type=float, default=0.01, help="exit 1 above this (default 0.01)")
    parser.add_argument("--seed", type=int, default=None, help="for a repeatable mix")
    args = parser.parse_args(argv)
    if args.concurrency < 1 or args.duration <= 0 or args.rate < 0:
        parser.error("--concurrency must be >= 1, --duration > 0 and --rate >= 0")
    plan = Plan(
        url=args.url.rstrip("/"),
        duration=args.duration,
        concurrency=args.concurrency,
        rate=args.rate,
        mix=args.mix,
        api_key=args.api_key,
        plant_genus=args.plant_genus,
        animal_genus=args.animal_genus,
        timeout=args.timeout,
        max_error_rate=args.max_error_rate,
        seed=args.seed,
    )
    return asyncio.run(run(plan))
