"""Where a point read's CPU goes, per OS thread: the event loop, the driver's IO thread, everything else.

Read from /proc/<pid>/task/<tid>/{stat,status} before and after a measured run: user + system CPU time, voluntary
and involuntary context switches. A second run of the same load under `py-spy record --gil --threads` says which
thread held the GIL for how long and in which frames. Used by bench/sections/split.py for the HTTP variants
and by bench/targets/clients.py (`--split`) on itself for the driver alone.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.harness.processes import TICK

# Python thread names (threading.Thread.name) of the driver's own threads, as py-spy dump reports them.
ROLES = (
    ("MainThread", "event loop (main thread)"),
    ("event_loop", "driver IO thread (libev)"),
    ("asyncio_thread", "driver IO thread (asyncio reactor)"),
    ("Connection heartbeat", "driver heartbeat"),
    ("ThreadPoolExecutor", "driver executor / workers"),
    ("AnyIO worker thread", "driver executor / workers"),
    ("Task Scheduler", "driver scheduler"),
)
OTHER = "other threads"


@dataclass(frozen=True, slots=True)
class ThreadStat:
    cpu_s: float
    voluntary: int
    involuntary: int


def sample(pid: int) -> dict[int, ThreadStat]:
    """CPU seconds and context switches of every live thread of `pid`, by native thread id."""
    out: dict[int, ThreadStat] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
            status = (task / "status").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue  # the thread ended meanwhile
        switches = dict(re.findall(r"^(voluntary|nonvoluntary)_ctxt_switches:\s+(\d+)$", status, re.M))
        out[int(task.name)] = ThreadStat(
            (int(fields[11]) + int(fields[12])) / TICK,
            int(switches.get("voluntary", 0)),
            int(switches.get("nonvoluntary", 0)),
        )
    return out


def role(name: str) -> str:
    for prefix, label in ROLES:
        if name.startswith(prefix):
            return label
    return OTHER


def py_spy() -> str:
    return shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")


def thread_names(pid: int) -> dict[int, str]:
    """Native thread id -> Python thread name, from `py-spy dump` (empty if py-spy cannot attach)."""
    try:
        out = subprocess.run(
            [py_spy(), "dump", "--pid", str(pid), "--nonblocking"], capture_output=True, text=True, timeout=30
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return {}
    return {int(tid): name for tid, name in re.findall(r'^Thread (\d+) \([^)]*\): "([^"]*)"', out, re.M)}


def per_request(
    before: dict[int, ThreadStat], after: dict[int, ThreadStat], names: dict[int, str], requests: int
) -> dict[str, dict[str, float]]:
    """Per role: CPU ms, voluntary and involuntary switches per request (threads that came and went count too)."""
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    zero = ThreadStat(0.0, 0, 0)
    for tid, end in after.items():
        start = before.get(tid, zero)
        acc = totals[role(names.get(tid, ""))]
        acc[0] += end.cpu_s - start.cpu_s
        acc[1] += end.voluntary - start.voluntary
        acc[2] += end.involuntary - start.involuntary
    n = max(1, requests)
    return {
        label: {"cpu_ms": cpu * 1000 / n, "voluntary": vol / n, "involuntary": invol / n}
        for label, (cpu, vol, invol) in sorted(totals.items())
        if cpu or vol or invol
    }


def record_gil(pid: int, seconds: float, out: Path) -> subprocess.Popen[str]:
    """Start `py-spy record --gil --threads` on `pid` for `seconds` (raw collapsed stacks into `out`)."""
    command = [py_spy(), "record", "--pid", str(pid), "--duration", f"{max(1, round(seconds))}", "--rate", "250"]
    command += ["--format", "raw", "--output", str(out), "--gil", "--threads", "--nonblocking"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def summarise_gil(raw: Path, top: int = 8) -> dict[str, Any]:
    """GIL-holding samples per thread role, and each role's top frames (self), from py-spy's raw output."""
    by_role: Counter[str] = Counter()
    frames: dict[str, Counter[str]] = defaultdict(Counter)
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        match = re.match(r"thread \((?:0x)?[0-9A-Fa-f]+\): ([^;]*);?(.*)$", stack)
        if not match or not count.isdigit():
            continue
        label, n = role(match.group(1)), int(count)
        total += n
        by_role[label] += n
        leaf = match.group(2).rsplit(";", 1)[-1] or "(no Python frame)"
        frames[label][leaf] += n
    return {
        "samples": total,
        "share": {label: n / total for label, n in by_role.most_common()} if total else {},
        "top": {label: [(f, n / total) for f, n in frames[label].most_common(top)] for label in by_role},
    }
