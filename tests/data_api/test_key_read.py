"""`findOne` by full primary key on the table's plan (app/routes/data_api/key_read.py) answers exactly what the
general read answers, and the Data API's table commands are dispatched from the hot route table
(app/http/hot_routes.py) to the very endpoint the router would call."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from cassandra.cluster import Session
from fastapi import FastAPI

from app.config import Settings
from app.http.hot_routes import Table
from app.main import create_app
from tests.support.app import hardened_settings
from tests.support.asgi import routed
from tests.support.data_api import error_codes
from tests.support.rows import create_table

COLUMNS = (
    "k text, n int, d date, u uuid, label text, score float, tags set<text>, m map<int, text>, bl blob, "
    "PRIMARY KEY ((k, n), d, u)"
)
U = uuid.UUID("f47ac10b-58cc-4372-a567-0e02b2c3d479")
KEY = {"k": "a", "n": 1, "d": "2024-02-29", "u": str(U)}


@pytest.fixture(scope="module")
def keyed(cql: Session) -> str:
    table = create_table(cql, COLUMNS, prefix="keyed")
    cql.execute(
        f"INSERT INTO {table} (k, n, d, u, label, score, tags, m, bl) "
        "VALUES ('a', 1, '2024-02-29', %s, null, 1.1, {'y', 'x'}, {2: 'two', 1: 'one'}, 0x010203)",
        (U,),
    )
    return table


async def answer_bytes(api: httpx.AsyncClient, path: str, body: dict[str, Any]) -> bytes:
    response = await api.post(path, json={"findOne": body})
    assert response.status_code == 200, response.text
    return response.content


def as_eq(key: dict[str, Any]) -> dict[str, Any]:
    """The same filter with `$eq` on every column: the general read (filters.py), not the plan."""
    return {name: {"$eq": value} for name, value in key.items()}


async def test_a_find_one_by_full_key_answers_byte_for_byte_what_the_general_read_answers(
    api: httpx.AsyncClient, settings: Settings, keyed: str
) -> None:
    path = f"/v1/{settings.keyspace}/{keyed}"
    planned = await answer_bytes(api, path, {"filter": KEY})
    general = await answer_bytes(api, path, {"filter": as_eq(KEY)})
    assert planned == general
    document = httpx.Response(200, content=planned).json()["data"]["document"]
    assert (
        "label" not in document and document["bl"] == {"$binary": "AQID"} and document["m"] == [[1, "one"], [2, "two"]]
    )


async def test_a_missing_row_by_full_key_answers_what_the_general_read_answers(
    api: httpx.AsyncClient, settings: Settings, keyed: str
) -> None:
    path = f"/v1/{settings.keyspace}/{keyed}"
    missing = {**KEY, "n": 2}
    planned = await answer_bytes(api, path, {"filter": missing, "projection": {}, "sort": {}, "options": {}})
    assert planned == await answer_bytes(api, path, {"filter": as_eq(missing)})
    assert httpx.Response(200, content=planned).json()["data"] == {"document": None}


async def test_a_key_value_that_does_not_decode_is_refused_as_the_general_read_refuses_it(
    api: httpx.AsyncClient, settings: Settings, keyed: str
) -> None:
    path = f"/v1/{settings.keyspace}/{keyed}"
    bad = {**KEY, "d": "not a date"}
    planned = httpx.Response(200, content=await answer_bytes(api, path, {"filter": bad})).json()
    general = httpx.Response(200, content=await answer_bytes(api, path, {"filter": as_eq(bad)})).json()
    assert error_codes(planned) == error_codes(general) == ["INVALID_FILTER_COLUMN_VALUES"]
    assert [e["message"] for e in planned["errors"]] == [e["message"] for e in general["errors"]]


async def test_a_find_one_under_the_astra_prefix_answers_as_under_v1(
    api: httpx.AsyncClient, settings: Settings, keyed: str
) -> None:
    body = {"filter": KEY}
    astra = await answer_bytes(api, f"/api/json/v1/{settings.keyspace}/{keyed}", body)
    assert astra == await answer_bytes(api, f"/v1/{settings.keyspace}/{keyed}", body)


# ---- the hot route table ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def application(settings: Settings) -> FastAPI:
    return create_app(hardened_settings(settings))


@pytest.mark.parametrize("path", ["/v1/ks/t", "/api/json/v1/ks/t", "/v1/auth/t"])
def test_a_table_command_is_dispatched_to_the_endpoint_the_router_would_call(application: FastAPI, path: str) -> None:
    hit = Table.of(application.router.routes, application).match("POST", path)
    assert hit is not None
    assert hit[0].endpoint is routed(application, "POST", path).endpoint
    assert hit[1] == {"keyspace": path.split("/")[-2], "table": "t"}


LEFT_TO_THE_ROUTER = [
    ("GET", "/v1/ks/t"),  # the router's 405
    ("POST", "/v1/ks"),
    ("POST", "/v1/auth"),
    ("POST", "/v1"),
    ("POST", "/v1/ks/t/"),
    ("POST", "/v1//t"),
    ("POST", "/v1/ks/t/x"),
    ("POST", "/api/json/v1/ks"),
]


@pytest.mark.parametrize(("method", "path"), LEFT_TO_THE_ROUTER)
def test_other_data_api_requests_are_left_to_the_router(application: FastAPI, method: str, path: str) -> None:
    assert Table.of(application.router.routes, application).match(method, path) is None
