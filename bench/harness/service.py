"""The HTTP services under measurement: one uvicorn process each, started, watched through /proc, and stopped.

Every HTTP variant runs under the same uvicorn settings (1 worker, uvloop, httptools, no access log), on the
benchmark's keyspace, with writes open: the benchmark measures the data path, not auth.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench import dataset
from bench.harness.common import PYTHON, ROOT
from bench.harness.processes import answers, free_port, process_cpu_s, reset_peak, status_mb, stop_processes

UVICORN_OPTIONS = ("--workers", "1", "--loop", "uvloop", "--http", "httptools", "--no-access-log")
PAGE_STATE_SECRET = "bench-only-page-state-secret-0123456789"


@dataclass
class Service:
    name: str
    url: str
    process: subprocess.Popen[bytes]

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss_mb(self, key: str = "VmRSS") -> float:
        return status_mb(self.pid, key)

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process so far (all its threads: the driver's IO thread too)."""
        return process_cpu_s(self.pid)

    def reset_peak(self) -> None:
        reset_peak(self.pid)


def start(
    name: str,
    target: str,
    logs: Path,
    *,
    tag: str = "",
    strip: tuple[str, ...] = ("ASTRA_DB_", "CASSANDRA_"),
    **extra_env: str,
) -> Service:
    """uvicorn serving `target` on a free port, once /healthz answers; environment variables starting with one of
    `strip` are left out (the variant's own come in `extra_env`)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(strip)}
    env.update(
        CASSANDRA_KEYSPACE=dataset.KEYSPACE,
        PAGE_STATE_SECRET=PAGE_STATE_SECRET,
        LOG_LEVEL="warning",
        ALLOW_ANONYMOUS_WRITES="true",
    )
    env.update(extra_env)
    command = [PYTHON, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(port), *UVICORN_OPTIONS]
    command += ["--log-level", "warning"]
    log_path = logs / f"{target.split(':')[0]}{tag}.log"
    with log_path.open("wb") as handle:  # the child keeps its own descriptor
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
    service = Service(name, f"http://127.0.0.1:{port}", process)
    wait_healthy(service, log_path)
    return service


def wait_healthy(service: Service, log_path: Path, timeout: float = 90) -> None:
    if answers(f"{service.url}/healthz", service.process, timeout, interval=0.2, client_timeout=1):
        return
    if service.process.poll() is not None:
        raise RuntimeError(f"{service.name} exited with {service.process.returncode}; see {log_path}")
    stop([service])
    raise RuntimeError(f"{service.name} did not start within {timeout:g} s; see {log_path}")


def stop(running: Iterable[Service], grace: float = 20) -> None:
    """SIGTERM every service, then wait for each (SIGKILL after `grace`): they drain side by side."""
    stop_processes([service.process for service in running], grace)


@contextmanager
def services(logs: Path, variants: dict[str, str], *, tag: str = "", **extra_env: str) -> Iterator[dict[str, Service]]:
    """One service per variant (name -> uvicorn target), all stopped on the way out."""
    running: dict[str, Service] = {}
    try:
        for name, target in variants.items():
            running[name] = start(name, target, logs, tag=tag, **extra_env)
        yield running
    finally:
        stop(running.values())
