"""The service installs as a package: the wheel (every package, the CQL, the license, the console scripts, one
version), the hash-checked locks that pin it, and the Dockerfile's install line replayed into a fresh venv, which
then initialises the schema and serves from another directory.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib.metadata import version
from pathlib import Path

import httpx
import pytest
from cassandra.cluster import Session
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import app
from app.config import Settings
from app.db.schema import drop_keyspace
from tests.support import dockerfile
from tests.support.names import unique
from tests.support.processes import ROOT, Server, free_port, service_env, stop_server, wait_until_answering


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from a copy of the sources, so the build leaves nothing in the checkout."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
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


def _printed(command: list[str], cwd: Path, env: dict[str, str]) -> str:
    """What `command` prints when run in `cwd` with `env`; it must succeed within a minute."""
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=True).stdout


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
        printed = _printed([sys.executable, "-c", "import app.db.schema as s; print(s.SCHEMA_DIR)"], elsewhere, env)
        assert printed.strip().startswith(str(target))
        init = subprocess.run(
            [sys.executable, "-m", "app.initdb"], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=120
        )
        assert init.returncode == 0, init.stderr
        rows = cql.execute(f"SELECT species FROM {keyspace}.plants WHERE genus = 'Plantago'").all()
        assert len(rows) == 88
    finally:
        drop_keyspace(cql, keyspace)


# ---- the metadata: one version, the license, the console scripts ------------------------------------------------

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_the_wheel_carries_the_license_the_version_and_the_console_scripts(wheel: Path) -> None:
    project = PYPROJECT["project"]
    archive = zipfile.ZipFile(wheel)
    dist_info = f"cassandra_sample_api-{project['version']}.dist-info"
    metadata = archive.read(f"{dist_info}/METADATA").decode()
    assert f"Version: {project['version']}\n" in metadata
    assert "License-Expression: Apache-2.0\n" in metadata
    assert archive.read(f"{dist_info}/licenses/LICENSE") == (ROOT / "LICENSE").read_bytes()
    assert (ROOT / "LICENSE").read_text().lstrip().startswith("Apache License\n")
    entry_points = archive.read(f"{dist_info}/entry_points.txt").decode()
    assert "cassandra-api = app.__main__:main" in entry_points
    assert "cassandra-api-initdb = app.initdb:main" in entry_points


async def test_the_service_reports_the_version_of_the_package_metadata(client: httpx.AsyncClient) -> None:
    """One version string: pyproject's, read back from the installed metadata by app/__init__.py."""
    assert app.__version__ == version("cassandra-sample-api") == PYPROJECT["project"]["version"]
    assert (await client.get("/openapi.json")).json()["info"]["version"] == app.__version__


# ---- the locks: pinned, hashed, agreeing with pyproject and with each other -------------------------------------

LOCKS = {
    "requirements.lock": [],
    "requirements-test.lock": ["test"],
    "requirements-bench.lock": ["test", "bench"],
}


def pins(lock: str) -> dict[str, tuple[str, str]]:
    """name: (version, its environment marker) for every entry; each must carry at least one sha256 hash."""
    text = (ROOT / lock).read_text()
    found: dict[str, tuple[str, str]] = {}
    for entry in re.split(r"\n(?=\S)", re.sub(r"^#.*\n", "", text, flags=re.M)):
        if not entry.strip():
            continue
        requirement, *options = [part.strip() for part in entry.split("\\\n")]
        assert options and all(o.startswith("--hash=sha256:") or o.startswith("#") for o in options), entry[:200]
        name_version, _, marker = requirement.partition(";")
        name, _, pinned = name_version.strip().partition("==")
        assert pinned, f"{lock}: {requirement} is not pinned"
        key = canonicalize_name(name) + (f"; {marker.strip()}" if marker.strip() else "")
        found[key] = (pinned, marker.strip())
    return found


