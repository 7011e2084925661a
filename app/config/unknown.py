"""Settings the service does not know: every name in `.env` that is no setting, and environment variables that
look like a misspelt one. pydantic ignores both (`extra="ignore"`), so without this a typo such as
`PROTECT_READ=true` silently leaves reads open.

Reported as WARNING lines, not refused: a `.env` may also hold variables of other tools (docker compose, the
scripts), and the environment always does. In the environment only a name close to a setting's is reported, since
the scripts' own variables (CASSANDRA_HEAP, ...) share the service's prefixes.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Collection, Mapping
from pathlib import Path

from dotenv import dotenv_values

ENV_CUTOFF = 0.9  # how close an environment variable must be to a setting's name to be reported as a misspelling
DOTENV_CUTOFF = 0.75  # how close a suggestion for an unknown .env name must be


def unknown_settings(
    known: Collection[str], env_file: Path | None = Path(".env"), environ: Mapping[str, str] | None = None
) -> list[str]:
    """One line per unknown name: those of `env_file`, then misspelt-looking ones of `environ` (os.environ)."""
    names = sorted(name.upper() for name in known)
    lines: list[str] = []
    if env_file is not None and env_file.is_file():
        for name in dotenv_values(env_file):
            if name.upper() not in names:
                lines.append(f"{env_file} sets {name}, which is no setting of this service{_hint(name, names)}")
    environment = os.environ if environ is None else environ
    for name in sorted(environment):
        if name.upper() in names:
            continue
        close = difflib.get_close_matches(name.upper(), names, n=1, cutoff=ENV_CUTOFF)
        if close:
            lines.append(f"the environment sets {name}, which is no setting of this service (did you mean {close[0]}?)")
    return lines


def _hint(name: str, names: list[str]) -> str:
    close = difflib.get_close_matches(name.upper(), names, n=1, cutoff=DOTENV_CUTOFF)
    return f" (did you mean {close[0]}?)" if close else ""
