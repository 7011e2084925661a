"""The service installs as a wheel: every package listed, the CQL of `schema/` inside it, init-db working from it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from cassandra.cluster import Session

from app.config import Settings
from app.db.schema import drop_keyspace
from tests.support.names import unique
from tests.support.server import ROOT, service_env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from a copy of the sources, so the build leaves nothing in the checkout."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for name in ("app", "schema"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    [built] = out.glob("*.whl")
    return built


def test_pyproject_lists_every_package_of_app() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "app").rglob("__init__.py")}
    assert listed == found | {"app.cql"}


def test_the_wheel_carries_every_module_and_the_cql(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {str(p.relative_to(ROOT)) for p in (ROOT / "app").rglob("*.py")}
    assert modules <= names, sorted(modules - names)
    cql = {f"app/cql/{p.name}" for p in (ROOT / "schema").glob("*.cql")}
    assert cql and cql <= names


def test_init_db_run_from_an_installed_wheel_finds_the_cql(
    wheel: Path, settings: Settings, cql: Session, tmp_path: Path
) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    keyspace = unique("wheel_")
    # Run from an empty directory, with the installed copy first on the path: no checkout to fall back on.
    env = service_env(settings, CASSANDRA_KEYSPACE=keyspace, PYTHONPATH=str(target))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    try:
        done = subprocess.run(
            [sys.executable, "-c", "import app.db.schema as s; print(s.SCHEMA_DIR)"],
            cwd=elsewhere,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        assert done.stdout.strip().startswith(str(target))
        init = subprocess.run(
            [sys.executable, "-m", "app.initdb"], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=120
        )
        assert init.returncode == 0, init.stderr
        rows = cql.execute(f"SELECT species FROM {keyspace}.plants WHERE genus = 'Plantago'").all()
        assert len(rows) == 88
    finally:
        drop_keyspace(cql, keyspace)
