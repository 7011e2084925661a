"""What the OpenAPI document may cost: built off the event loop and once per schema change, at most
OPENAPI_MAX_TABLES tables typed (the rest listed by name), serialised once per root path, and admitted like any
request (so shed with a 503 when the process is full)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from cassandra.cluster import Session

from app.config import Settings
from app.main import create_app
from app.openapi import document
from app.openapi.combined import LISTED_EXTENSION, LISTED_TAG, Snapshot
from app.openapi.document import RowsDocs
from app.openapi.rendered import Rendered
from app.rows.catalog import Catalog
from tests.support.app import client_for, hardened_settings, lifespan
from tests.support.asgi import HeldResponse
from tests.support.names import unique
from tests.support.poll import eventually
from tests.support.rows import create_keyspace, create_table

TABLES = ("alpha", "beta", "gamma")  # sorted: the cap keeps the first ones


async def openapi(client: httpx.AsyncClient, url: str = "/openapi.json") -> dict[str, Any]:
    response = await client.get(url)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def typed_tables(doc: dict[str, Any], keyspace: str) -> list[str]:
    """The tables of this keyspace the document types (each has its own tag)."""
    prefix = f"rows: {keyspace}."
    return [tag["name"].removeprefix(prefix) for tag in doc["tags"] if tag["name"].startswith(prefix)]


@pytest.fixture(scope="module")
def three_tables(cql: Session) -> Iterator[str]:
    """A keyspace of its own holding exactly three tables, for the cap."""
    keyspace = unique("capped_")
    create_keyspace(cql, keyspace)
    for name in TABLES:
        cql.execute(f"CREATE TABLE {keyspace}.{name} (k text PRIMARY KEY, v int)", timeout=60)
    yield keyspace
    cql.execute(f"DROP KEYSPACE {keyspace}", timeout=120)


async def capped_document(settings: Settings, keyspace: str, cap: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The combined document of an app serving only `keyspace` with OPENAPI_MAX_TABLES=cap, and the document of
    the last table, fetched at the URL the combined one gives for it (or the usual one when it is typed)."""
    application = create_app(hardened_settings(settings, rows_keyspaces=keyspace, openapi_max_tables=cap))
    async with lifespan(application) as manager, client_for(manager.app) as client:
        doc = await openapi(client)
        listed = {e["table"]: e["document"] for e in doc.get(LISTED_EXTENSION, [])}
        last = await openapi(client, listed.get(TABLES[-1], f"/openapi/{keyspace}/{TABLES[-1]}.json"))
    return doc, last


# ---- the cap ---------------------------------------------------------------------------------------------------


async def test_up_to_the_cap_every_table_is_typed_and_none_is_listed(settings: Settings, three_tables: str) -> None:
    doc, _ = await capped_document(settings, three_tables, cap=3)
    assert typed_tables(doc, three_tables) == list(TABLES)
    assert LISTED_EXTENSION not in doc
    assert LISTED_TAG not in {tag["name"] for tag in doc["tags"]}


async def test_beyond_the_cap_the_other_tables_are_listed_with_their_own_documents(
    settings: Settings, three_tables: str
) -> None:
    doc, last = await capped_document(settings, three_tables, cap=2)
    assert typed_tables(doc, three_tables) == list(TABLES[:2])
    assert f"{three_tables}.{TABLES[2]}.Row" not in doc["components"]["schemas"]
    assert doc[LISTED_EXTENSION] == [
        {"keyspace": three_tables, "table": TABLES[2], "document": f"/openapi/{three_tables}/{TABLES[2]}.json"}
    ]
    listing = next(tag for tag in doc["tags"] if tag["name"] == LISTED_TAG)
    assert f"`{three_tables}.{TABLES[2]}`" in listing["description"]
    assert "OPENAPI_MAX_TABLES" in doc["info"]["description"]
    assert f"{three_tables}.{TABLES[2]}.Row" in last["components"]["schemas"]  # its own document types it


