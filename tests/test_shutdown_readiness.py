"""On SIGTERM `/readyz` turns 503 at once, and PRE_STOP_DELAY keeps serving before the listener closes, so a balancer
stops routing first; with several workers too. A failed start-up with `--workers N` exits non-zero.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from cassandra.cluster import Session

from app.config import Settings
from tests.support.processes import ROOT, Server, free_port, service_env, start_app, stop_server

DELAY = 2.0


def after_sigterm(server: Server) -> dict[str, float | int | None]:
    """SIGTERM the service, then watch: when /readyz first says 503, whether reads are still served meanwhile, and
    when connections are refused."""
    seen: dict[str, float | int | None] = {"ready_503": None, "served_during_delay": 0, "refused": None}
    sent = time.monotonic()
    server.process.send_signal(signal.SIGTERM)
    while time.monotonic() - sent < DELAY + 10:
        now = time.monotonic() - sent
        try:
            ready = httpx.get(f"{server.url}/readyz", timeout=2)
            if ready.status_code == 503 and seen["ready_503"] is None:
                assert ready.json()["error"] == "shutting_down" and ready.headers["retry-after"] == "1"
                seen["ready_503"] = now
            if httpx.get(f"{server.url}/plant/Plantago/afra", timeout=2).status_code == 200:
                seen["served_during_delay"] = int(seen["served_during_delay"] or 0) + 1
        except httpx.ConnectError:
            seen["refused"] = now
            break
        time.sleep(0.05)
    return seen


@pytest.mark.parametrize("workers", [1, 2])
def test_sigterm_turns_readiness_503_at_once_and_keeps_serving_for_the_pre_stop_delay(
    settings: Settings, cql: Session, tmp_path: Path, workers: int
) -> None:
    env = service_env(settings, PRE_STOP_DELAY=str(DELAY), SHUTDOWN_DRAIN_SECONDS="5")
    server = start_app(env, tmp_path / "server.log", workers=workers)
    try:
        for _ in range(4):  # every worker is ready
            assert httpx.get(f"{server.url}/readyz", timeout=5).status_code == 200
        seen = after_sigterm(server)
        status = server.process.wait(30)
    finally:
        stop_server(server)
    print(
        f"\nSIGTERM with PRE_STOP_DELAY={DELAY:g} s, {workers} worker(s): /readyz 503 after {seen['ready_503']:.2f} s, "
        f"{seen['served_during_delay']} reads served meanwhile, connections refused after {seen['refused']:.2f} s"
    )
    assert seen["ready_503"] is not None and seen["ready_503"] < 0.5
    assert seen["served_during_delay"]
    assert seen["refused"] is not None and DELAY - 0.2 <= seen["refused"] <= DELAY + 3  # (probes start each 0.1 s)
    assert status == 0


def test_a_failed_start_up_with_several_workers_exits_non_zero(settings: Settings, cql: Session) -> None:
    env = service_env(settings, CASSANDRA_PORT=str(free_port()), CONNECT_TIMEOUT="2")  # nothing listens there
    done = subprocess.run(
        [sys.executable, "-m", "app", "--workers", "2", "--port", str(free_port())],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 3, done.stderr[-2000:]
    assert "start-up failed" in done.stderr
