"""The load tools: wrk for request rates, curl for whole streams, a raw socket for the first byte, and the clients of
bench/targets/clients.py (the driver or acsylla with no HTTP), each run as a process of its own."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
from collections.abc import Callable
from typing import Any

import httpx
import orjson

from bench.harness.common import PYTHON, ROOT, WRK_SCRIPTS
from bench.harness.service import Service

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}
CURL_FORMAT = "%{http_code} %{time_starttransfer} %{time_total} %{size_download}"


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * UNITS[unit]


def wrk(url: str, script: str, concurrency: int, seconds: float) -> dict[str, float]:
    """One wrk run of bench/wrk/`script`: requests, req/s, p50 and p99 in ms (NaN when wrk printed none), errors."""
    command = ["wrk", "-t", "1", "-c", str(concurrency), "-d", f"{seconds:g}s", "--latency", "--timeout", "10s"]
    command += ["-s", str(WRK_SCRIPTS / script), url]
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.M))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    completed = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = (int(non_2xx.group(1)) if non_2xx else 0) + (sum(map(int, sockets.groups())) if sockets else 0)
    return {
        "requests": completed,
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50_ms": _ms(percentiles["50"]) if "50" in percentiles else float("nan"),
        "p99_ms": _ms(percentiles["99"]) if "99" in percentiles else float("nan"),
        "errors": errors,
    }


def measure(
    run: Callable[[], dict[str, float]], cpu: Callable[[], float], db_cpu: Callable[[], float] | None
) -> dict[str, Any]:
    """One load run (`run()` returns wrk's figures), with the serving process's CPU per request over exactly that run
    (`cpu`), and the database's (`db_cpu`, when there is one to read)."""
    http0, db0 = cpu(), db_cpu() if db_cpu else 0.0
    measured: dict[str, Any] = run()
    done = max(1, measured["requests"])
    measured["cpu_ms"] = (cpu() - http0) * 1000 / done
    if db_cpu:
        measured["db_cpu_ms"] = (db_cpu() - db0) * 1000 / done
    return measured


def client(kind: str, work: str, *extra: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """`python -m bench.targets.clients KIND WORK ...`: its one JSON line of figures."""
    out = subprocess.run(
        [PYTHON, "-m", "bench.targets.clients", kind, work, *extra],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    ).stdout
    return orjson.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def curl_stream(url: str) -> dict[str, float]:
    """A whole stream through curl: time to the first byte, total seconds, bytes."""
    out = subprocess.run(
        ["curl", "-sS", "-o", "/dev/null", "--max-time", "300", "-w", CURL_FORMAT, url],
        capture_output=True,
        text=True,
        timeout=330,
        check=True,
    ).stdout
    code, ttfb, total, size = out.split()
    if code != "200":
        raise RuntimeError(f"{url}: HTTP {code}")
    return {"ttfb_ms": float(ttfb) * 1000, "seconds": float(total), "bytes": float(size)}


def first_byte_ms(url: str) -> float:
    """Time from sending the request to the first byte of the body; then hang up."""
    parts = httpx.URL(url)
    with socket.create_connection((parts.host, parts.port)) as sock:
        started = time.perf_counter()
        sock.sendall(f"GET {parts.raw_path.decode()} HTTP/1.1\r\nhost: bench\r\n\r\n".encode())
        data = b""
        while b"\r\n\r\n" not in data:
            data += sock.recv(65536)
        _, _, body = data.partition(b"\r\n\r\n")
        while not body:
            body = sock.recv(65536)
        return (time.perf_counter() - started) * 1000


def median_run(runs: list[dict[str, float]], key: str) -> dict[str, float]:
    """The run whose `key` is the median (the upper one of an even count): one whole run, never a mix of runs."""
    return sorted(runs, key=lambda run: run[key])[len(runs) // 2]


def streamed(service: Service, path: str, repeats: int) -> tuple[dict[str, float], float, int]:
    """The median of `repeats` curl runs of `path`, the largest RSS growth over an idle service, and the runs."""
    runs, growth = [], []
    for _ in range(repeats):
        time.sleep(1)
        idle = service.rss_mb()
        service.reset_peak()
        runs.append(curl_stream(service.url + path))
        growth.append(service.rss_mb("VmHWM") - idle)
    return median_run(runs, "seconds"), max(growth), len(runs)
