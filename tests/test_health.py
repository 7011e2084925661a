"""Probes: liveness says the process is up; readiness says a query reached Cassandra, and which Cassandra only to a
caller with a key (an API key or the metrics key)."""

from __future__ import annotations

import httpx
import pytest

from app.config import Settings
from tests.support.app import API_KEY, hardened_client

METRICS_KEY = "metrics-key-0123456789"


async def test_healthz_answers_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_readyz_says_ready_without_the_version_to_a_caller_without_a_key(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert (response.status_code, response.json()) == (200, {"status": "ready"})


@pytest.mark.parametrize(
    ("headers", "sees_version"),
    [
        ({}, False),
        ({"X-API-Key": "not-one-of-the-keys-000"}, False),
        ({"X-API-Key": API_KEY}, True),
        ({"Authorization": f"Bearer {METRICS_KEY}"}, True),
    ],
    ids=["no key", "an unknown key", "an api key", "the metrics key"],
)
async def test_readyz_reports_the_cassandra_version_only_to_a_caller_with_a_key(
    settings: Settings, headers: dict[str, str], sees_version: bool
) -> None:
    async with hardened_client(settings, metrics_key=METRICS_KEY) as client:
        response = await client.get("/readyz", headers=headers)
    assert response.status_code == 200 and response.json()["status"] == "ready"
    assert ("cassandra" in response.json()) is sees_version
    if sees_version:
        assert response.json()["cassandra"].startswith("5.0")
