"""The Astra path through a Secure Connect Bundle, against the local stand-in (`scripts/astra-local`).

The stand-in is a real Cassandra node with client TLS, mutual authentication and password auth, a real metadata
service and a real bundle: the driver takes exactly the code path it takes against Astra DB.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import fields
from pathlib import Path

import httpx
import orjson
import pytest
from asgi_lifespan import LifespanManager
from cassandra import ConsistencyLevel
from cassandra.connection import SniEndPoint

from app.config import Mode, Settings
from app.db.database import Database
from app.http.deps import Backend
from app.main import create_app
from astra_local.certs import make_certificates
from astra_local.stand_in import admin_session, write_bundle
from tests.support.app import client_for, lifespan
from tests.support.names import unique
from tests.support.processes import failed_start
from tests.support.sample import assert_both_vanessa, assert_sample_atalanta, assert_sample_plantago
from tests.support.stand_in import StandIn, run_script

pytestmark = pytest.mark.astra

API_KEY = "astra-tests-key-0123"  # writes need an API key (16 characters at least)


@pytest.fixture(scope="session")
def astra_settings(stand_in: StandIn) -> Settings:
    return stand_in.settings(api_keys=API_KEY)


@pytest.fixture(scope="session")
async def astra_lifespan(astra_settings: Settings) -> AsyncIterator[LifespanManager]:
    async with lifespan(create_app(astra_settings)) as manager:
        yield manager


@pytest.fixture(scope="session")
def astra_db(astra_lifespan: LifespanManager) -> Database:
    # The lifespan's state is what every request sees; asgi-lifespan keeps it on the manager.
    backend: Backend = astra_lifespan._state["backend"]
    return backend.db


@pytest.fixture(scope="session")
async def astra_client(astra_lifespan: LifespanManager) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(astra_lifespan.app) as http:
        yield http


# The sample session, through the bundle.


async def test_plantago_lists_the_88_sample_species_through_the_bundle(astra_client: httpx.AsyncClient) -> None:
    assert_sample_plantago(await astra_client.get("/plant/Plantago"))


async def test_plantago_streams_as_ndjson_through_the_bundle(astra_client: httpx.AsyncClient) -> None:
    response = await astra_client.get("/plant/Plantago", headers={"Accept": "application/x-ndjson"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    lines = [orjson.loads(line) for line in response.text.splitlines() if line]
    assert len(lines) == 88
    assert lines[0] == {"genus": "Plantago", "species": "afra", "sightings": 3}


async def test_sample_animal_reads_back_through_the_bundle(astra_client: httpx.AsyncClient) -> None:
    assert_sample_atalanta(await astra_client.get("/animal/Vanessa/atalanta"))


async def test_genus_listing_returns_both_vanessa_through_the_bundle(astra_client: httpx.AsyncClient) -> None:
    assert_both_vanessa(await astra_client.get("/animal/Vanessa"))


async def test_posted_animal_reads_back_through_the_bundle(astra_client: httpx.AsyncClient) -> None:
    animal = {
        "genus": unique("Astra"),
        "species": "localis",
        "image_url": "https://example.org/a.png",
        "size_cm": 1.5,
        "sightings": 2,
        "taxonomy": ["Arthropoda", "Insecta"],
    }
    posted = await astra_client.post("/animal", json=animal, headers={"X-API-Key": API_KEY})
    assert posted.status_code == 200
    assert posted.json() == {"inserted": True}
    read = await astra_client.get(f"/animal/{animal['genus']}/localis")
    assert read.json() == animal


# Proof that the bundle's path was the one taken.


def test_every_host_is_reached_through_the_sni_proxy(astra_db: Database, stand_in: StandIn) -> None:
    cluster = astra_db.session.cluster
    hosts = cluster.metadata.all_hosts()
    assert hosts
    assert all(isinstance(host.endpoint, SniEndPoint) for host in hosts)
    assert {(host.endpoint.address, host.endpoint.port) for host in hosts} == {(stand_in.layout.address, 9042)}
    assert cluster.protocol_version == 4


def test_the_node_sees_the_service_as_token_over_tls(astra_db: Database, stand_in: StandIn) -> None:
    cluster, admin = admin_session(stand_in.layout)
    try:
        rows = list(admin.execute("SELECT username, ssl_enabled, protocol_version FROM system_views.clients"))
    finally:
        cluster.shutdown()
    ours = [row for row in rows if row.username == "token"]
    assert ours, rows
    assert all(row.ssl_enabled and row.protocol_version == 4 for row in ours)
    assert all(row.ssl_enabled for row in rows)


def test_astra_defaults_to_local_quorum(astra_settings: Settings, astra_lifespan: LifespanManager) -> None:
    assert astra_settings.mode is Mode.ASTRA
    sample = astra_lifespan._state["backend"].statements.sample()
    levels = {getattr(sample, field.name).consistency_level for field in fields(sample)}
    assert levels == {ConsistencyLevel.LOCAL_QUORUM}


# Failures: one clear line and a non-zero exit, never a hang.


def test_wrong_secret_fails_with_an_authentication_line(stand_in: StandIn, tmp_path: Path) -> None:
    output = failed_start(stand_in.env(ASTRA_DB_CLIENT_SECRET="AstraCS:wrong:0000"), tmp_path / "server.log")
    assert "start-up failed: authentication to Astra DB via bundle" in output
    assert "check ASTRA_DB_CLIENT_ID and ASTRA_DB_CLIENT_SECRET" in output
    assert "AstraCS:wrong" not in output


def test_bundle_from_another_ca_is_refused_by_the_metadata_service(stand_in: StandIn, tmp_path: Path) -> None:
    other = make_certificates(tmp_path / "other-ca", addresses=[stand_in.layout.address], label="another")
    bundle = write_bundle(
        other, tmp_path / "secure-connect-other.zip", host=stand_in.layout.address, port=stand_in.layout.metadata_port
    )
    output = failed_start(stand_in.env(ASTRA_DB_SECURE_BUNDLE_PATH=str(bundle)), tmp_path / "server.log")
    assert f"start-up failed: the Astra metadata service at {stand_in.layout.metadata_url}" in output
    assert "is not trusted by the bundle's CA" in output


def test_missing_bundle_names_the_variable(stand_in: StandIn, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.zip"
    output = failed_start(stand_in.env(ASTRA_DB_SECURE_BUNDLE_PATH=str(missing)), tmp_path / "server.log")
    assert f"start-up failed: ASTRA_DB_SECURE_BUNDLE_PATH: no file at {missing}" in output


def test_a_file_that_is_not_a_bundle_names_the_variable(stand_in: StandIn, tmp_path: Path) -> None:
    not_a_zip = tmp_path / "bundle.zip"
    not_a_zip.write_text("not a zip")
    output = failed_start(stand_in.env(ASTRA_DB_SECURE_BUNDLE_PATH=str(not_a_zip)), tmp_path / "server.log")
    assert f"start-up failed: ASTRA_DB_SECURE_BUNDLE_PATH: {not_a_zip} is not a Secure Connect Bundle zip" in output


def test_missing_keyspace_is_reported_and_never_created(stand_in: StandIn, tmp_path: Path) -> None:
    keyspace = unique("absent_")
    output = failed_start(stand_in.env(ASTRA_DB_KEYSPACE=keyspace), tmp_path / "server.log")
    assert f"start-up failed: keyspace '{keyspace}' does not exist: create it in the Astra console" in output


def test_silent_metadata_service_fails_within_connect_timeout(stand_in: StandIn, tmp_path: Path) -> None:
    with socket.socket() as silent:
        # Accepts connections (the kernel completes the handshake) and never answers one.
        silent.bind((stand_in.layout.address, 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        bundle = write_bundle(
            stand_in.layout.tls, tmp_path / "secure-connect-silent.zip", host=stand_in.layout.address, port=port
        )
        env = stand_in.env(ASTRA_DB_SECURE_BUNDLE_PATH=str(bundle), CONNECT_TIMEOUT="2")
        output = failed_start(env, tmp_path / "server.log")
    assert "did not answer within CONNECT_TIMEOUT=2s" in output


def test_stopped_metadata_service_fails_with_a_clear_line(stand_in: StandIn, tmp_path: Path) -> None:
    step_env = {**os.environ, "ASTRA_LOCAL_DIR": str(stand_in.layout.home)}
    stopped = run_script(sys.executable, "-m", "astra_local", "metadata-stop", env=step_env)
    assert stopped.returncode == 0, stopped.stderr
    try:
        output = failed_start(stand_in.env(), tmp_path / "server.log")
    finally:
        restarted = run_script(sys.executable, "-m", "astra_local", "metadata-start", env=step_env)
    assert restarted.returncode == 0, restarted.stderr
    assert (
        f"start-up failed: the Astra metadata service at {stand_in.layout.metadata_url} refused the connection"
        in output
    )
