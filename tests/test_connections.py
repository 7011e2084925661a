"""Connections that never send a request neither stop the service nor exhaust its descriptors (`python -m app`).

uvicorn arms no timer before a request's headers are complete, and counts every connection against
`limit_concurrency`. Here 3,000 half-open connections (two thirds send nothing, one third half a request line) hit
a real `python -m app` whose descriptor limit is 1,024, while a probe asks for a plant every 100 ms. The guarded
protocol (`app/server/protocol.py`) closes each connection that has not sent its headers within HEADER_TIMEOUT, and at
the connection limit a newcomer closes the oldest one still waiting for its headers.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from cassandra.cluster import Session

from app.config import Settings
from tests.support.processes import Server, service_env, start_app, stop_server
from tests.support.service import metric, open_descriptors, port_of

HALF_OPEN = 3000
BATCH = 250
HEADER_TIMEOUT = 1.0
DESCRIPTORS = 1024  # the service's RLIMIT_NOFILE in this test: fewer than the connections thrown at it
# MAX_CONNECTIONS = 32 + 32 + 8 + 64 = 136
LIMITS = {"MAX_CONCURRENT_REQUESTS": "32", "MAX_QUEUED_REQUESTS": "32", "MAX_STREAMS": "8"}
CONNECTION_LIMIT = 136


@pytest.fixture(scope="module")
def service(settings: Settings, cql: Session, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    env = service_env(settings, HEADER_TIMEOUT=str(HEADER_TIMEOUT), METRICS_CACHE_SECONDS="0", **LIMITS)
    running = start_app(env, tmp_path_factory.mktemp("connections") / "server.log", max_descriptors=DESCRIPTORS)
    yield running
    stop_server(running)


@dataclass
class Probe:
    """A point read every `interval` on a fresh connection, from a thread, while the test floods the service."""

    url: str
    interval: float = 0.1
    results: list[tuple[float, bool]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self.stop.is_set():
            began = time.monotonic()
            try:
                ok = httpx.get(f"{self.url}/plant/Plantago/afra", timeout=3).status_code == 200
            except httpx.HTTPError:
                ok = False
            self.results.append((began, ok))
            self.stop.wait(max(0.0, self.interval - (time.monotonic() - began)))

    def longest_outage(self) -> float:
        """The longest time between two successful probes (or from the first probe to the first success)."""
        longest, last_ok = 0.0, self.results[0][0]
        for at, ok in self.results:
            if ok:
                longest, last_ok = max(longest, at - last_ok), at
        return max(longest, self.results[-1][0] - last_ok)


def open_half(port: int, count: int, partial: bool) -> list[socket.socket]:
    """`count` connections to the service, completed without blocking; `partial` ones send half a request line."""
    pending = []
    for _ in range(count):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        sock.connect_ex(("127.0.0.1", port))
        pending.append(sock)
    deadline = time.monotonic() + 10
    poller = select.poll()
    waiting = {sock.fileno(): sock for sock in pending}
    for fd in waiting:
        poller.register(fd, select.POLLOUT)
    while waiting and time.monotonic() < deadline:
        for fd, _ in poller.poll(1000):
            poller.unregister(fd)
            sock = waiting.pop(fd)
            if partial and not sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                with contextlib.suppress(OSError):
                    sock.send(b"GET /plant/Plantago HTTP/1.1\r\nHost: te")
    return pending


def test_thousands_of_half_open_connections_neither_stop_service_nor_exhaust_descriptors(service: Server) -> None:
    pid, port = service.process.pid, port_of(service)
    baseline = open_descriptors(pid)
    probe = Probe(service.url)
    prober = threading.Thread(target=probe.run, daemon=True)
    prober.start()
    held: list[socket.socket] = []
    peak = baseline
    try:
        time.sleep(0.5)
        for i in range(HALF_OPEN // BATCH):
            held += open_half(port, BATCH, partial=i % 3 == 2)
            peak = max(peak, open_descriptors(pid))
        flooded = time.monotonic()
        while time.monotonic() - flooded < HEADER_TIMEOUT + 2:  # hold them all, as an attacker would
            peak = max(peak, open_descriptors(pid))
            time.sleep(0.1)
        after = open_descriptors(pid)
        answered_408 = 0
        for sock in held[2 * BATCH : 3 * BATCH]:  # the third batch sent half a request line
            with contextlib.suppress(OSError):
                answered_408 += sock.recv(64).startswith(b"HTTP/1.1 408")
    finally:
        probe.stop.set()
        prober.join(10)
        for sock in held:
            sock.close()
    reasons = {
        reason: metric(service, "app_connections_closed_total", reason=reason)
        for reason in ("header_timeout", "evicted", "refused")
    }
    closed = sum(reasons.values())
    ok = sum(1 for _, good in probe.results if good)
    outage = probe.longest_outage()
    print(
        f"\nhalf-open connections: {HALF_OPEN} (RLIMIT_NOFILE {DESCRIPTORS}, MAX_CONNECTIONS {CONNECTION_LIMIT}, "
        f"HEADER_TIMEOUT {HEADER_TIMEOUT:g} s): service descriptors {baseline} before, peak {peak}, {after} after "
        f"{HEADER_TIMEOUT + 2:g} s; {closed:.0f} connections closed by the service "
        f"({', '.join(f'{n:.0f} {reason}' for reason, n in reasons.items())}); probes {ok}/{len(probe.results)} "
        f"answered 200, longest gap between answers {outage:.2f} s; {answered_408} half requests answered 408"
    )
    assert peak < DESCRIPTORS - 100  # never near exhaustion
    assert peak <= baseline + CONNECTION_LIMIT + CONNECTION_LIMIT // 10 + 20
    assert after <= baseline + 10  # every half-open connection is gone, though the clients still hold theirs
    assert closed >= HALF_OPEN
    assert outage < HEADER_TIMEOUT + 1.5  # service never stopped for longer than the header timeout and a bit
    assert ok >= 0.8 * len(probe.results)
    assert answered_408 > 0
    assert "Too many open files" not in service.output()


def test_a_slow_but_complete_request_is_served(service: Server) -> None:
    """The deadline is on the headers as a whole: a client sending them in pieces within it is served."""
    with socket.create_connection(("127.0.0.1", port_of(service)), timeout=10) as sock:
        for piece in (b"GET /plant/Plant", b"ago/afra HTTP/1.1\r\n", b"Host: test\r\n", b"Connection: close\r\n\r\n"):
            sock.sendall(piece)
            time.sleep(HEADER_TIMEOUT / 5)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200")


def test_a_connection_that_sends_no_headers_in_time_is_closed(service: Server) -> None:
    before = metric(service, "app_connections_closed_total", reason="header_timeout")
    silent = [socket.create_connection(("127.0.0.1", port_of(service)), timeout=10) for _ in range(20)]
    partial = [socket.create_connection(("127.0.0.1", port_of(service)), timeout=10) for _ in range(20)]
    try:
        for sock in partial:
            sock.sendall(b"GET /plant/Plantago HTTP/1.1\r\nHost: te")
        started = time.monotonic()
        answers = [sock.recv(4096) for sock in silent + partial]  # each blocks until the service closes it
        waited = time.monotonic() - started
    finally:
        for sock in silent + partial:
            sock.close()
    assert answers[:20] == [b""] * 20  # closed, nothing said: nothing was asked
    assert all(answer.startswith(b"HTTP/1.1 408") and b"request_timeout" in answer for answer in answers[20:])
    assert HEADER_TIMEOUT * 0.8 <= waited <= HEADER_TIMEOUT + 2
    assert metric(service, "app_connections_closed_total", reason="header_timeout") - before == 40
