"""SAMPLE_API: the sample (/animal, /plant) is one face among others, so the service starts on any keyspace.

`auto` (the default) serves the sample when the keyspace has both its tables and answers 404 on its routes
otherwise; `on` refuses to start without them, in one line; `off` answers 404 whatever the keyspace holds. Either
way /readyz and the rows API work, and one start-up line says which and why.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cassandra.cluster import Session

from app.config import Settings, load_settings
from app.db.schema import drop_keyspace
from tests.support.app import app_client
from tests.support.names import unique
from tests.support.processes import Server, failed_start, service_env, start_uvicorn, stop_server
from tests.support.rows import create_keyspace, path

NOTE = {"id": "first", "body": "a keyspace of its own"}


@pytest.fixture(scope="module")
def bare_keyspace(cql: Session) -> Iterator[str]:
    """A keyspace with one table of its own and neither `animals` nor `plants`."""
    name = unique("nosample_")
    create_keyspace(cql, name)
    cql.execute(f"CREATE TABLE {name}.notes (id text PRIMARY KEY, body text)", timeout=60)
    yield name
    drop_keyspace(cql, name)


@pytest.fixture(scope="module")
def bare_server(settings: Settings, bare_keyspace: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real uvicorn on that keyspace, SAMPLE_API at its default, logging at info."""
    env = service_env(settings, CASSANDRA_KEYSPACE=bare_keyspace, LOG_LEVEL="info")
    env.pop("SAMPLE_API", None)
    running = start_uvicorn(env, tmp_path_factory.mktemp("bare") / "server.log")
    yield running
    stop_server(running)


def test_a_keyspace_without_the_sample_tables_starts_and_is_ready(bare_server: Server) -> None:
    answer = httpx.get(f"{bare_server.url}/readyz", timeout=10)
    assert answer.status_code == 200, answer.text


def test_a_keyspace_without_the_sample_tables_serves_the_rows_api(bare_server: Server, bare_keyspace: str) -> None:
    written = httpx.post(f"{bare_server.url}{path(bare_keyspace, 'notes')}", json=NOTE, timeout=10)
    assert written.status_code == 201, written.text
    read = httpx.get(f"{bare_server.url}{path(bare_keyspace, 'notes', 'first')}", timeout=10)
    assert read.status_code == 200, read.text
    assert read.json()["data"] == [NOTE]


def test_the_sample_routes_answer_404_saying_the_sample_is_off(bare_server: Server, bare_keyspace: str) -> None:
    answer = httpx.get(f"{bare_server.url}/animal/Vanessa/cardui", timeout=10)
    assert answer.status_code == 404
    assert answer.json() == {
        "error": "not_found",
        "detail": f"the sample API (/animal, /plant) is off: SAMPLE_API=auto, and keyspace {bare_keyspace} has no "
        "table animals or plants",
    }


def test_a_sample_write_answers_404_too_when_the_sample_is_off(bare_server: Server) -> None:
    answer = httpx.post(f"{bare_server.url}/plant", json={"genus": "Plantago", "species": "major"}, timeout=10)
    assert answer.status_code == 404
    assert answer.json()["error"] == "not_found"


def test_one_start_up_line_says_the_sample_is_off_and_why(bare_server: Server, bare_keyspace: str) -> None:
    lines = [line for line in bare_server.output().splitlines() if "the sample API (/animal, /plant) is" in line]
    assert len(lines) == 1, bare_server.output()
    assert f"is off: SAMPLE_API=auto, and keyspace {bare_keyspace} has no table animals or plants" in lines[0]


def test_sample_api_on_refuses_to_start_without_the_tables_in_one_line(
    settings: Settings, bare_keyspace: str, tmp_path: Path
) -> None:
    env = service_env(settings, CASSANDRA_KEYSPACE=bare_keyspace, SAMPLE_API="on")
    output = failed_start(env, tmp_path / "server.log", code=3)
    assert f"SAMPLE_API=on, but keyspace {bare_keyspace} has no table animals or plants: run scripts/init-db" in output


async def test_auto_on_the_test_keyspace_keeps_the_sample_on(
    settings: Settings, cql: Session, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="app"):
        async with app_client(settings) as client:
            answer = await client.get("/animal/Vanessa/cardui")
    assert answer.status_code == 200, answer.text
    said = [r.getMessage() for r in caplog.records if r.getMessage().startswith("the sample API (/animal, /plant)")]
    assert said == [
        f"the sample API (/animal, /plant) is on: SAMPLE_API=auto, and keyspace {settings.keyspace} has the tables "
        "animals and plants"
    ]


async def test_sample_api_off_answers_404_even_where_the_tables_exist(settings: Settings, cql: Session) -> None:
    off = load_settings(**{**settings.model_dump(exclude_defaults=True), "sample_api": "off"})
    async with app_client(off) as client:
        answer = await client.get("/plant/Plantago")
        ready = await client.get("/readyz")
    assert answer.status_code == 404
    assert answer.json()["detail"] == "the sample API (/animal, /plant) is off: SAMPLE_API=off"
    assert ready.status_code == 200