async def test_a_cap_of_zero_types_no_table_and_lists_them_all(settings: Settings, three_tables: str) -> None:
    doc, _ = await capped_document(settings, three_tables, cap=0)
    assert typed_tables(doc, three_tables) == []
    assert [e["table"] for e in doc[LISTED_EXTENSION]] == list(TABLES)


# ---- built once per schema change, off the loop ------------------------------------------------------------------


@pytest.fixture
async def own_app(settings: Settings, cql: Session) -> AsyncIterator[tuple[RowsDocs, Any]]:
    application = create_app(settings)
    docs = application.openapi
    assert isinstance(docs, RowsDocs)
    async with lifespan(application) as manager:
        yield docs, manager.app


async def test_the_document_is_built_once_per_schema_change(
    own_app: tuple[RowsDocs, Any], cql: Session, keyspace_name: str
) -> None:
    docs, asgi = own_app
    async with client_for(asgi) as client:
        first = await openapi(client)
        assert docs.builds == 1
        for _ in range(5):
            assert await openapi(client) == first
        assert docs.builds == 1
        table = create_table(cql, "k text PRIMARY KEY, v int", prefix="counted")

        async def shown() -> bool:
            return f"{keyspace_name}.{table}.Row" in (await openapi(client))["components"]["schemas"]

        await eventually(shown, within=20, what="the new table in /openapi.json")
        assert docs.builds == 2
        for _ in range(5):
            await openapi(client)
        assert docs.builds == 2


async def test_the_tables_are_walked_in_a_worker_thread_never_on_the_loop(
    own_app: tuple[RowsDocs, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    docs, asgi = own_app
    walked_on: list[bool] = []
    walk = document.served_tables

    def spied(catalog: Catalog, cap: int) -> Snapshot:
        walked_on.append(threading.current_thread() is threading.main_thread())
        return walk(catalog, cap)

    monkeypatch.setattr(document, "served_tables", spied)
    docs.schema_changed()  # whatever was checked before: the next request walks
    async with client_for(asgi) as client:
        await openapi(client)
    assert walked_on == [False]


async def test_behind_a_root_path_the_document_names_it_and_is_serialised_once(
    own_app: tuple[RowsDocs, Any],
) -> None:
    docs, asgi = own_app
    transport = httpx.ASGITransport(app=asgi, root_path="/behind")
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as prefixed:
        first = await prefixed.get("/openapi.json")
        again = await prefixed.get("/openapi.json")
    assert first.json()["servers"][0] == {"url": "/behind"}
    assert again.content == first.content
    assert docs.builds == 1


def test_the_bytes_are_kept_for_a_bounded_number_of_root_paths() -> None:
    rendered = Rendered({"openapi": "3.1.0", "servers": [{"url": "/x"}]}, keep=2)
    for root in ("/a", "/b", "/c"):
        rendered.render(root)
    assert rendered.cached("/a") is None  # the least recently used, forgotten
    assert rendered.cached("/c") == b'{"openapi":"3.1.0","servers":[{"url":"/c"},{"url":"/x"}]}'


# ---- admission control -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
async def full(settings: Settings, cql: Session) -> AsyncIterator[Any]:
    """One request slot and no queue."""
    application = create_app(
        hardened_settings(settings, max_concurrent_requests=1, max_queued_requests=0, queue_timeout_ms=0)
    )
    async with lifespan(application) as manager:
        yield manager.app


@pytest.mark.parametrize("url", ["/openapi.json", "/openapi/{keyspace}/plants.json", "/docs", "/redoc"])
async def test_the_docs_are_shed_like_any_request_when_the_process_is_full(
    full: Any, keyspace_name: str, url: str
) -> None:
    held = HeldResponse(full, "/plant/Plantago/afra")
    await asyncio.wait_for(held.started.wait(), 30)
    async with client_for(full) as client:
        shed = await client.get(url.format(keyspace=keyspace_name))
        probe = await client.get("/healthz")
        await held.finish()
        after = await client.get(url.format(keyspace=keyspace_name))
    assert shed.status_code == 503
    assert shed.headers["retry-after"] == "1" and shed.json()["error"] == "overloaded"
    assert probe.status_code == 200  # probes still are never shed
    assert after.status_code == 200
