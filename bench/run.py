"""The benchmark, in one run: (a) this service against (b) the sample's blocking pattern, (c) thread-pool endpoints,
(d) the driver alone through our bridge and (e) acsylla alone; then streaming and a slow consumer.

Every HTTP variant runs under the same uvicorn settings (1 worker, uvloop, httptools, no access log); the load comes
from a separate process (wrk, curl, or a small client of ours). Results go to bench/results/.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench import dataset, encoding, report, split

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
CONCURRENCY = (1, 16, 64, 256)
HTTP_VARIANTS = {
    "a: this service": "app.main:app",
    "b: blocking in async def (sample)": "bench.baselines.blocking:app",
    "c: def endpoints (thread pool)": "bench.baselines.threadpool:app",
    "f: bare FastAPI route (reference)": "bench.baselines.floor:app",
}
CLIENT_VARIANTS = {"d: driver alone (our bridge)": "driver", "e: acsylla alone": "acsylla"}
STREAM_ROWS = {100_000: dataset.HUNDRED_K, 1_000_000: dataset.MILLION}
# A 100,000-row stream lasts ~0.4 s: one run is at the mercy of whatever else the two cores do at that moment, so
# every variant streams it three times and the median run counts. The 1,000,000-row streams last seconds.
STREAM_REPEATS = {100_000: 3, 1_000_000: 1}
SECTIONS = ("point", "split", "cuts", "middleware", "streaming", "slow", "profile", "rows", "ingest")
NODE_PID = ROOT / ".cassandra" / "node1" / "pid"


def log(message: str) -> None:
    print(f"==> {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Service:
    name: str
    url: str
    process: subprocess.Popen[bytes]

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss_mb(self, key: str = "VmRSS") -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
        return 0.0

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process so far (all its threads: the driver's IO thread too)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def reset_peak(self) -> None:
        Path(f"/proc/{self.pid}/clear_refs").write_text("5")  # resets VmHWM to the current RSS


def start(name: str, target: str, logs: Path, *, tag: str = "", **extra_env: str) -> Service:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASTRA_DB_", "CASSANDRA_"))}
    # Writes are open (no API key) for every variant alike: the benchmark measures the data path, not auth.
    env.update(
        CASSANDRA_KEYSPACE=dataset.KEYSPACE,
        PAGE_STATE_SECRET="bench-only-page-state-secret-0123456789",
        LOG_LEVEL="warning",
    )
    env.update(ALLOW_ANONYMOUS_WRITES="true", **extra_env)
    command = [
        PYTHON,
        "-m",
        "uvicorn",
        target,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    handle = (logs / f"{target.split(':')[0]}{tag}.log").open("wb")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
    service = Service(name, f"http://127.0.0.1:{port}", process)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}; see {handle.name}")
        try:
            if httpx.get(f"{service.url}/healthz", timeout=1).status_code == 200:
                return service
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{name} did not start")


def stop(running: Iterable[Service]) -> None:
    """SIGTERM every service, then wait for each (SIGKILL after 20 s): they drain side by side, not one by one."""
    started = list(running)
    for service in started:
        service.process.terminate()
    for service in started:
        try:
            service.process.wait(20)
        except subprocess.TimeoutExpired:
            service.process.kill()


@contextmanager
def services(
    logs: Path, variants: dict[str, str] | None = None, *, tag: str = "", **extra_env: str
) -> Iterator[dict[str, Service]]:
    running: dict[str, Service] = {}
    try:
        for name, target in (variants or HTTP_VARIANTS).items():
            running[name] = start(name, target, logs, tag=tag, **extra_env)
        yield running
    finally:
        stop(running.values())


def node_pid() -> int | None:
    """The local Cassandra node's pid (scripts/cassandra writes it), or None when the database is elsewhere."""
    try:
        pid = int(NODE_PID.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pid if Path(f"/proc/{pid}").exists() else None


def node_cpu_s(pid: int | None) -> float:
    return split.process_cpu_s(pid) if pid else 0.0


# ---- point reads and writes -------------------------------------------------------------------------------------

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * UNITS[unit]


def wrk(url: str, script: str, concurrency: int, seconds: float) -> dict[str, float]:
    command = [
        "wrk",
        "-t",
        "1",
        "-c",
        str(concurrency),
        "-d",
        f"{seconds:g}s",
        "--latency",
        "--timeout",
        "10s",
        "-s",
        str(ROOT / "bench" / "wrk" / script),
        url,
    ]
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


def client(kind: str, work: str, *extra: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    out = subprocess.run(
        [PYTHON, "-m", "bench.clients", kind, work, *extra],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    ).stdout
    return orjson.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def point(running: dict[str, Service], seconds: float, results: dict[str, Any]) -> None:
    rows: list[dict[str, Any]] = results.setdefault("point", [])
    node = node_pid()
    for service in running.values():  # warm up: connections, prepared statements, caches
        wrk(service.url, "read.lua", 16, 1)
    for work, script in (("read", "read.lua"), ("write", "write.lua")):
        for concurrency in CONCURRENCY:
            for name, service in running.items():
                cpu, db_cpu = service.cpu_seconds(), node_cpu_s(node)
                measured = wrk(service.url, script, concurrency, seconds)
                done = max(1, measured["requests"])
                measured["cpu_ms"] = (service.cpu_seconds() - cpu) * 1000 / done
                if node:
                    measured["db_cpu_ms"] = (node_cpu_s(node) - db_cpu) * 1000 / done
                rows.append({"work": work, "concurrency": concurrency, "variant": name, **measured})
                log(
                    f"{work} c={concurrency} {name}: {measured['rps']:.0f} req/s p99 {measured['p99_ms']:.1f} ms"
                    + (f" ({measured['errors']} ERRORS)" if measured["errors"] else "")
                )
            for name, kind in CLIENT_VARIANTS.items():
                extra = ["--node-pid", str(node)] if node else []
                measured = client(kind, work, "--concurrency", str(concurrency), "--seconds", f"{seconds:g}", *extra)
                rows.append({"work": work, "concurrency": concurrency, "variant": name, **measured})
                log(
                    f"{work} c={concurrency} {name}: {measured['rps']:.0f} ops/s p99 {measured['p99_ms']:.1f} ms"
                    + (f" ({measured['errors']} ERRORS)" if measured["errors"] else "")
                )


def remote(logs: Path, seconds: float, delay_ms: float, results: dict[str, Any]) -> None:
    """Point reads at c=64 once more, with every Cassandra round trip DELAY_MS longer (bench/delay_proxy.py)."""
    port = free_port()
    proxy = subprocess.Popen([PYTHON, "-m", "bench.delay_proxy", str(port), "9042", f"{delay_ms:g}"], cwd=ROOT)
    rows: list[dict[str, Any]] = results.setdefault("remote", [])
    try:
        time.sleep(1)
        with services(logs, tag="-remote", CASSANDRA_CONTACT_POINTS="127.0.0.1", CASSANDRA_PORT=str(port)) as running:
            for service in running.values():
                wrk(service.url, "read.lua", 16, 1)
            for name, service in running.items():
                measured = wrk(service.url, "read.lua", 64, seconds)
                rows.append({"work": "read", "concurrency": 64, "variant": name, "delay_ms": delay_ms, **measured})
                log(f"read c=64, database +{delay_ms:g} ms, {name}: {measured['rps']:.0f} req/s")
    finally:
        proxy.terminate()
        proxy.wait(10)


# ---- the split: per-thread CPU, context switches and GIL, point reads at c=64 ----------------------------------

SPLIT_VARIANTS = {
    "a: this service": "app.main:app",
    "f: bare FastAPI route (reference)": "bench.baselines.floor:app",
}
SPLIT_CONCURRENCY = 64


def _gil_while(pid: int, seconds: float, load: Any, name: str) -> dict[str, Any] | None:
    """py-spy --gil on `pid` while `load()` runs; None (and a log line) if py-spy cannot attach."""
    raw = RESULTS / f"split-{name}.tmp"
    spy = split.record_gil(pid, seconds - 1, raw)
    time.sleep(0.5)
    load()
    _, err = spy.communicate(timeout=seconds + 60)
    if spy.returncode != 0 or not raw.exists():
        log(f"py-spy --gil failed ({err.strip()[:200]}); no GIL profile for {name}")
        return None
    summary = split.summarise_gil(raw)
    raw.unlink()
    return summary


def _split_driver(io: str, seconds: float, node: int | None) -> dict[str, Any]:
    """(d) through bench/clients.py, which measures its own threads; then once more under py-spy --gil."""
    args = ["--concurrency", str(SPLIT_CONCURRENCY), "--seconds", f"{seconds:g}", "--split"]
    args += ["--node-pid", str(node)] if node else []
    env = {**os.environ, "DRIVER_IO": io}
    measured = client("driver", "read", *args, env={"DRIVER_IO": io})
    command = [PYTHON, "-m", "bench.clients", "driver", "read", *args]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    while (line := process.stderr.readline()) and line.strip() != "measuring":
        pass
    measured["gil"] = _gil_while(process.pid, seconds, lambda: process.wait(seconds + 120), f"d-{io}")
    process.communicate(timeout=60)
    return measured


def _split_http(service: Service, seconds: float, node: int | None, io: str, key: str) -> dict[str, Any]:
    wrk(service.url, "read.lua", 16, 1)
    names = split.thread_names(service.pid)
    before, db_cpu = split.sample(service.pid), node_cpu_s(node)
    measured: dict[str, Any] = wrk(service.url, "read.lua", SPLIT_CONCURRENCY, seconds)
    after, done = split.sample(service.pid), max(1, measured["requests"])
    measured["cpu_ms"] = sum(a.cpu_s - before[t].cpu_s if t in before else a.cpu_s for t, a in after.items())
    measured["cpu_ms"] *= 1000 / done
    if node:
        measured["db_cpu_ms"] = (node_cpu_s(node) - db_cpu) * 1000 / done
    measured["threads"] = split.per_request(before, after, names, measured["requests"])
    measured["gil"] = _gil_while(
        service.pid, seconds, lambda: wrk(service.url, "read.lua", SPLIT_CONCURRENCY, seconds), f"{key}-{io}"
    )
    return measured


def split_section(logs: Path, seconds: float, io_modes: list[str], results: dict[str, Any]) -> None:
    """Point reads at c=64 for (d), (f) and (a), under each DRIVER_IO: where each thread's CPU goes, per request."""
    rows: list[dict[str, Any]] = results.setdefault("split", [])
    node = node_pid()
    for io in io_modes:
        measured = _split_driver(io, seconds, node)
        rows.append({"variant": "d: driver alone (our bridge)", "io": io, **measured})
        log(f"split d io={io}: {measured['rps']:.0f} ops/s, {measured['cpu_ms']:.3f} ms CPU/op")
        with services(logs, SPLIT_VARIANTS, tag=f"-{io}", DRIVER_IO=io) as running:
            for name, service in running.items():
                measured = _split_http(service, seconds, node, io, name[0])
                rows.append({"variant": name, "io": io, **measured})
                log(f"split {name[0]} io={io}: {measured['rps']:.0f} req/s, {measured['cpu_ms']:.3f} ms CPU/req")


# ---- A/B: each per-request cut, and each middleware, priced against the service in the same run -----------------

# name -> (uvicorn target, environment). The first of each group is the reference the others are compared with.
LOOP = {"DRIVER_IO": "loop"}
CUTS_HTTP: dict[str, tuple[str, dict[str, str]]] = {
    "a, DRIVER_IO=loop, every cut": ("app.main:app", LOOP),
    "a, DRIVER_IO=libev, every cut": ("app.main:app", {"DRIVER_IO": "libev"}),
    "a, loop, protocol v5 (cut undone)": ("app.main:app", {**LOOP, "CASSANDRA_PROTOCOL_VERSION": "5"}),
    "a, loop, the bridge before these cuts": ("bench.variants:app", {**LOOP, "BENCH_UNDO": "bridge"}),
    "a, libev, the bridge before these cuts": ("bench.variants:app", {"DRIVER_IO": "libev", "BENCH_UNDO": "bridge"}),
    "a, loop, ResultSet per reply (cut undone)": ("bench.variants:app", {**LOOP, "BENCH_UNDO": "resultset"}),
    "a, loop, one send per request (cut undone)": ("bench.variants:app", {**LOOP, "BENCH_UNDO": "coalesce"}),
    "a, loop, point reads without paging (tried)": ("bench.variants:app", {**LOOP, "BENCH_DO": "point-unpaged"}),
}
MIDDLEWARES = ("OneLineStartupFailure", "Observability", "BodyLimit", "AdmissionControl", "ServerTimeout")
MIDDLEWARE_HTTP: dict[str, tuple[str, dict[str, str]]] = {
    "a: this service": ("app.main:app", {}),
    "a, no middleware at all": ("bench.variants:app", {"BENCH_DROP_MIDDLEWARE": "all"}),
    **{f"a without {m}": ("bench.variants:app", {"BENCH_DROP_MIDDLEWARE": m}) for m in MIDDLEWARES},
}
AB_ROUNDS = 5


def wrk_or_dump(service: Service, seconds: float, logs: Path) -> dict[str, Any]:
    """wrk at c=64; if it cannot finish, the service's stacks (py-spy dump) go to the logs before the error."""
    try:
        return wrk(service.url, "read.lua", SPLIT_CONCURRENCY, seconds)
    except subprocess.TimeoutExpired:
        dump = subprocess.run(
            [split.py_spy(), "dump", "--pid", str(service.pid), "--locals"], capture_output=True, text=True, timeout=60
        )
        where = logs / f"stuck-{service.pid}.txt"
        where.write_text(dump.stdout + dump.stderr + f"\nload average {os.getloadavg()}\n")
        log(f"{service.name} stopped answering; its stacks are in {where}")
        raise


def ab_section(
    logs: Path, group: str, http: dict[str, tuple[str, dict[str, str]]], seconds: float, results: dict[str, Any]
) -> None:
    """Point reads at c=64, every variant once per round, AB_ROUNDS rounds interleaved; medians per variant. The
    `cuts` group adds (d)'s variants, interleaved in one process (bench/inproc.py)."""
    node = node_pid()
    running: dict[str, Service] = {}
    rounds: dict[str, list[dict[str, Any]]] = {name: [] for name in http}
    try:
        for index, (name, (target, env)) in enumerate(http.items()):
            running[name] = start(name, target, logs, tag=f"-{group}{index}", **env)
        for service in running.values():
            wrk(service.url, "read.lua", 16, 1)
        order = random.Random(12)
        for _ in range(AB_ROUNDS):
            for name, service in order.sample(list(running.items()), len(running)):
                cpu, db_cpu = service.cpu_seconds(), node_cpu_s(node)
                measured: dict[str, Any] = wrk_or_dump(service, seconds, logs)
                done = max(1, measured["requests"])
                measured["cpu_ms"] = (service.cpu_seconds() - cpu) * 1000 / done
                if node:
                    measured["db_cpu_ms"] = (node_cpu_s(node) - db_cpu) * 1000 / done
                rounds[name].append(measured)
    finally:
        stop(running.values())
    rows: list[dict[str, Any]] = results.setdefault("ab", {}).setdefault(group, [])
    for name, runs in rounds.items():
        if not runs:
            continue
        row: dict[str, Any] = {"variant": name, "rounds": len(runs), "runs": runs}
        for key in ("rps", "cpu_ms", "db_cpu_ms", "p99_ms", "errors"):
            values = [r[key] for r in runs if r.get(key) is not None]
            if values:
                row[key] = statistics.median(values)
        row["cpu_ms_min"] = min(r["cpu_ms"] for r in runs)
        rows.append(row)
        log(f"{group}: {name}: {row['rps']:.0f} req/s, {row['cpu_ms']:.3f} ms CPU/req (median of {len(runs)})")
    if group == "cuts":
        command = [PYTHON, "-m", "bench.inproc", "--seconds", f"{max(1.5, seconds / 3):g}", "--rounds", "12"]
        command += ["--concurrency", str(SPLIT_CONCURRENCY), *(["--node-pid", str(node)] if node else [])]
        out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1800, check=True).stdout
        for row in orjson.loads(out.strip().splitlines()[-1]):
            rows.append(row)
            log(f"{group}: {row['variant']}: {row['rps']:.0f} ops/s, {row['cpu_ms']:.3f} ms CPU/op (median)")


# ---- point reads over TLS, through the Astra stand-in's bundle, beside plain TCP --------------------------------


def astra_env() -> dict[str, str]:
    """The four ASTRA_DB_* variables `scripts/astra-local start` wrote (ASTRA_LOCAL_DIR, default .astra-local/)."""
    home = Path(os.environ.get("ASTRA_LOCAL_DIR", ROOT / ".astra-local"))
    pairs = (line.split("=", 1) for line in (home / "env").read_text().splitlines() if "=" in line)
    return {name.strip(): value.strip() for name, value in pairs if not name.lstrip().startswith("#")}


def astra_section(logs: Path, seconds: float, results: dict[str, Any]) -> None:
    """(a) and (f) through the bundle (TLS, SNI, token auth) and over plain TCP, both DRIVER_IO values, interleaved."""
    env = astra_env()
    log("loading the Point animals into the Astra stand-in's keyspace where missing")
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        dataset.load_points(dataset.settings())
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    http: dict[str, tuple[str, dict[str, str]]] = {}
    for io in ("libev", "loop"):
        for key, target in (("a", "app.main:app"), ("f", "bench.baselines.floor:app")):
            http[f"{key}, plain TCP, DRIVER_IO={io}"] = (target, {"DRIVER_IO": io})
            http[f"{key}, TLS via the Astra bundle, DRIVER_IO={io}"] = (target, {"DRIVER_IO": io, **env})
    ab_section(logs, "astra", http, seconds, results)


# ---- streaming --------------------------------------------------------------------------------------------------


def curl_stream(url: str) -> dict[str, float]:
    out = subprocess.run(
        [
            "curl",
            "-sS",
            "-o",
            "/dev/null",
            "--max-time",
            "300",
            "-w",
            "%{http_code} %{time_starttransfer} %{time_total} %{size_download}",
            url,
        ],
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


def streaming(running: dict[str, Service], results: dict[str, Any]) -> None:
    rows: list[dict[str, Any]] = results.setdefault("streaming", [])
    ours = running["a: this service"]
    sample = running["b: blocking in async def (sample)"]
    for count, genus in STREAM_ROWS.items():
        for framing in ("json", "ndjson"):
            for label, service in (("a: this service", ours), ("sample's sync generator", sample)):
                runs, growth = [], []
                for _ in range(STREAM_REPEATS[count]):
                    time.sleep(1)
                    idle = service.rss_mb()
                    service.reset_peak()
                    runs.append(curl_stream(f"{service.url}/plant/{genus}?format={framing}"))
                    growth.append(service.rss_mb("VmHWM") - idle)
                measured = median_run(runs, "seconds")
                entry = {
                    "variant": label,
                    "rows": count,
                    "framing": framing,
                    **measured,
                    "rows_per_s": count / measured["seconds"],
                    "rss_growth_mb": max(growth),
                    "runs": len(runs),
                }
                rows.append(entry)
                log(
                    f"stream {count:,} {framing} {label}: {entry['rows_per_s']:,.0f} rows/s, "
                    f"ttfb {measured['ttfb_ms']:.1f} ms, rss +{entry['rss_growth_mb']:.1f} MB"
                )
        for label, kind in (
            ("d: driver alone (our bridge)", "driver"),
            ("driver alone (sync ResultSet)", "sync-driver"),
            ("e: acsylla alone", "acsylla"),
        ):
            runs = [client(kind, "stream", "--genus", genus) for _ in range(STREAM_REPEATS[count])]
            measured = median_run(runs, "rows_per_s")
            rows.append({"variant": label, "rows": count, "framing": "-", **measured, "runs": len(runs)})
            log(f"stream {count:,} {label}: {measured['rows_per_s']:,.0f} rows/s, ttfb {measured['ttfb_ms']:.1f} ms")
    first: dict[str, list[float]] = {"1 row": [], "1,000,000 rows": []}
    for _ in range(7):
        first["1 row"].append(first_byte_ms(f"{ours.url}/plant/{dataset.ONE}?format=ndjson"))
        first["1,000,000 rows"].append(first_byte_ms(f"{ours.url}/plant/{dataset.MILLION}?format=ndjson"))
        time.sleep(0.3)
    results["ttfb"] = {name: statistics.median(values) for name, values in first.items()}
    log(f"time to first byte (median of 7): {results['ttfb']}")


# ---- slow consumer ----------------------------------------------------------------------------------------------


def page_counters(url: str) -> dict[str, float]:
    """NDJSON pages fetched from the driver and handed to the server so far, from the service's own /metrics."""
    text = httpx.get(f"{url}/metrics", timeout=10).text
    found = {"fetched": 0.0, "streamed": 0.0}
    for key, name in (("fetched", "app_pages_fetched_total"), ("streamed", "app_pages_sent_total")):
        match = re.search(rf'^{name}{{framing="ndjson"}} (\S+)$', text, re.M)
        found[key] = float(match.group(1)) if match else 0.0
    return found


def slow_consumer(running: dict[str, Service], seconds: float, results: dict[str, Any]) -> None:
    ours = running["a: this service"]
    time.sleep(1)
    idle = ours.rss_mb()
    base = page_counters(ours.url)
    samples: list[dict[str, float]] = []
    reader = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "bench.slow_reader",
            f"{ours.url}/plant/{dataset.MILLION}?format=ndjson",
            str(1_000_000),
            f"{seconds:g}",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    started = time.monotonic()
    while reader.poll() is None:
        pages = page_counters(ours.url)
        fetched = max(0, pages["fetched"] - base["fetched"])
        samples.append(
            {
                "t": time.monotonic() - started,
                "rss_growth_mb": ours.rss_mb() - idle,
                "fetched": fetched,
                "streamed": pages["streamed"] - base["streamed"],
                "ahead": fetched - (pages["streamed"] - base["streamed"]),
            }
        )
        time.sleep(0.5)
    out = orjson.loads((reader.stdout.read() if reader.stdout else "{}").strip() or "{}")
    steady = [s for s in samples if s["t"] > 1]
    results["slow"] = {
        "samples": samples,
        "bytes": out.get("bytes", 0),
        "seconds": out.get("seconds", 0),
        "rate_mb_s": out.get("bytes", 0) / max(out.get("seconds", 1), 1e-9) / 1e6,
        "max_rss_growth_mb": max((s["rss_growth_mb"] for s in samples), default=0),
        "max_ahead": max((s["ahead"] for s in steady), default=0),
        "pages_fetched": samples[-1]["fetched"] if samples else 0,
    }
    log(
        f"slow consumer: {results['slow']['rate_mb_s']:.2f} MB/s, rss +{results['slow']['max_rss_growth_mb']:.1f} MB,"
        f" pages ahead ≤ {results['slow']['max_ahead']}"
    )


# ---- profile ----------------------------------------------------------------------------------------------------


def profile(running: dict[str, Service], seconds: float) -> None:
    """py-spy on the service while it serves point reads at concurrency 64, and while it streams 1M rows."""
    spy = shutil.which("py-spy") or str(Path(PYTHON).parent / "py-spy")
    ours = running["a: this service"]
    for name, load in (
        ("point-reads-c64", lambda: wrk(ours.url, "read.lua", 64, seconds)),
        ("stream-1m-ndjson", lambda: curl_stream(f"{ours.url}/plant/{dataset.MILLION}?format=ndjson")),
    ):
        out = RESULTS / f"profile-{name}.txt"
        command = [
            spy,
            "record",
            "--pid",
            str(ours.pid),
            "--duration",
            f"{seconds:g}",
            "--format",
            "raw",
            "--output",
            str(out),
            "--nonblocking",
        ]
        spy_process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(0.5)
        thread = threading.Thread(target=load)
        thread.start()
        thread.join()
        _, err = spy_process.communicate(timeout=seconds + 60)
        if spy_process.returncode != 0:
            log(f"py-spy failed ({err.strip()[:200]}); no profile for {name}")
            continue
        report.summarise_profile(out, RESULTS / f"profile-{name}.md")
        out.unlink()
        log(f"profile written: bench/results/profile-{name}.md")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="scripts/bench")
    parser.add_argument("--seconds", type=float, default=5, help="length of each point measurement")
    parser.add_argument("--slow-seconds", type=float, default=15, help="length of the slow-consumer run")
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        help=f"sections to leave out, comma-separated or repeated: {','.join(SECTIONS)}",
    )
    parser.add_argument(
        "--io", default="libev", help="DRIVER_IO values the split section compares, comma-separated (libev,loop)"
    )
    parser.add_argument("--remote", action="store_true", help="also point reads through bench/delay_proxy.py")
    parser.add_argument(
        "--astra",
        action="store_true",
        help="also point reads over TLS through a running Astra stand-in (scripts/astra-local start) beside TCP",
    )
    parser.add_argument("--delay-ms", type=float, default=2, help="added round-trip time for --remote")
    parser.add_argument(
        "--stargate",
        action="store_true",
        help="rows API beside a running Stargate (STARGATE_URL, STARGATE_TOKEN, STARGATE_CQL from its start script)",
    )
    parser.add_argument("--stargate-warmup", type=float, default=60, help="seconds of load that warm Stargate's JIT")
    args = parser.parse_args(argv)
    skip = {name for value in args.skip for name in value.split(",") if name}
    if unknown := skip - set(SECTIONS):
        parser.error(f"--skip: unknown section(s) {', '.join(sorted(unknown))}; sections are {', '.join(SECTIONS)}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    logs = ROOT / ".cache" / "bench-logs"  # ignored by git
    logs.mkdir(parents=True, exist_ok=True)
    log("loading the benchmark's data set (keyspace bench) where missing")
    dataset.load()
    results: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}",
        "load_average": os.getloadavg(),
        "seconds_per_point": args.seconds,
    }
    results["encoding"] = [list(r) for r in encoding.measure()]
    if args.remote:
        remote(logs, args.seconds, args.delay_ms, results)
    if "split" not in skip:
        split_section(logs, args.seconds, [io for io in args.io.split(",") if io], results)
        keys = ("started", "machine", "load_average", "seconds_per_point", "split")
        only = {key: results[key] for key in keys} | {"load_average_end": os.getloadavg()}
        (RESULTS / "split.json").write_bytes(orjson.dumps(only, option=orjson.OPT_INDENT_2))
        (RESULTS / "split.md").write_text(report.split_markdown(only))
        log("split: bench/results/split.md and split.json")
    groups = [("cuts", CUTS_HTTP), ("middleware", MIDDLEWARE_HTTP)] + ([("astra", None)] if args.astra else [])
    for group, http in groups:
        if group not in skip:
            if http is None:
                astra_section(logs, args.seconds, results)
            else:
                ab_section(logs, group, http, args.seconds, results)
            keys = ("started", "machine", "load_average", "seconds_per_point")
            only = {key: results[key] for key in keys} | {"load_average_end": os.getloadavg(), "ab": results["ab"]}
            (RESULTS / f"{group}.json").write_bytes(orjson.dumps(only, option=orjson.OPT_INDENT_2))
            (RESULTS / f"{group}.md").write_text(report.ab_markdown(only, group))
            log(f"{group}: bench/results/{group}.md and {group}.json")
    if {"point", "streaming", "slow", "profile", "rows", "ingest"} <= skip:
        return
    with services(logs) as running:
        if "point" not in skip:
            point(running, args.seconds, results)
        if "streaming" not in skip:
            streaming(running, results)
        if "slow" not in skip:
            slow_consumer(running, args.slow_seconds, results)
        if "profile" not in skip:
            profile(running, args.seconds)
        if "rows" not in skip:
            rows_section(running["a: this service"], args, results)
    if "ingest" not in skip:
        log("ingest: python -m bench.ingest (1,000,000 NDJSON rows, service and driver alone)")
        subprocess.run([PYTHON, "-m", "bench.ingest"], cwd=ROOT, check=True)
    results["load_average_end"] = os.getloadavg()
    if "rows" not in skip:
        from bench import rows_report

        rows_report.write(results, RESULTS)
        log("rows: bench/results/rows.md, rows.json and rows.png")
    if {"point", "streaming", "slow", "profile"} <= skip:
        return  # results.md stays as the last run that measured its sections left it
    (RESULTS / "results.json").write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))
    report.write(results, RESULTS)
    log("results: bench/results/results.md and *.png")


def rows_section(ours: Service, args: argparse.Namespace, results: dict[str, Any]) -> None:
    """The rows API's own figures (bench/rows_bench.py), imported late: that module builds on this one."""
    from bench import rows_bench

    rows_bench.point_and_page(ours, args.seconds, results)
    rows_bench.streams(ours, results)
    if args.stargate:
        rows_bench.stargate(ours, args.seconds, args.stargate_warmup, results)


if __name__ == "__main__":
    main(sys.argv[1:])
