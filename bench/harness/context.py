"""What a section gets: the command line, where logs go, the results so far, and the shared services."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.harness.service import Service


@dataclass
class Context:
    args: argparse.Namespace
    logs: Path
    results: dict[str, Any]
    # The HTTP variants (bench/targets/http.py HTTP_VARIANTS) that the point, streaming, slow, profile and rows
    # sections measure in turn: started once, before the first of them, and stopped after the last.
    shared: dict[str, Service] = field(default_factory=dict)
