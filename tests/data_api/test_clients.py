"""The real clients, unmodified, against the service: astrapy 2.x (PyPI) and astra-db-ts (npm), each pointed at it
as at a self-hosted Data API (`environment="cassandra"`, a `Cassandra:<b64 user>:<b64 password>` token).

The service runs as a real uvicorn process in pass-through mode, serving every keyspace: the clients speak HTTP over
sockets and offer no in-process transport. One process per module. astra-db-ts runs in node from a cache directory
(`ASTRA_DB_TS`, else ~/.cache/cassandra-api-tests/npm, installed there on first use); without node, npm or the
package its test is skipped, saying why.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cassandra.cluster import Session

from app.config import Settings
from tests.support.names import unique
from tests.support.processes import service_env, start_uvicorn, stop_server

pytestmark = [
    # astrapy never closes its httpx clients (see forget_astrapy_clients)
    pytest.mark.filterwarnings("ignore:unclosed <socket.socket:ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]

SCRIPT = Path(__file__).parent / "clients" / "astra_db_ts.cjs"
NPM_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "cassandra-api-tests" / "npm"
ROWS = 130  # more than two of the face's default pages


@pytest.fixture(scope="module")
def service(settings: Settings, cql: Session, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    env = service_env(settings, AUTH_MODE="passthrough", ROWS_KEYSPACES="*")
    server = start_uvicorn(env, tmp_path_factory.mktemp("clients") / "service.log")
    try:
        yield server.url
    finally:
        stop_server(server)


@pytest.fixture(scope="module")
def astrapy_db(service: str, keyspace: str) -> Iterator[Any]:
    astrapy = pytest.importorskip("astrapy", reason="astrapy 2.x is not installed (the test dependency group)")
    from astrapy.authentication import UsernamePasswordTokenProvider

    client = astrapy.DataAPIClient(environment="cassandra")
    token = UsernamePasswordTokenProvider("cassandra", "cassandra")
    yield client.get_database(service, token=token, keyspace=keyspace)
    forget_astrapy_clients()


def forget_astrapy_clients() -> None:
    """astrapy opens an httpx client per database, table and cursor object and never closes it: its sockets are
    left to the garbage collector (a ResourceWarning, ignored in this module only). Collected here, while this
    module's warning filters still apply, so none is found later in another module."""
    gc.collect()


def new_table(db: Any) -> Any:
    from astrapy.info import ColumnType, CreateTableDefinition

    definition = (
        CreateTableDefinition.builder()
        .add_column("id", ColumnType.TEXT)
        .add_column("n", ColumnType.INT)
        .add_set_column("tags", ColumnType.TEXT)
        .add_vector_column("v", dimension=3)
        .add_partition_by(["id"])
        .build()
    )
    return db.create_table(unique("astrapy"), definition=definition)


@pytest.fixture(scope="module")
def astrapy_table(astrapy_db: Any) -> Any:
    return new_table(astrapy_db)


def test_astrapy_create_table_is_listed_by_list_table_names(astrapy_db: Any, astrapy_table: Any) -> None:
    assert astrapy_table.name in astrapy_db.list_table_names()


def test_astrapy_get_table_reads_back_the_definition(astrapy_db: Any, astrapy_table: Any) -> None:
    definition = astrapy_db.get_table(astrapy_table.name).definition()
    assert list(definition.columns) == ["id", "n", "tags", "v"]
    assert definition.primary_key.partition_by == ["id"]


def test_astrapy_insert_one_reads_back_with_find_one(astrapy_table: Any) -> None:
    astrapy_table.insert_one({"id": "one", "n": 1, "tags": {"x", "y"}, "v": [0.5, 0.25, 1.0]})
    row = astrapy_table.find_one({"id": "one"})
    assert (row["id"], row["n"], set(row["tags"]), list(row["v"])) == ("one", 1, {"x", "y"}, [0.5, 0.25, 1.0])


def test_astrapy_find_walks_every_page_of_what_insert_many_wrote(astrapy_db: Any) -> None:
    table = new_table(astrapy_db)
    result = table.insert_many([{"id": f"r{i:03d}", "n": i} for i in range(ROWS)])
    assert len(result.inserted_ids) == ROWS
    found = [row["id"] for row in table.find({})]
    assert sorted(found) == [f"r{i:03d}" for i in range(ROWS)]


def test_astrapy_update_one_sets_a_column(astrapy_table: Any) -> None:
    astrapy_table.insert_one({"id": "upd", "n": 1})
    astrapy_table.update_one({"id": "upd"}, {"$set": {"n": 5}})
    assert astrapy_table.find_one({"id": "upd"})["n"] == 5


def test_astrapy_delete_one_and_delete_many_remove_only_their_rows(astrapy_table: Any) -> None:
    astrapy_table.insert_many([{"id": f"d{i}", "n": i} for i in range(4)])
    astrapy_table.delete_one({"id": "d0"})
    astrapy_table.delete_many({"id": {"$in": ["d1", "d2"]}})
    left = {row["id"] for row in astrapy_table.find({"id": {"$in": ["d0", "d1", "d2", "d3"]}})}
    assert left == {"d3"}


def test_astrapy_drop_table_removes_it(astrapy_db: Any) -> None:
    table = new_table(astrapy_db)
    astrapy_db.drop_table(table.name)
    assert table.name not in astrapy_db.list_table_names()


def astra_db_ts() -> Path:
    """The package's directory, installed into the cache on first use; the test is skipped when it cannot be."""
    given = os.environ.get("ASTRA_DB_TS")
    package = Path(given) if given else NPM_CACHE / "node_modules" / "@datastax" / "astra-db-ts"
    if (package / "package.json").exists():
        return package
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node or npm is not installed: astra-db-ts cannot run")
    NPM_CACHE.mkdir(parents=True, exist_ok=True)
    installed = subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(NPM_CACHE), "@datastax/astra-db-ts@^2"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if installed.returncode != 0 or not (package / "package.json").exists():
        pytest.skip(f"@datastax/astra-db-ts could not be installed into {NPM_CACHE}: {installed.stderr[-300:]}")
    return package


def test_astra_db_ts_creates_writes_reads_every_page_updates_deletes_and_drops_a_table(
    service: str, keyspace: str
) -> None:
    if shutil.which("node") is None:
        pytest.skip("node is not installed: astra-db-ts cannot run")
    package = astra_db_ts()
    name = unique("ts")
    ran = subprocess.run(
        ["node", str(SCRIPT), service, keyspace, name],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "ASTRA_DB_TS": str(package)},
        check=False,
    )
    assert ran.returncode == 0, ran.stderr[-2000:]
    out = json.loads(ran.stdout.strip().splitlines()[-1])
    assert name in out["listed"]
    assert out["insertedCount"] == 120
    assert out["foundIds"] == sorted(["a", *(f"r{i}" for i in range(120))])
    assert out["findOne"] == {"id": "a", "n": 1, "tags": ["x", "y"]}
    assert out["updated"] == 5
    assert out["afterDeletes"] == 118
    assert name not in out["afterDrop"]
