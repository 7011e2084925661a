"""Several `python -m app` instances behind Debian's haproxy running deploy/haproxy.cfg as shipped.

The config is used unchanged: only its environment variables are set (API1, API2, API_LISTEN, STATS_LISTEN).
haproxy logs one line per request to its stdout (`option httplog`), which goes to a file here and is parsed by
`Balancer.entries()`: which instance answered, how the exchange ended (the termination state), and how many
times haproxy retried it. `Balancer.stats()` reads its per-server counters and health states.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx

from app.config import Settings
from tests.support.processes import ROOT, Server, free_port, start_app, stop_process, stop_server

CONFIG = ROOT / "deploy" / "haproxy.cfg"
BACKEND = "instances"  # the backend of deploy/haproxy.cfg, and its servers
SERVERS = ("api1", "api2")

# `option httplog`: %ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %{+Q}r
_HTTPLOG = re.compile(
    r"^\S+ \[(?P<received>[^\]]+)\] \S+ (?P<backend>[^/\s]+)/(?P<server>\S+) "
    r"-?\d+/-?\d+/-?\d+/-?\d+/\+?-?\d+ (?P<status>-?\d+) \+?\d+ \S+ \S+ (?P<term>\S{4}) "
    r"\d+/\d+/\d+/\d+/(?P<retries>\+?\d+) \d+/\d+ \"(?P<request>[^\"]*)\""
)


@dataclass(frozen=True)
class LogEntry:
    """One request as haproxy logged it when it ended."""

    received: float  # epoch seconds: when haproxy got the request's first byte
    server: str  # the instance that answered last (after retries), or <NOSRV>
    status: int  # -1: no status was sent
    term: str  # termination state, e.g. ---- (clean), SD-- (the server went away during the body)
    retries: int
    redispatched: bool  # the retries field had its "+": a retry went to another instance
    request: str  # "GET /path HTTP/1.1"

    @property
    def path(self) -> str:
        parts = self.request.split(" ")
        return parts[1] if len(parts) > 1 else ""

    @property
    def server_aborted(self) -> bool:
        """The exchange ended because the instance closed or reset the connection (S as the first letter)."""
        return self.term.startswith("S")


def parse_log(text: str) -> list[LogEntry]:
    entries = []
    for line in text.splitlines():
        found = _HTTPLOG.match(line)
        if not found:
            continue  # start-up lines, health-check transitions ("Server instances/api1 is DOWN, ...")
        received = datetime.strptime(found["received"], "%d/%b/%Y:%H:%M:%S.%f").timestamp()  # local time
        retries = found["retries"]
        entries.append(
            LogEntry(
                received,
                found["server"],
                int(found["status"]),
                found["term"],
                int(retries.lstrip("+")),
                retries.startswith("+"),
                found["request"],
            )
        )
    return entries


@dataclass
class Balancer:
    """haproxy with deploy/haproxy.cfg: the API at `url`, its stats and Prometheus metrics at `stats_url`."""

    process: subprocess.Popen[bytes]
    url: str
    stats_url: str
    log: Path

    def stats(self) -> dict[str, dict[str, str]]:
        """The CSV stats of the backend's rows: one per server, and BACKEND for the whole backend."""
        text = httpx.get(f"{self.stats_url}/stats;csv", timeout=5).text
        rows = csv.DictReader(io.StringIO(text.removeprefix("# ")))
        return {row["svname"]: row for row in rows if row["pxname"] == BACKEND}

    def status(self, server: str) -> str:
        """UP, DOWN, or a transition such as "UP 1/2" (one more failed check to go)."""
        return self.stats()[server]["status"]

    async def wait_status(self, server: str, status: str, within: float) -> float:
        """Seconds until haproxy's health checks put `server` in `status`."""
        started = time.monotonic()
        while time.monotonic() - started < within:
            if await asyncio.to_thread(self.status, server) == status:
                return time.monotonic() - started
            await asyncio.sleep(0.1)
        raise AssertionError(f"{server} not {status} within {within} s: {self.status(server)}\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def entries(self) -> list[LogEntry]:
        return parse_log(self.output())

    def transitions(self) -> list[str]:
        """haproxy's own lines about health: "Server instances/api1 is DOWN, reason: ..." (each is printed twice,
        once as a warning on stderr: the log line is kept)."""
        return [line for line in self.output().splitlines() if line.startswith(f"Server {BACKEND}/")]


@contextmanager
def running_balancer(binary: str, api1: str, api2: str, log: Path, *, within: float = 20) -> Iterator[Balancer]:
    """haproxy -f deploy/haproxy.cfg in the foreground with only its variables set; its frontend and stats on free
    ports of 127.0.0.1. Stopped (SIGTERM, then SIGKILL) when the block ends."""
    listen, stats = free_port(), free_port()
    environment = {
        "PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
        "API1": api1,
        "API2": api2,
        "API_LISTEN": f"127.0.0.1:{listen}",
        "STATS_LISTEN": f"127.0.0.1:{stats}",
    }
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [binary, "-db", "-f", str(CONFIG)], env=environment, stdout=handle, stderr=subprocess.STDOUT
        )
    balancer = Balancer(process, f"http://127.0.0.1:{listen}", f"http://127.0.0.1:{stats}", log)
    try:
        deadline = time.monotonic() + within
        while True:
            try:
                balancer.stats()
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"haproxy did not start:\n{balancer.output()}") from None
                time.sleep(0.1)
        yield balancer
    finally:
        stop_process(process, 10)


@dataclass
class Instance:
    """One `python -m app` at a fixed address, which a test may stop, kill and start again at the same address."""

    name: str  # its server name in deploy/haproxy.cfg
    host: str
    port: int
    env: dict[str, str]
    logs: Path
    server: Server | None = None
    runs: int = 0

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    @property
    def running(self) -> bool:
        return self.server is not None and self.server.process.poll() is None

    def start(self) -> Server:
        """Start it (again), ready once /readyz answers; each run logs to its own file."""
        self.runs += 1
        log = self.logs / f"{self.name}-run{self.runs}.log"
        self.server = start_app(self.env, log, host=self.host, port=self.port)
        return self.server

    def signal(self, signum: signal.Signals) -> None:
        assert self.server is not None and self.running, f"{self.name} is not running"
        os.kill(self.server.process.pid, signum)

    def wait_exit(self, timeout: float) -> int:
        assert self.server is not None
        return self.server.process.wait(timeout)

    def stop(self) -> None:
        if self.server is not None:
            stop_server(self.server)


@dataclass
class ScaleOut:
    """Two instances of the service on their own loopback addresses, behind the balancer, on one keyspace."""

    settings: Settings
    instances: list[Instance]
    balancer: Balancer
    secret: str  # the PAGE_STATE_SECRETS key they share

    def instance(self, name: str) -> Instance:
        return next(i for i in self.instances if i.name == name)

    async def all_up(self, within: float = 90) -> None:
        """Every instance running and UP in haproxy's eyes (one that a test stopped is started again)."""
        for instance in self.instances:
            if not instance.running:
                await asyncio.to_thread(instance.start)
        for instance in self.instances:
            await self.balancer.wait_status(instance.name, "UP", within)


def instance_address(host: str) -> tuple[str, int]:
    """(host, a port free on it): a loopback address of the instance's own."""
    return host, free_port(host)
