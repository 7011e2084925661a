"""The local Cassandra node's process, so that a measurement can count the database's CPU beside the service's."""

from __future__ import annotations

import os
from pathlib import Path

from bench.harness.common import ROOT
from bench.harness.processes import process_cpu_s

# scripts/cassandra's own variable: a worktree measuring a node another checkout started names its home.
NODE_PID = Path(os.environ.get("CASSANDRA_HOME_DIR") or ROOT / ".cassandra") / "node1" / "pid"


def node_pid() -> int | None:
    """The local Cassandra node's pid (scripts/cassandra writes it), or None when the database is elsewhere."""
    try:
        pid = int(NODE_PID.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pid if Path(f"/proc/{pid}").exists() else None


def node_cpu_s(pid: int | None) -> float:
    return process_cpu_s(pid) if pid else 0.0
