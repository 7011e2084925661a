"""The fault tests' measured numbers: printed as they are taken, written to bench/results/faults.md when asked.

`Report.add` prints each line at once (`pytest -s` shows it). The file is written at the end of the session only
with FAULTS_REPORT=1 in the environment (`FAULTS_REPORT=1 scripts/test -m faults -s`): an ordinary run changes no
tracked file.
"""

from __future__ import annotations

import fcntl
import os
import time

from tests.support.processes import ROOT

REPORT = ROOT / "bench" / "results" / "faults.md"


def requested() -> bool:
    """Whether this run was asked to write the report: FAULTS_REPORT=1 (or true, yes)."""
    return os.environ.get("FAULTS_REPORT", "").strip().lower() in {"1", "true", "yes"}


class Report:
    """Measured numbers, gathered by section; `write()` puts them in bench/results/faults.md."""

    sections: dict[str, list[str]] = {}

    @classmethod
    def add(cls, section: str, line: str) -> None:
        cls.sections.setdefault(section, []).append(line)
        print(f"[faults] {section}: {line}", flush=True)

    @classmethod
    def write(cls) -> None:
        """Replace the sections this run measured; keep the others (a partial run does not erase a full one's).
        Locked: scripts/test runs the one-node and the three-node fault tests in two processes that end together."""
        if not cls.sections:
            return
        for folder in (REPORT.parent, ROOT / ".cache"):
            folder.mkdir(parents=True, exist_ok=True)
        with (ROOT / ".cache" / "faults-report.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            cls._merge()

    @classmethod
    def _merge(cls) -> None:
        sections = _read_sections(REPORT.read_text()) if REPORT.exists() else {}
        for name, entries in cls.sections.items():
            sections[name] = [f"- {e}" for e in entries]
        lines = [
            "# Fault tests: measured numbers",
            "",
            "Written by `FAULTS_REPORT=1 pytest -m faults` (tests/faults/); each section from its latest run, the last "
            f"on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. Machine: {os.cpu_count()} cores, shared with "
            "other work. Wall-clock times are reported, not asserted.",
            "",
        ]
        for name in sorted(sections, key=lambda n: (not n.startswith("Start"), n)):
            lines += [f"## {name}", "", *sections[name], ""]
        REPORT.write_text("\n".join(lines))


def _read_sections(text: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("## "):
            current = sections.setdefault(line[3:].strip(), [])
        elif current is not None and line.startswith("- "):
            current.append(line)
    return sections
