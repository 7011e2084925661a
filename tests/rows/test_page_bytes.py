"""Pages bounded by bytes as well as rows: a JSON page of wide rows stops at MAX_PAGE_BYTES (plus at most one driver
page) and hands back its cursor, a stream of wide rows fetches fewer rows at a time, and a narrow table's
1,000-row page is still one driver page."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from cassandra.cluster import Session
from cassandra.concurrent import execute_concurrent_with_args
from prometheus_client import REGISTRY

from app.config import Settings
from app.rows.page_bytes import PROBE_ROWS, RowWidth
from app.rows.types import CqlType
from tests.support.rows import create_table
from tests.support.rows_app import RowsApp, json_pages, rows_app

BLOB = 64 * 1024
WIDE_ROWS = 200
BUDGET = 1024 * 1024
NARROW_ROWS = 1500


@pytest.fixture(scope="module")
def wide(cql: Session) -> str:
    name = create_table(cql, "p text, c int, b blob, PRIMARY KEY (p, c)", prefix="wide")
    insert = cql.prepare(f"INSERT INTO {name} (p, c, b) VALUES ('w', ?, ?)")
    execute_concurrent_with_args(cql, insert, [(c, bytes([c % 256]) * BLOB) for c in range(WIDE_ROWS)], concurrency=16)
    return name


@pytest.fixture(scope="module")
def narrow(cql: Session) -> str:
    name = create_table(cql, "p int, c int, v bigint, PRIMARY KEY (p, c)", prefix="narrow")
    insert = cql.prepare(f"INSERT INTO {name} (p, c, v) VALUES (1, ?, ?)")
    execute_concurrent_with_args(cql, insert, [(c, c) for c in range(NARROW_ROWS)], concurrency=64)
    return name


@pytest.fixture(scope="module")
def texts(cql: Session) -> str:
    name = create_table(cql, "p int, c int, t text, u text, PRIMARY KEY (p, c)", prefix="texts")
    insert = cql.prepare(f"INSERT INTO {name} (p, c, t, u) VALUES (1, ?, ?, ?)")
    execute_concurrent_with_args(cql, insert, [(c, f"t{c}", "u") for c in range(NARROW_ROWS)], concurrency=64)
    return name


@pytest.fixture(scope="module")
async def small_pages(settings: Settings, cql: Session) -> AsyncIterator[RowsApp]:
    async with rows_app(settings, max_page_bytes=BUDGET) as running:
        yield running


async def test_a_page_of_wide_rows_stops_at_max_page_bytes_and_the_walk_returns_every_row_once(
    small_pages: RowsApp, keyspace: str, wide: str
) -> None:
    seen: list[int] = []
    params = {"page-size": "1000"}
    sizes: list[int] = []
    for _ in range(WIDE_ROWS):
        body = (await small_pages.client.get(f"/v2/keyspaces/{keyspace}/{wide}/rows", params=params)).json()
        assert body["count"] == len(body["data"])
        seen += [row["c"] for row in body["data"]]
        sizes.append(body["count"])
        if "pageState" not in body:
            break
        params["page-state"] = body["pageState"]
    assert sorted(seen) == list(range(WIDE_ROWS)) and len(seen) == WIDE_ROWS
    assert len(sizes) > 1
    # The first page probes the unmeasured table; every later one stops within a row of the budget, or probes again:
    # other tests' schema changes in this keyspace make the driver describe the table anew, and a table described
    # anew is measured anew. At 1,000 rows a page, none would be either.
    assert sizes[0] <= PROBE_ROWS
    assert all(size <= PROBE_ROWS or size * BLOB <= BUDGET + BLOB for size in sizes[1:]), sizes


async def test_a_stream_of_wide_rows_fetches_fewer_rows_at_a_time(
    small_pages: RowsApp, keyspace: str, wide: str
) -> None:
    before = REGISTRY.get_sample_value("app_pages_fetched_total", {"framing": "ndjson"}) or 0
    response = await small_pages.client.get(f"/v2/keyspaces/{keyspace}/{wide}/rows", params={"format": "ndjson"})
    assert len(response.text.splitlines()) == WIDE_ROWS
    pages = (REGISTRY.get_sample_value("app_pages_fetched_total", {"framing": "ndjson"}) or 0) - before
    assert pages >= WIDE_ROWS * BLOB // (BUDGET + BLOB)  # at 1,000 rows a fetch it would have been one page


async def test_a_narrow_tables_thousand_row_page_is_one_driver_page(
    small_pages: RowsApp, keyspace: str, narrow: str
) -> None:
    before = json_pages()
    body = (
        await small_pages.client.get(f"/v2/keyspaces/{keyspace}/{narrow}/rows", params={"page-size": "1000"})
    ).json()
    assert body["count"] == 1000 and body["pageState"]
    assert json_pages() - before == 1


async def test_a_table_of_short_texts_is_measured_once_then_pages_are_one_driver_page(
    small_pages: RowsApp, keyspace: str, texts: str
) -> None:
    path = f"/v2/keyspaces/{keyspace}/{texts}/rows"
    first = (await small_pages.client.get(path, params={"page-size": "1000"})).json()
    assert first["count"] == 1000
    before = json_pages()
    again = (await small_pages.client.get(path, params={"page-size": "1000", "page-state": first["pageState"]})).json()
    assert again["count"] == NARROW_ROWS - 1000 and "pageState" not in again
    assert json_pages() - before == 1


def test_a_row_of_fixed_width_columns_needs_no_probe() -> None:
    width = RowWidth([("a", CqlType("int")), ("b", CqlType("uuid"))])
    assert width.known and width.rows_for(1024 * 1024, cap=1000) == 1000


def test_an_unmeasured_row_of_text_is_probed_then_sized_by_what_was_read() -> None:
    width = RowWidth([("k", CqlType("int")), ("t", CqlType("text"))])
    assert not width.known and width.rows_for(1024 * 1024, cap=1000) == PROBE_ROWS
    spent = width.measure([{"k": 1, "t": "x" * 10_000}] * 4)
    assert spent >= 40_000 and width.known
    assert width.rows_for(100_000, cap=1000) == 10
