"""Ports, a process's CPU from /proc, and one way to stop a child process: shared by the benchmark and the tests.

Nothing of the benchmark's own (only httpx besides the standard library), so tests/support/processes.py builds on
it too.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import httpx

TICK = os.sysconf("SC_CLK_TCK")


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (the caller binds it soon after; good enough on loopback)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def stop_process(
    process: subprocess.Popen[bytes] | subprocess.Popen[str], grace: float = 30, *, signal: bool = True
) -> int:
    """SIGTERM (unless `signal` is False: the caller sent its own), `grace` seconds to exit, then SIGKILL; the exit
    status. Never a second SIGTERM: uvicorn takes that as "stop draining now"."""
    return stop_processes([process], grace, signal=signal)[0]


def stop_processes(
    processes: list[subprocess.Popen[bytes]] | list[subprocess.Popen[str]], grace: float = 30, *, signal: bool = True
) -> list[int]:
    """`stop_process` for several at once: SIGTERM to all first, so they drain side by side, one deadline for all."""
    if signal:
        for process in processes:
            if process.poll() is None:
                process.terminate()
    deadline = time.monotonic() + grace
    for process in processes:
        try:
            process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return [process.returncode for process in processes]


def answers(
    url: str, process: subprocess.Popen[bytes], timeout: float, *, interval: float = 0.1, client_timeout: float = 2
) -> bool:
    """Poll `url` until it answers 200: True; False as soon as `process` has exited, or once `timeout` has passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            if httpx.get(url, timeout=client_timeout).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(interval)
    return False


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a whole process (all threads, dead ones too)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def status_mb(pid: int, key: str = "VmRSS") -> float:
    """A memory field of /proc/<pid>/status (VmRSS, VmHWM) in MiB; 0 when absent."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def reset_peak(pid: int) -> None:
    """VmHWM := the current RSS (/proc/<pid>/clear_refs)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")
