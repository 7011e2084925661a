"""API keys: writes need one, reads only with PROTECT_READS, probes never; keys never leak."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from cassandra.cluster import Session
from pydantic import SecretStr

from app.access import key_matches
from app.config import Settings
from tests.support.app import API_KEY, OTHER_KEY, hardened_client, hardened_settings
from tests.support.names import unique


@pytest.fixture(scope="module")
async def keyed(settings: Settings, cql: Session) -> AsyncIterator[httpx.AsyncClient]:
    async with hardened_client(settings) as client:
        yield client


@pytest.fixture(scope="module")
async def protected(settings: Settings, cql: Session) -> AsyncIterator[httpx.AsyncClient]:
    async with hardened_client(settings, protect_reads=True) as client:
        yield client


def plant(genus: str) -> dict[str, object]:
    return {"genus": genus, "species": "s", "sightings": 1}


def stored(cql: Session, genus: str) -> bool:
    return bool(list(cql.execute("SELECT * FROM plants WHERE genus = %s", (genus,))))


async def test_write_without_a_key_is_401_with_a_challenge(keyed: httpx.AsyncClient, cql: Session) -> None:
    genus = unique()
    response = await keyed.post("/plant", json=plant(genus))
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["error"] == "unauthorized"
    assert "X-API-Key" in response.json()["detail"]
    assert not stored(cql, genus)


async def test_write_with_a_wrong_key_is_401_and_the_key_is_not_echoed(keyed: httpx.AsyncClient, cql: Session) -> None:
    genus = unique()
    wrong = API_KEY + "x"
    response = await keyed.post("/plant", json=plant(genus), headers={"X-API-Key": wrong})
    assert response.status_code == 401
    assert response.json() == {"error": "unauthorized", "detail": "the API key is not valid"}
    assert wrong not in response.text
    assert not stored(cql, genus)


async def test_unauthenticated_bad_body_is_401_not_422(keyed: httpx.AsyncClient) -> None:
    response = await keyed.post("/plant", json={"nonsense": True})
    assert response.status_code == 401


@pytest.mark.parametrize(
    "headers",
    [{"Authorization": f"Bearer {API_KEY}"}, {"X-API-Key": API_KEY}, {"authorization": f"bearer {OTHER_KEY}"}],
    ids=["bearer", "x-api-key", "second-key-lowercase-scheme"],
)
async def test_write_with_a_configured_key_is_stored(
    keyed: httpx.AsyncClient, cql: Session, headers: dict[str, str]
) -> None:
    genus = unique()
    response = await keyed.post("/plant", json=plant(genus), headers=headers)
    assert response.status_code == 200, response.text
    assert stored(cql, genus)


async def test_basic_credentials_are_not_an_api_key(keyed: httpx.AsyncClient) -> None:
    response = await keyed.post("/plant", json=plant(unique()), headers={"Authorization": f"Basic {API_KEY}"})
    assert response.status_code == 401


async def test_reads_are_open_by_default(keyed: httpx.AsyncClient) -> None:
    assert (await keyed.get("/plant/Plantago/afra")).status_code == 200
    assert (await keyed.get("/plant/Plantago", params={"format": "ndjson"})).status_code == 200


async def test_without_api_keys_writes_are_refused_with_how_to_configure(settings: Settings, cql: Session) -> None:
    genus = unique()
    async with hardened_client(settings, api_keys="") as client:
        response = await client.post("/plant", json=plant(genus), headers={"X-API-Key": "anything"})
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"
    assert "API_KEYS" in response.json()["detail"] and "ALLOW_ANONYMOUS_WRITES" in response.json()["detail"]
    assert not stored(cql, genus)


async def test_anonymous_writes_when_opted_in_and_no_keys(settings: Settings, cql: Session) -> None:
    genus = unique()
    async with hardened_client(settings, api_keys="", allow_anonymous_writes=True) as client:
        response = await client.post("/plant", json=plant(genus))
    assert response.status_code == 200
    assert stored(cql, genus)


async def test_configured_keys_win_over_anonymous_writes(settings: Settings, cql: Session) -> None:
    genus = unique()
    async with hardened_client(settings, allow_anonymous_writes=True) as client:
        response = await client.post("/plant", json=plant(genus))
    assert response.status_code == 401
    assert not stored(cql, genus)


async def test_protected_reads_need_a_key(protected: httpx.AsyncClient) -> None:
    for path in ("/plant/Plantago/afra", "/plant/Plantago", "/animal/Vanessa", "/metrics"):
        response = await protected.get(path)
        assert response.status_code == 401, path
        assert response.json()["error"] == "unauthorized"
        assert (await protected.get(path, headers={"X-API-Key": API_KEY})).status_code == 200, path


async def test_probes_stay_open_when_reads_are_protected(protected: httpx.AsyncClient) -> None:
    assert (await protected.get("/healthz")).status_code == 200
    assert (await protected.get("/readyz")).status_code == 200


async def test_keys_appear_in_no_docs_logs_or_settings(
    settings: Settings, cql: Session, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with hardened_client(settings, log_level="debug") as client:
        docs = (await client.get("/docs")).text + (await client.get("/openapi.json")).text
        await client.post("/plant", json=plant(unique()), headers={"X-API-Key": API_KEY})
        await client.post("/plant", json=plant(unique()), headers={"Authorization": "Bearer " + API_KEY + "z"})
    logged = "\n".join(record.getMessage() + str(getattr(record, "fields", "")) for record in caplog.records)
    text = docs + logged + repr(hardened_settings(settings)) + str(hardened_settings(settings).model_dump())
    assert API_KEY not in text and OTHER_KEY not in text
    assert "X-API-Key" in docs  # the scheme is documented, without any value


def test_key_comparison_accepts_exact_keys_only() -> None:
    keys = [SecretStr("alpha"), SecretStr("beta")]
    assert key_matches("alpha", keys) and key_matches("beta", keys)
    assert not key_matches("alph", keys) and not key_matches("alphaa", keys) and not key_matches("", keys)
    assert not key_matches("alpha", [])


PLANTS_KEY = "plants-only-key-0123456789"


@pytest.fixture(scope="module")
async def scoped(
    settings: Settings, cql: Session, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[httpx.AsyncClient]:
    """A named key that may write the sample's plants only (API_KEYS_FILE)."""
    digest = hashlib.sha256(PLANTS_KEY.encode()).hexdigest()
    keys = [{"id": "plants-loader", "sha256": digest, "scopes": {"write": [f"{settings.keyspace}.plants"]}}]
    path = tmp_path_factory.mktemp("keys") / "keys.json"
    path.write_text(json.dumps({"keys": keys}))
    async with hardened_client(settings, api_keys_file=str(path)) as client:
        yield client


async def test_a_key_scoped_to_plants_writes_a_plant(scoped: httpx.AsyncClient, cql: Session) -> None:
    genus = unique()
    response = await scoped.post("/plant", json=plant(genus), headers={"X-API-Key": PLANTS_KEY})
    assert response.status_code == 200, response.text
    assert stored(cql, genus)


async def test_a_key_scoped_to_plants_is_refused_an_animal_naming_the_scope(
    scoped: httpx.AsyncClient, settings: Settings
) -> None:
    response = await scoped.post("/animal", json=plant(unique()), headers={"X-API-Key": PLANTS_KEY})
    assert response.status_code == 403
    assert response.json()["detail"] == f"key 'plants-loader' has no write scope on {settings.keyspace}.animals"
