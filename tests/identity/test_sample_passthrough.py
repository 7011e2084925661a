"""AUTH_MODE=passthrough on the sample face (/animal, /plant): every statement runs as the caller's own role on the
auth node, and refusals are the sample's shape (`{"error", "detail"}`), with Cassandra's own message.

The sample's statements are prepared once, on the service's session (its keyspace set, the names unqualified), and
each request executes them on the caller's session, which has no keyspace of its own: Cassandra keeps a prepared
statement per node, not per connection, so the caller's connection runs it by id, and checks the caller's
permissions each time. The service's own role here is the superuser, so a refusal can only be the caller's.
The lifespan prepares them with their keyspace written in (`app.db.statements.qualified`): unqualified, Cassandra 5
warned at each execution on a caller's session ("`USE <keyspace>` with prepared statements is considered to be an
anti-pattern ... Keyspace used: null"), and the driver could not prepare them again there after an UNPREPARED.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import AsyncIterator, Callable, Iterator

import httpx
import pytest
from pydantic import SecretStr

from app.config import Settings, load_settings
from app.db.schema import apply_schema, drop_keyspace
from app.http.sample import SAMPLE_WORDS
from app.identity.credentials import Credential
from tests.support.app import app_client
from tests.support.auth_node import SUPERUSER, AuthNode, connect_as
from tests.support.names import unique
from tests.support.processes import PAGE_STATE_SECRET

PLANT = {"genus": "Plantago", "species": "afra", "sightings": 3}  # from schema/002_sample_data.cql


def token_of(credential: Credential) -> dict[str, str]:
    """The Data API's self-hosted token form, Cassandra:<base64 user>:<base64 password>, in Stargate's header."""
    user = base64.b64encode(credential.username.encode()).decode()
    password = base64.b64encode(credential.password.get_secret_value().encode()).decode()
    return {"x-cassandra-token": f"Cassandra:{user}:{password}"}


@pytest.fixture(scope="module")
def sample_settings(auth_node: AuthNode) -> Iterator[Settings]:
    """The sample's keyspace on the auth node (its tables and rows, made as the superuser), served in pass-through."""
    settings = load_settings(
        cassandra_contact_points=[auth_node.address],
        cassandra_username=SUPERUSER[0],
        cassandra_password=SUPERUSER[1],
        cassandra_keyspace=unique("sample_pt_"),
        sample_api="on",
        auth_mode="passthrough",
        page_state_secret=PAGE_STATE_SECRET,
        identity_logins_per_second=1000,  # every test's client is 127.0.0.1: the tests' logins, not a flood
        identity_logins_per_address_per_second=1000,
        _env_file=None,
    )
    cluster, session = connect_as(auth_node.address, *SUPERUSER)
    try:
        apply_schema(session, settings)
        yield settings
        drop_keyspace(session, settings.keyspace)
    finally:
        cluster.shutdown()


@pytest.fixture(scope="module")
async def client(sample_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(sample_settings) as http:
        yield http


@pytest.fixture
def reader(sample_settings: Settings, make_role: Callable[..., Credential]) -> Credential:
    return make_role(f"SELECT ON KEYSPACE {sample_settings.keyspace}")


async def test_a_read_only_role_reads_a_plant_as_itself(client: httpx.AsyncClient, reader: Credential) -> None:
    response = await client.get("/plant/Plantago/afra", headers=token_of(reader))
    assert response.status_code == 200, response.text
    assert response.json() == PLANT


async def test_a_read_only_role_streams_a_genus_as_itself(client: httpx.AsyncClient, reader: Credential) -> None:
    response = await client.get("/plant/Plantago", headers=token_of(reader))
    assert response.status_code == 200, response.text
    assert PLANT in response.json()


async def test_a_read_only_role_pages_animals_with_a_cursor(client: httpx.AsyncClient, reader: Credential) -> None:
    response = await client.get("/animal/Vanessa", params={"format": "page", "page_size": 1}, headers=token_of(reader))
    assert response.status_code == 200, response.text
    page = response.json()
    assert len(page["items"]) == 1 and page["next_page_state"]
    following = {"format": "page", "page_size": 1, "page_state": page["next_page_state"]}
    second = await client.get("/animal/Vanessa", params=following, headers=token_of(reader))
    assert second.status_code == 200 and second.json()["items"] != page["items"]


async def test_a_read_only_role_is_refused_a_post_with_cassandras_message_in_the_samples_shape(
    client: httpx.AsyncClient, reader: Credential, sample_settings: Settings
) -> None:
    response = await client.post("/plant", json={**PLANT, "sightings": 4}, headers=token_of(reader))
    assert response.status_code == 401
    body = response.json()
    assert set(body) == {"error", "detail"}
    assert body["error"] == "unauthorized"
    assert body["detail"].startswith(
        f"User {reader.username} has no MODIFY permission on <table {sample_settings.keyspace}.plants>"
    )


async def test_a_role_with_modify_writes_an_animal_as_itself(
    client: httpx.AsyncClient, sample_settings: Settings, make_role: Callable[..., Credential]
) -> None:
    keyspace = sample_settings.keyspace
    writer = make_role(f"SELECT ON KEYSPACE {keyspace}", f"MODIFY ON KEYSPACE {keyspace}")
    animal = {"genus": unique("Pt"), "species": "scriptor", "image_url": "", "size_cm": 1.5, "sightings": 1}
    written = await client.post("/animal", json={**animal, "taxonomy": []}, headers=token_of(writer))
    assert written.status_code == 200, written.text
    read = await client.get(f"/animal/{animal['genus']}/scriptor", headers=token_of(writer))
    assert read.json()["sightings"] == 1


async def test_a_request_without_a_token_is_401_in_the_samples_shape(client: httpx.AsyncClient) -> None:
    response = await client.get("/plant/Plantago/afra")
    assert (response.status_code, response.json()) == (401, {"error": "unauthorized", "detail": SAMPLE_WORDS.missing})


async def test_a_write_without_a_token_is_401_not_the_keys_modes_403(client: httpx.AsyncClient) -> None:
    response = await client.post("/plant", json=PLANT)
    assert (response.status_code, response.json()["detail"]) == (401, SAMPLE_WORDS.missing)


async def test_a_wrong_password_is_401_with_cassandras_reason(client: httpx.AsyncClient, reader: Credential) -> None:
    wrong = Credential(reader.username, SecretStr("not-the-password"))
    response = await client.get("/plant/Plantago/afra", headers=token_of(wrong))
    assert response.status_code == 401
    detail = response.json()["detail"]
    assert detail.startswith(SAMPLE_WORDS.invalid) and reader.username in detail


async def test_no_statement_draws_cassandras_keyspace_warning(
    client: httpx.AsyncClient, reader: Credential, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="cassandra.protocol"):
        assert (await client.get("/animal/Vanessa/cardui", headers=token_of(reader))).status_code == 200
        assert (await client.get("/animal/Vanessa", headers=token_of(reader))).status_code == 200
    assert not [record for record in caplog.records if "USE <keyspace>" in record.getMessage()]


async def test_a_role_without_select_is_refused_a_listing_before_any_row(
    client: httpx.AsyncClient, make_role: Callable[..., Credential], sample_settings: Settings
) -> None:
    nobody = make_role()
    response = await client.get("/plant/Plantago", headers=token_of(nobody))
    assert response.status_code == 401
    assert response.json()["detail"].startswith(f"User {nobody.username} has no SELECT permission")
