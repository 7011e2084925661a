"""docs/architecture.md names every module of app/: the page stays true as modules come and go."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "architecture.md"
MODULE = re.compile(r"\bapp/[\w/]*\w\.py\b")


def modules_on_disk() -> set[str]:
    """Every .py file under app/, except empty package markers (an `__init__.py` with nothing in it)."""
    found = set()
    for path in (ROOT / "app").rglob("*.py"):
        if path.name == "__init__.py" and not path.read_text(encoding="utf-8").strip():
            continue
        found.add(path.relative_to(ROOT).as_posix())
    return found


def modules_on_page() -> set[str]:
    return set(MODULE.findall(PAGE.read_text(encoding="utf-8")))


def test_the_architecture_page_names_every_module_of_app() -> None:
    missing = sorted(modules_on_disk() - modules_on_page())
    assert not missing, f"docs/architecture.md does not name these modules: {missing}"


def test_the_architecture_page_names_no_module_that_does_not_exist() -> None:
    stale = sorted(modules_on_page() - modules_on_disk())
    assert not stale, f"docs/architecture.md names modules that are not in app/: {stale}"
