"""The local Cassandra node's process, so that a measurement can count the database's CPU beside the service's."""

from __future__ import annotations

from pathlib import Path

from bench.harness.common import ROOT
from bench.harness.processes import process_cpu_s

NODE_PID = ROOT / ".cassandra" / "node1" / "pid"


def node_pid() -> int | None:
    """The local Cassandra node's pid (scripts/cassandra writes it), or None when the database is elsewhere."""
    try:
        pid = int(NODE_PID.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pid if Path(f"/proc/{pid}").exists() else None


def node_cpu_s(pid: int | None) -> float:
    return process_cpu_s(pid) if pid else 0.0