@pytest.mark.parametrize("lock", LOCKS)
def test_each_lock_pins_every_direct_dependency_within_pyproject(lock: str) -> None:
    pinned = pins(lock)
    project = PYPROJECT["project"]
    wanted = [*project["dependencies"], *PYPROJECT["dependency-groups"]["build"]]
    for extra in LOCKS[lock]:
        wanted += project["optional-dependencies"][extra]
    for line in wanted:
        requirement = Requirement(line)
        versions = [v for key, (v, _) in pinned.items() if key.split(";")[0] == canonicalize_name(requirement.name)]
        assert versions, f"{lock} does not pin {requirement.name} (run scripts/lock)"
        for pinned_version in versions:
            assert requirement.specifier.contains(pinned_version, prereleases=True), f"{lock}: {line} vs {versions}"


def test_the_locks_agree_and_each_holds_the_one_before() -> None:
    runtime, test, bench = (pins(lock) for lock in LOCKS)
    assert runtime.items() <= test.items(), "requirements-test.lock differs from requirements.lock (scripts/lock)"
    assert test.items() <= bench.items(), "requirements-bench.lock differs from requirements-test.lock"


# ---- pip install . into a fresh venv: the Dockerfile's install line, replayed ---------------------------------------


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv made as the Dockerfile's build stage makes /opt/venv: from the files it copies, with its RUN."""
    context = tmp_path_factory.mktemp("context")
    for source in dockerfile.copied_sources(dockerfile.stages()[0]):
        if (ROOT / source).is_dir():
            shutil.copytree(ROOT / source, context / source, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (context / source).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / source, context / source)
    venv = tmp_path_factory.mktemp("opt") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=120)
    command = [
        str(venv / "bin/python") if word == "/opt/venv/bin/python" else word
        for word in dockerfile.install_command(dockerfile.stages()[0])
    ]
    done = subprocess.run(command, cwd=context, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    shutil.rmtree(context)  # what is installed must not need the sources
    return venv


@pytest.mark.slow
def test_the_installed_package_initialises_and_serves_from_any_directory(
    installed: Path, settings: Settings, cql: Session, tmp_path: Path
) -> None:
    keyspace = unique("pkg_")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # No PYTHONPATH, no checkout on the path: only what the venv holds.
    env = {k: v for k, v in service_env(settings, CASSANDRA_KEYSPACE=keyspace).items() if k != "PYTHONPATH"}
    bin_dir = installed / "bin"
    try:
        where = _printed(
            [str(bin_dir / "python"), "-c", "import app, app.db.schema as s; print(app.__file__, s.SCHEMA_DIR)"],
            elsewhere,
            env,
        )
        assert all(path.startswith(str(installed)) for path in where.split()), where
        init = subprocess.run(
            [str(bin_dir / "cassandra-api-initdb")], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=180
        )
        assert init.returncode == 0, init.stdout + init.stderr
        port = free_port()
        log = tmp_path / "service.log"
        with log.open("wb") as handle:
            process = subprocess.Popen(
                [str(bin_dir / "cassandra-api"), "--port", str(port)],
                cwd=elsewhere,
                env=env,
                stdout=handle,
                stderr=subprocess.STDOUT,
            )
        server = Server(f"http://127.0.0.1:{port}", process, log)
        try:
            wait_until_answering(server, "/readyz", 90)
            assert len(httpx.get(f"{server.url}/plant/Plantago", timeout=30).json()) == 88
            docs = httpx.get(f"{server.url}/docs", timeout=10)
            assert docs.status_code == 200 and "/docs/assets/swagger-ui-bundle.js" in docs.text
            assert httpx.get(f"{server.url}/docs/assets/swagger-ui-bundle.js", timeout=10).status_code == 200
            assert httpx.get(f"{server.url}/openapi.json", timeout=10).json()["info"]["version"] == app.__version__
        finally:
            assert stop_server(server) == 0, server.output()
    finally:
        drop_keyspace(cql, keyspace)
