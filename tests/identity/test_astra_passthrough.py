"""AUTH_MODE=passthrough through a Secure Connect Bundle, against the local Astra stand-in (`scripts/astra-local`).

The stand-in maps its `AstraCS:...` token as Astra does for a driver: the user `token` with the whole token as its
password (its node runs PasswordAuthenticator; `astra_local.stand_in.provision` makes the role `token` with the
token as password). So the caller's token, sent as `X-Cassandra-Token`, is the driver credential of the caller's
session, opened over the bundle's TLS and SNI proxy like the service's own. The stand-in has that one token role:
different rights per role are proven on the self-hosted auth node (test_passthrough.py).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager
from cassandra.connection import SniEndPoint

from app.db.identities import Identities
from app.http.deps import Backend
from app.main import create_app
from tests.support.app import client_for, lifespan
from tests.support.stand_in import StandIn

pytestmark = pytest.mark.astra


@pytest.fixture(scope="module")
async def astra_app(stand_in: StandIn) -> AsyncIterator[LifespanManager]:
    settings = stand_in.settings(auth_mode="passthrough", rows_keyspaces=stand_in.keyspace, sample_api="off")
    async with lifespan(create_app(settings)) as manager:
        yield manager


@pytest.fixture(scope="module")
async def client(astra_app: LifespanManager) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(astra_app.app) as http:
        yield http


def identities_of(app: LifespanManager) -> Identities:
    backend: Backend = app._state["backend"]
    assert backend.identities is not None
    return backend.identities


def astra_token(stand_in: StandIn) -> dict[str, str]:
    return {"x-cassandra-token": stand_in.variables["ASTRA_DB_CLIENT_SECRET"]}


def animals(stand_in: StandIn, key: str = "") -> str:
    return f"/v2/keyspaces/{stand_in.keyspace}/animals" + (f"/{key}" if key else "")


async def test_the_astra_token_writes_and_reads_back_a_row_through_the_bundle(
    client: httpx.AsyncClient, stand_in: StandIn
) -> None:
    species = f"s{uuid.uuid4().hex[:10]}"
    row = {"genus": "Passthrough", "species": species, "sightings": 3}
    written = await client.post(animals(stand_in), json=row, headers=astra_token(stand_in))
    assert written.status_code == 201, written.text
    read = await client.get(animals(stand_in, f"Passthrough/{species}"), headers=astra_token(stand_in))
    assert read.status_code == 200, read.text
    assert read.json()["data"][0]["sightings"] == 3


async def test_the_callers_session_is_the_astra_tokens_over_the_sni_proxy(
    client: httpx.AsyncClient, astra_app: LifespanManager, stand_in: StandIn
) -> None:
    await client.get(animals(stand_in, "Vanessa/atalanta"), headers=astra_token(stand_in))
    identities = identities_of(astra_app)
    credential_key = next(iter(identities._entries))
    entry = identities._entries[credential_key]
    assert entry.username == "token"
    pools = entry.session.get_pools()
    assert pools and all(isinstance(pool.host.endpoint, SniEndPoint) for pool in pools)
    assert all(pool.open_count == 1 for pool in pools)


async def test_a_wrong_astra_token_is_401_in_stargates_shape(client: httpx.AsyncClient, stand_in: StandIn) -> None:
    wrong = f"AstraCS:{'x' * 24}:{secrets.token_hex(32)}"
    answer = await client.get(animals(stand_in, "Vanessa/atalanta"), headers={"x-cassandra-token": wrong})
    body = answer.json()
    assert (answer.status_code, body["code"]) == (401, 401)
    assert body["description"].startswith("Role unauthorized for operation: Invalid token.")
    assert wrong not in answer.text


async def test_a_request_without_a_token_is_401_even_through_the_bundle(
    client: httpx.AsyncClient, stand_in: StandIn
) -> None:
    answer = await client.get(animals(stand_in, "Vanessa/atalanta"))
    assert answer.status_code == 401
