"""The OpenAPI document under ROWS_API: it describes exactly what is served. Under `read` every write verb is a 405,
so no write operation is listed (nor the bodies only writes take); under `off` nothing under /v2/ is served, so
nothing there is listed. One app per setting for the module; the table exists before it starts, so it is typed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from cassandra.cluster import Session

from app.config import Settings
from app.openapi.operations import ROWS_TAG
from tests.support.rows import create_table
from tests.support.rows_app import RowsApp, rows_app

WRITES = {"post", "put", "patch", "delete"}
ROWS_PREFIXES = ("/v2/", "/api/rest/v2/")


@pytest.fixture(scope="module")
def table(cql: Session) -> str:
    return create_table(cql, "p text, c int, v int, s int STATIC, PRIMARY KEY (p, c)", prefix="switchdoc")


@pytest.fixture(scope="module")
async def read_only(settings: Settings, table: str) -> AsyncIterator[RowsApp]:
    async with rows_app(settings, rows_api="read") as running:
        yield running


@pytest.fixture(scope="module")
async def off(settings: Settings, table: str) -> AsyncIterator[RowsApp]:
    async with rows_app(settings, rows_api="off") as running:
        yield running


async def document_of(running: RowsApp, url: str = "/openapi.json") -> dict[str, Any]:
    response = await running.client.get(url)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def operations(document: dict[str, Any], table: str | None = None) -> set[tuple[str, str]]:
    """(path, method) of every operation under the rows API's prefixes (of one table's paths, if named)."""
    return {
        (path, method)
        for path, item in document["paths"].items()
        if path.startswith(ROWS_PREFIXES) and (table is None or f"/{table}" in path)
        for method in item
    }


async def test_read_only_lists_no_write_operation_under_v2(read_only: RowsApp, table: str) -> None:
    listed = operations(await document_of(read_only))
    assert listed, "the document lists no rows operation at all"
    assert {(path, method) for path, method in listed if method in WRITES} == set()


async def test_read_only_still_lists_the_served_tables_reads(read_only: RowsApp, table: str) -> None:
    listed = operations(await document_of(read_only), table)
    assert {method for _, method in listed} == {"get"}
    assert len(listed) == 4  # the search, /rows, the partition and the row


async def test_read_only_lists_no_write_body_of_the_table(read_only: RowsApp, settings: Settings, table: str) -> None:
    schemas = (await document_of(read_only))["components"]["schemas"]
    ours = {name.rsplit(".", 1)[1] for name in schemas if name.startswith(f"{settings.keyspace}.{table}.")}
    assert ours == {"Row", "Page", "Where"}


async def test_read_only_tables_own_document_lists_no_write_operation(
    read_only: RowsApp, settings: Settings, table: str
) -> None:
    own = await document_of(read_only, f"/openapi/{settings.keyspace}/{table}.json")
    assert {method for item in own["paths"].values() for method in item} == {"get"}


async def test_read_only_says_so_in_the_documents_description(read_only: RowsApp) -> None:
    assert "ROWS_API=read" in (await document_of(read_only))["info"]["description"]


async def test_off_lists_nothing_under_v2(off: RowsApp) -> None:
    assert operations(await document_of(off)) == set()


async def test_off_lists_no_rows_tag_and_keeps_the_sample(off: RowsApp) -> None:
    document = await document_of(off)
    assert ROWS_TAG not in {tag["name"] for tag in document["tags"]}
    assert "/plant/{genus}/{species}" in document["paths"]
