"""The docs follow the code: the configuration table and .env.example match `Settings`, and every link resolves.

No database needed: this reads files and `app/config/` only.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from app.config import ASTRA_VARIABLES, Settings

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "docs_config.py"
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
CONFIGURATION = ROOT / "docs" / "configuration.md"
ENV_EXAMPLE = ROOT / ".env.example"


def docs_config() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_config", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---- the configuration reference --------------------------------------------------------------------------------


def test_configuration_table_and_env_example_match_the_settings() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    ("name", "old", "new"),
    [
        ("docs/configuration.md", "| `9042` |", "| `9043` |"),
        (".env.example", "# CASSANDRA_PORT=9042\n", ""),
    ],
)
def test_the_check_notices_a_file_that_disagrees(tmp_path: Path, name: str, old: str, new: str) -> None:
    for generated in ("docs/configuration.md", ".env.example"):
        (tmp_path / generated).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / generated, tmp_path / generated)
    module = docs_config()
    assert module.stale_files(tmp_path) == []
    edited = tmp_path / name
    text = edited.read_text(encoding="utf-8")
    assert old in text
    edited.write_text(text.replace(old, new, 1), encoding="utf-8")
    assert module.stale_files(tmp_path) == [edited]


def test_env_example_names_every_setting_once() -> None:
    names = re.findall(r"^# ([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE.read_text(encoding="utf-8"), re.M)
    assert sorted(names) == sorted(field.upper() for field in Settings.model_fields)
    assert names[: len(ASTRA_VARIABLES)] == list(ASTRA_VARIABLES)  # the Astra block comes first


def test_env_example_defaults_load_as_the_defaults(tmp_path: Path) -> None:
    if any(os.environ.get(name) for name in ASTRA_VARIABLES):
        pytest.skip("Astra is configured in this environment: the example's contact points would contradict it")
    pairs = re.findall(r"^# ([A-Z][A-Z0-9_]*)=(.+)$", ENV_EXAMPLE.read_text(encoding="utf-8"), re.M)
    assert pairs
    uncommented = tmp_path / ".env"
    uncommented.write_text("".join(f"{name}={value}\n" for name, value in pairs), encoding="utf-8")
    from_example = Settings(_env_file=uncommented)  # type: ignore[call-arg]
    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    assert from_example.model_dump() == defaults.model_dump()


def test_configuration_is_documented_only_in_the_table() -> None:
    """No other page has a table row that starts with a setting: they link to docs/configuration.md instead."""
    settings = {field.upper() for field in Settings.model_fields}
    repeated = []
    for page in PAGES:
        if page == CONFIGURATION:
            continue
        for line in page.read_text(encoding="utf-8").splitlines():
            first = re.match(r"^\|\s*`([A-Z][A-Z0-9_]*)`", line)
            if first and first.group(1) in settings:
                repeated.append(f"{page.relative_to(ROOT)}: {line.strip()}")
    assert not repeated, "\n".join(repeated)


# ---- links ------------------------------------------------------------------------------------------------------

FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
INLINE_CODE = re.compile(r"`[^`\n]*`")
INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+\"[^\"]*\")?\s*$", re.M)
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)


def prose(text: str) -> str:
    """The Markdown without code blocks and code spans, where a bracket is not a link."""
    return INLINE_CODE.sub("", FENCE.sub("", text))


def anchors(text: str) -> set[str]:
    """GitHub's heading anchors: the heading's text, lower case, punctuation dropped, spaces as hyphens."""
    found: set[str] = set()
    for heading in HEADING.findall(FENCE.sub("", text)):
        plain = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "")
        slug = re.sub(r"[^\w\- ]", "", plain.lower()).replace(" ", "-")
        candidate, n = slug, 0
        while candidate in found:
            n += 1
            candidate = f"{slug}-{n}"
        found.add(candidate)
    return found


def links(page: Path) -> list[str]:
    text = prose(page.read_text(encoding="utf-8"))
    return INLINE_LINK.findall(text) + REFERENCE_LINK.findall(text)


def test_the_docs_have_pages_with_links() -> None:
    assert len(PAGES) > 1 and all(links(page) for page in PAGES)


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_every_relative_link_points_at_a_file_that_exists(page: Path) -> None:
    broken = []
    for target in links(page):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto: ...: not ours to check
            continue
        path, _, fragment = target.partition("#")
        path = path.split("?", 1)[0]
        resolved = (page.parent / path).resolve() if path else page
        if not resolved.exists():
            broken.append(f"{target}: no file {resolved}")
        elif fragment and resolved.suffix == ".md" and fragment not in anchors(resolved.read_text(encoding="utf-8")):
            broken.append(f"{target}: no heading #{fragment} in {resolved.relative_to(ROOT)}")
    assert not broken, "\n".join(broken)
