"""The Dockerfile read as instructions, for tests that check it or replay its install steps without Docker."""

from __future__ import annotations

import re
import shlex

from tests.support.processes import ROOT

DOCKERFILE = ROOT / "Dockerfile"


def lines() -> list[str]:
    """The instructions, one per line: continuations joined, comments and blank lines dropped."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def stages() -> list[list[str]]:
    """The instructions of each stage (FROM to FROM); build arguments declared before the first are left out."""
    found: list[list[str]] = []
    for line in lines():
        if line.upper().startswith("FROM "):
            found.append([])
        if found:
            found[-1].append(line)
    return found


def instructions(stage: list[str]) -> dict[str, list[str]]:
    """KEYWORD: the arguments of each of its instructions in the stage, in order."""
    found: dict[str, list[str]] = {}
    for line in stage:
        keyword, _, rest = line.partition(" ")
        found.setdefault(keyword.upper(), []).append(rest.strip())
    return found


def copied_sources(stage: list[str]) -> list[str]:
    """What the stage's COPY instructions take from the build context (not from another stage)."""
    return [
        source
        for line in stage
        if line.upper().startswith("COPY ") and "--from=" not in line
        for source in shlex.split(line)[1:-1]
        if not source.startswith("--")
    ]


def install_command(stage: list[str]) -> list[str]:
    """The stage's RUN that installs the project (scripts/install-locked ...), without RUN's own --options."""
    [run] = [line for line in stage if line.upper().startswith("RUN ") and "scripts/install-locked" in line]
    words = shlex.split(run)[1:]
    return [word for word in words if not word.startswith("--mount")]
