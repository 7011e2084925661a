"""The hot routes' table (app/http/hot_routes.py): it finds the very route FastAPI's router would, and leaves every
other request, and any route it cannot serve as the router would, to FastAPI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from cassandra.cluster import Session
from fastapi import FastAPI, HTTPException
from starlette.routing import Route

from app.config import Settings
from app.http.hot_routes import Sample, Table
from app.http.sample import require_sample
from app.main import create_app
from tests.support.app import client_for, hardened_settings, lifespan
from tests.support.asgi import routed

PATHS = [
    ("GET", "/v2/keyspaces/ks/t/a/b"),
    ("GET", "/v2/keyspaces/ks/t/rows"),
    ("GET", "/v2/keyspaces/ks/t/rows/"),
    ("GET", "/v2/keyspaces/ks/t/"),
    ("GET", "/v2/keyspaces/ks/t"),
    ("POST", "/v2/keyspaces/ks/t"),
    ("PUT", "/v2/keyspaces/ks/t/rows"),
    ("PATCH", "/api/rest/v2/keyspaces/ks/t/a%2Fb/c"),
    ("DELETE", "/api/rest/v2/keyspaces/ks/t/a"),
    ("GET", "/api/rest/v2/keyspaces/ks/t/rows"),
    ("GET", "/animal/Point/s0000042"),
    ("GET", "/plant/Plantago/afra"),
]
FALLS_THROUGH = [
    ("DELETE", "/v2/keyspaces/ks/t"),  # 405 from the router
    ("POST", "/v2/keyspaces/ks/t/a"),
    ("GET", "/v2/keyspaces/ks"),
    ("GET", "/v2/keyspaces//t"),
    ("GET", "/v2/schemas/keyspaces"),
    ("GET", "/animal/Point"),  # a listing: FastAPI's
    ("POST", "/animal"),
    ("GET", "/animal/a/b/c"),
    ("GET", "/plant/" + "x" * 257 + "/y"),  # FastAPI's 422
    ("GET", "/animal//s"),
    ("HEAD", "/v2/keyspaces/ks/t/a"),
    ("GET", "/healthz"),
    ("GET", "/docs"),
]


@pytest.fixture(scope="module")
def application(settings: Settings) -> FastAPI:
    return create_app(hardened_settings(settings))


@pytest.fixture(scope="module")
def table(application: FastAPI) -> Table:
    return Table.of(application.router.routes, application)


@pytest.mark.parametrize(("method", "path"), PATHS)
def test_the_table_finds_the_route_the_router_would(application: FastAPI, table: Table, method: str, path: str) -> None:
    hit = table.match(method, path)
    assert hit is not None
    found = hit[0].route if isinstance(hit[0], Sample) else hit[0]
    assert found.endpoint is routed(application, method, path).endpoint


@pytest.mark.parametrize(("method", "path"), FALLS_THROUGH)
def test_the_table_leaves_other_requests_to_fastapi(table: Table, method: str, path: str) -> None:
    assert table.match(method, path) is None


def test_path_parameters_are_the_routers_own(table: Table) -> None:
    hit = table.match("PUT", "/v2/keyspaces/ks/t/a/b/")
    assert hit is not None and hit[1] == {"keyspace": "ks", "table": "t", "key": "a/b/"}


def test_a_route_that_could_shadow_a_prefix_leaves_that_prefix_to_fastapi(application: FastAPI) -> None:
    async def anything(request: Any) -> None:
        raise AssertionError

    routes = [Route("/v2/{anything:path}", anything), *application.router.routes]
    shadowed = Table.of(routes, application)
    assert shadowed.match("GET", "/v2/keyspaces/ks/t/a") is None
    assert shadowed.match("GET", "/api/rest/v2/keyspaces/ks/t/a") is not None
    assert shadowed.match("GET", "/animal/Point/s0000042") is not None


@pytest.fixture(scope="module")
async def overridden(settings: Settings, cql: Session) -> AsyncIterator[httpx.AsyncClient]:
    """The app with a dependency of the sample's routes overridden, as a test of FastAPI's would."""
    application = create_app(hardened_settings(settings))

    async def sample_is_gone() -> None:
        raise HTTPException(404, "overridden")

    application.dependency_overrides[require_sample] = sample_is_gone
    async with lifespan(application) as manager, client_for(manager.app) as client:
        yield client


async def test_a_dependency_override_is_honoured_on_a_hot_route(overridden: httpx.AsyncClient) -> None:
    response = await overridden.get("/plant/Plantago/afra")
    assert response.status_code == 404 and response.json()["detail"] == "overridden"


async def test_a_hot_sample_read_answers_as_the_route_does(client: httpx.AsyncClient) -> None:
    response = await client.get("/plant/Plantago/afra")
    assert response.status_code == 200 and response.json()["species"] == "afra"
    missing = await client.get("/plant/Plantago/no-such-species")
    assert missing.status_code == 404 and missing.json() == {
        "error": "not_found",
        "detail": "no plant Plantago no-such-species",
    }


async def test_a_method_the_table_does_not_serve_is_the_routers_405(client: httpx.AsyncClient) -> None:
    response = await client.delete("/v2/keyspaces/ks/t")
    assert response.status_code == 405
