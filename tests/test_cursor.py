"""Cursor paging: walks are complete and exact, tokens are opaque and bound to their query, page sizes are bounded."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from cassandra.cluster import Session
from cassandra.concurrent import execute_concurrent_with_args

from app.config import Settings
from app.db.statements import CQL
from app.page_state import PageStateCodec
from tests.support.app import app_client
from tests.support.names import unique

ROWS = 1_000


def species(i: int) -> str:
    return f"s{i:05d}"


def load_plants(cql: Session, genus: str, count: int) -> None:
    statement = cql.prepare(CQL["upsert_plant"])
    execute_concurrent_with_args(cql, statement, [(genus, species(i), i) for i in range(count)], concurrency=128)


@pytest.fixture(scope="module")
def plants(cql: Session) -> str:
    genus = unique("cur")
    load_plants(cql, genus, ROWS)
    return genus


async def walk(client: httpx.AsyncClient, path: str, page_size: int) -> tuple[list[dict[str, object]], int]:
    """Follow next_page_state from the first page to the end; return the rows and the number of pages."""
    rows: list[dict[str, object]] = []
    token = ""
    pages = 0
    while True:
        response = await client.get(path, params={"page_size": page_size, "page_state": token})
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"items", "next_page_state"}
        assert len(body["items"]) <= page_size
        rows.extend(body["items"])
        pages += 1
        if body["next_page_state"] is None:
            return rows, pages
        token = body["next_page_state"]
        assert pages <= ROWS, "the walk never ends"


@pytest.mark.parametrize("page_size", [1000, 100, 7])
async def test_cursor_walk_yields_every_row_once_in_order(
    client: httpx.AsyncClient, plants: str, page_size: int
) -> None:
    rows, pages = await walk(client, f"/plant/{plants}", page_size)
    assert [row["species"] for row in rows] == [species(i) for i in range(ROWS)]
    assert pages >= -(-ROWS // page_size)


async def test_cursor_walk_works_for_animals(client: httpx.AsyncClient) -> None:
    rows, _ = await walk(client, "/animal/Vanessa", 1)
    assert [row["species"] for row in rows] == ["atalanta", "cardui"]
    assert rows[0]["size_cm"] == 4.8


async def test_first_page_by_format_parameter_matches_empty_page_state(client: httpx.AsyncClient, plants: str) -> None:
    by_format = await client.get(f"/plant/{plants}", params={"format": "page", "page_size": 10})
    by_state = await client.get(f"/plant/{plants}", params={"page_state": "", "page_size": 10})
    assert by_format.json()["items"] == by_state.json()["items"]
    assert len(by_format.json()["items"]) == 10


async def test_page_tokens_are_url_safe_and_do_not_expose_the_key(client: httpx.AsyncClient, plants: str) -> None:
    response = await client.get(f"/plant/{plants}", params={"format": "page", "page_size": 10})
    token = response.json()["next_page_state"]
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token)
    assert plants not in token and species(9) not in token


async def first_token(client: httpx.AsyncClient, path: str) -> str:
    response = await client.get(path, params={"format": "page", "page_size": 3})
    token = response.json()["next_page_state"]
    assert isinstance(token, str)
    return token


def flip(token: str, at: int) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    swapped = alphabet[(alphabet.index(token[at]) + 1) % len(alphabet)]
    return token[:at] + swapped + token[at + 1 :]


async def assert_bad_token(client: httpx.AsyncClient, path: str, token: str) -> None:
    response = await client.get(path, params={"page_state": token, "page_size": 3})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["error"] == "bad_page_state"
    assert isinstance(body["detail"], str) and "page_state" in body["detail"]


@pytest.mark.parametrize("token", ["garbage!", "AAAA", "x" * 5000, "%00", "Zm9v"])
async def test_malformed_token_is_a_400_with_a_json_body(client: httpx.AsyncClient, plants: str, token: str) -> None:
    await assert_bad_token(client, f"/plant/{plants}", token)


@pytest.mark.parametrize("at", [0, 5, 20, -1])
async def test_tampered_token_is_a_400(client: httpx.AsyncClient, plants: str, at: int) -> None:
    token = await first_token(client, f"/plant/{plants}")
    await assert_bad_token(client, f"/plant/{plants}", flip(token, at % len(token)))


async def test_token_of_another_genus_is_a_400(client: httpx.AsyncClient, plants: str) -> None:
    token = await first_token(client, "/plant/Plantago")
    await assert_bad_token(client, f"/plant/{plants}", token)


async def test_plant_token_is_refused_by_the_animal_listing(client: httpx.AsyncClient) -> None:
    token = await first_token(client, "/plant/Plantago")
    await assert_bad_token(client, "/animal/Plantago", token)


async def test_token_sealed_with_another_secret_is_a_400(client: httpx.AsyncClient, plants: str) -> None:
    foreign = PageStateCodec(b"someone-else-with-a-32-byte-secret").seal(b"\x00\x04abcd", f"plants:{plants}")
    await assert_bad_token(client, f"/plant/{plants}", foreign)


@pytest.fixture(scope="module")
async def small_pages(settings: Settings, cql: Session) -> AsyncIterator[httpx.AsyncClient]:
    """The app configured with PAGE_SIZE=20 and MAX_PAGE_SIZE=50."""
    configured = settings.model_copy(update={"page_size": 20, "max_page_size": 50})
    async with app_client(configured) as http:
        yield http


async def test_page_size_defaults_to_the_configured_page_size(small_pages: httpx.AsyncClient, plants: str) -> None:
    response = await small_pages.get(f"/plant/{plants}", params={"format": "page"})
    assert len(response.json()["items"]) == 20


async def test_page_size_above_the_configured_maximum_is_clamped(small_pages: httpx.AsyncClient, plants: str) -> None:
    response = await small_pages.get(f"/plant/{plants}", params={"format": "page", "page_size": 900})
    assert response.status_code == 200
    assert len(response.json()["items"]) == 50
    streamed = await small_pages.get(f"/plant/{plants}", params={"page_size": 900})
    assert len(streamed.json()) == ROWS


@pytest.mark.parametrize("page_size", ["0", "-1", "1000001", "ten"])
async def test_page_size_out_of_range_is_a_422(client: httpx.AsyncClient, plants: str, page_size: str) -> None:
    response = await client.get(f"/plant/{plants}", params={"page_size": page_size})
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"
