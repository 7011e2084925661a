"""Memory has a budget: an answer that holds a whole page is capped lower than a stream's pages, MAX_PAGE_SIZE has a
lower ceiling, and the limits must fit MAX_IN_FLIGHT and MEMORY_BUDGET_MB at start-up, which logs the bound.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import orjson
import pytest
from cassandra.cluster import Session
from cassandra.concurrent import execute_concurrent_with_args

from app.config import Settings, load_settings
from app.db.statements import CQL
from app.exceptions import ConfigError
from tests.support.names import unique
from tests.support.poll import eventually
from tests.support.processes import ROOT, service_env, start_app, stop_server
from tests.support.rows import filled_table

ROWS = 1500  # more than MAX_CURSOR_PAGE_SIZE (1,000 by default)


@pytest.fixture(scope="module")
def wide_genus(cql: Session) -> str:
    genus = unique("wide")
    statement = cql.prepare(CQL["upsert_plant"])
    execute_concurrent_with_args(cql, statement, [(genus, f"s{i:05d}", i) for i in range(ROWS)], concurrency=64)
    return genus


@pytest.fixture(scope="module")
def wide_table(cql: Session) -> str:
    return filled_table(
        cql, "p text, c int, v int, PRIMARY KEY (p, c)", "p, c, v", [("wide", i, i) for i in range(ROWS)]
    )


async def test_a_cursor_page_is_capped_by_max_cursor_page_size(client: httpx.AsyncClient, wide_genus: str) -> None:
    page = await client.get(f"/plant/{wide_genus}", params={"format": "page", "page_size": 5000})
    streamed = await client.get(f"/plant/{wide_genus}", params={"format": "ndjson", "page_size": 5000})
    assert page.status_code == 200
    assert len(page.json()["items"]) == 1000 and page.json()["next_page_state"]  # not MAX_PAGE_SIZE's 5,000
    assert len(streamed.text.splitlines()) == ROWS  # a stream still takes its pages at MAX_PAGE_SIZE, and ends


async def test_a_rows_api_json_page_is_capped_too_and_its_ndjson_stream_is_not(
    client: httpx.AsyncClient, keyspace: str, wide_table: str
) -> None:
    path = f"/v2/keyspaces/{keyspace}/{wide_table}/wide"

    async def served() -> bool:  # the new table reaches the app's driver by its schema events, asynchronously
        return (await client.get(path, params={"page-size": "1"})).status_code == 200

    await eventually(served, within=10, what="the new table is served")
    page = await client.get(path, params={"page-size": "5000"})
    streamed = await client.get(path, params={"page-size": "5000"}, headers={"accept": "application/x-ndjson"})
    assert page.status_code == 200
    assert page.json()["count"] == 1000 and page.json()["pageState"]
    rest = await client.get(path, params={"page-size": "5000", "page-state": page.json()["pageState"]})
    assert rest.json()["count"] == ROWS - 1000 and "pageState" not in rest.json()
    assert [orjson.loads(line)["c"] for line in streamed.text.splitlines()] == list(range(ROWS))


def test_max_page_size_has_a_lower_ceiling() -> None:
    assert load_settings(max_page_size=10_000).max_page_size == 10_000
    with pytest.raises(ConfigError, match="MAX_PAGE_SIZE"):
        load_settings(max_page_size=20_000)


def test_the_limits_must_fit_max_in_flight() -> None:
    with pytest.raises(ConfigError, match=r"MAX_CONCURRENT_REQUESTS \+ 2 x MAX_STREAMS \(900 \+ 2 x 100 = 1100\)"):
        load_settings(max_concurrent_requests=900, max_streams=100)
    fits = load_settings(max_concurrent_requests=900, max_streams=100, max_in_flight=1100, memory_budget_mb=0)
    assert fits.max_in_flight == 1100


def test_the_limits_must_fit_the_memory_budget() -> None:
    with pytest.raises(ConfigError, match="more memory than MEMORY_BUDGET_MB allows: 2,838 MiB at worst"):
        load_settings(memory_budget_mb=1024)
    # Lower limits fit the same budget; 0 only logs the bound.
    assert load_settings(memory_budget_mb=1024, max_page_size=1000, rows_ingest_concurrency=8).memory_budget_mb
    assert load_settings(memory_budget_mb=0, memory_row_bytes=64 * 1024).memory_bound.total > 50 * 1024**3


def test_start_up_refuses_limits_that_do_not_fit(settings: Settings, cql: Session) -> None:
    env = service_env(settings, MAX_STREAMS="600")
    refused = subprocess.run(
        [sys.executable, "-m", "app", "--port", "1"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert refused.returncode == 2
    assert "MAX_IN_FLIGHT" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1


def test_start_up_logs_the_memory_bound(settings: Settings, cql: Session, tmp_path: Path) -> None:
    running = start_app(service_env(settings, LOG_LEVEL="info"), tmp_path / "server.log")
    try:
        lines = [orjson.loads(line) for line in running.output().splitlines() if "memory bound" in line]
    finally:
        stop_server(running)
    [line] = lines
    assert line["logger"] == "app.launcher" and line["level"] == "info"
    assert "2,838 MiB at worst (MEMORY_BUDGET_MB=4096): pages of 256 requests x 2.0 MiB" in str(line["msg"])
