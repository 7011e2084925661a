"""Where the benchmark's files are, which Python runs its processes, and its one log line format."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
LOGS = ROOT / ".cache" / "bench-logs"  # ignored by git
WRK_SCRIPTS = ROOT / "bench" / "wrk"
PYTHON = sys.executable


def log(message: str) -> None:
    print(f"==> {message}", flush=True)
