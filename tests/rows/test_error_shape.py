"""Stargate's error bodies, exactly: its clients map them onto `ApiError`, which refuses unknown fields. Our stable
code travels in the `X-Error-Code` header (STARGATE_ERROR_CODE_IN_BODY puts it back in the body)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from app.config import Settings
from app.http import errors
from tests.support.app import hardened_client
from tests.support.names import unique
from tests.support.rows import STARGATE_ERROR_FIELDS, assert_stargate_error


@pytest.fixture
def restore_error_shape(settings: Settings) -> Iterator[None]:
    """The error shape is one per process (set as an app is made): put the default back for the next tests."""
    yield
    errors.configure(settings)


@pytest.mark.parametrize("base", ["/v2/keyspaces", "/api/rest/v2/keyspaces"])
async def test_a_stargate_error_body_has_exactly_api_errors_fields(
    client: httpx.AsyncClient, keyspace_name: str, base: str
) -> None:
    table = unique("missing")
    response = await client.get(f"{base}/{keyspace_name}/{table}/rows")
    body = assert_stargate_error(response, 400, f"Table '{table}'", error="unknown_table")
    assert (body["grpcStatus"], body["internalTxId"]) == (None, None)


async def test_a_schema_api_error_has_exactly_api_errors_fields(client: httpx.AsyncClient) -> None:
    response = await client.get("/v2/schemas/keyspaces/no_such_keyspace/tables")
    assert_stargate_error(response, 400, "Keyspace 'no_such_keyspace' not found", error="unknown_keyspace")


async def test_cassandras_refusal_keeps_its_words_and_stargates_fields(
    client: httpx.AsyncClient, keyspace_name: str
) -> None:
    """A `where` Cassandra refuses (a regular column, no ALLOW FILTERING) is its 400, as Stargate's gRPC mapper
    words it, with `grpcStatus` set."""
    where = '{"sightings": {"$gt": 1}}'
    response = await client.get(f"/v2/keyspaces/{keyspace_name}/plants", params={"where": where})
    prefix = "Invalid argument for gRPC operation (Status.Code.INVALID_ARGUMENT->400): INVALID_ARGUMENT: "
    body = assert_stargate_error(response, 400, prefix, "ALLOW FILTERING", error="invalid_query")
    assert str(body["description"]).startswith(prefix)
    assert body["grpcStatus"] == "INVALID_ARGUMENT"


async def test_a_middleware_refusal_on_a_stargate_path_has_api_errors_fields(
    settings: Settings, keyspace_name: str
) -> None:
    """The body limit answers before any route: its 413 is in Stargate's shape too."""
    async with hardened_client(settings, max_body_bytes=1024) as http:
        response = await http.post(f"/v2/keyspaces/{keyspace_name}/plants", content=b"{" + b" " * 4096 + b"}")
    assert_stargate_error(response, 413, error="payload_too_large")


async def test_the_sample_face_keeps_its_own_error_body_and_gets_the_header(client: httpx.AsyncClient) -> None:
    response = await client.get("/plant/Plantago/nonexistent")
    assert response.status_code == 404
    assert set(response.json()) == {"error", "detail"}
    assert response.headers["x-error-code"] == response.json()["error"] == "not_found"


async def test_the_error_code_goes_back_in_the_body_when_asked(
    settings: Settings, keyspace_name: str, restore_error_shape: None
) -> None:
    async with hardened_client(settings, stargate_error_code_in_body=True) as http:
        response = await http.get(f"/v2/keyspaces/{keyspace_name}/{unique('missing')}/rows")
    assert response.status_code == 400
    body = response.json()
    assert tuple(body) == (*STARGATE_ERROR_FIELDS, "error")
    assert body["error"] == response.headers["x-error-code"] == "unknown_table"
