"""Permanent refusals are not "retry later": a role without a permission, credentials revoked while the service runs.

Against the Astra stand-in's node (`scripts/astra-local`), which checks passwords and permissions
(PasswordAuthenticator, CassandraAuthorizer) as Astra does:

- a role without SELECT on a table: 502 `database_permission_denied` without `Retry-After`, one error line, counted,
  `/readyz` failing until the permission is granted (the rows API's answer too, but never its readiness);
- a token revoked while the service runs (through the bundle, the driver's connections cut by a proxy in front of
  the node): reconnections fail with AuthenticationFailed, requests answer 502 `database_auth_failed`, `/readyz`
  fails, one error line, and the driver backs off (counted on the proxy); the token restored, all recovers;
- the bundle's client certificate expiry as a metric, and a warning when it is near.

Before this, each of these was a 503 `database_error` or `database_unavailable` with `Retry-After: 1`, and the
driver retried every second per host.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import secrets
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cassandra import AuthenticationFailed
from cassandra.cluster import NoHostAvailable
from prometheus_client.parser import text_string_to_metric_families

from app.config import Settings, load_settings
from app.db.cluster import build_cluster
from app.db.errors import map_driver_error
from astra_local.certs import issue_client_certificate
from astra_local.metadata import MetadataServer, metadata_document, server_context
from astra_local.stand_in import LOCAL_DC, admin_session, astra_token, load_state, write_bundle
from bench.harness.proxy import TcpProxy
from tests.support.app import app_client
from tests.support.names import unique
from tests.support.poll import eventually
from tests.support.processes import PAGE_STATE_SECRET
from tests.support.stand_in import StandIn


def admin(stand_in: StandIn, *statements: str) -> None:
    cluster, session = admin_session(stand_in.layout)
    try:
        for statement in statements:
            session.execute(statement)
    finally:
        cluster.shutdown()


def change_password(stand_in: StandIn, role: str, password: str) -> None:
    """ALTER ROLE ... PASSWORD; Cassandra 5 allows one change per role every 5 s, so wait for it when refused."""
    deadline = time.monotonic() + 15
    while True:
        try:
            admin(stand_in, f"ALTER ROLE {role} WITH PASSWORD = '{password}'")
            return
        except NoHostAvailable as exc:
            if "can only be changed every" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


async def metric(client: httpx.AsyncClient, name: str, **labels: str) -> float:
    text = (await client.get("/metrics")).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return 0.0


def error_lines(caplog: pytest.LogCaptureFixture, text: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno == logging.ERROR and text in r.getMessage()]


# ---- a role without a permission (self-hosted, over TLS) -------------------------------------------------------


@pytest.fixture
def role_without_select_on_animals(stand_in: StandIn) -> Iterator[tuple[str, str]]:
    role, password = unique("noselect_"), secrets.token_urlsafe(24)
    keyspace = stand_in.keyspace
    admin(
        stand_in,
        f"CREATE ROLE {role} WITH LOGIN = true AND PASSWORD = '{password}'",
        f"GRANT SELECT ON TABLE {keyspace}.plants TO {role}",
        f"GRANT MODIFY ON KEYSPACE {keyspace} TO {role}",
    )
    yield role, password
    admin(stand_in, f"DROP ROLE IF EXISTS {role}")


def as_role(stand_in: StandIn, role: str, password: str, **overrides: Any) -> Settings:
    tls = stand_in.layout.tls
    values: dict[str, Any] = {
        "_env_file": None,
        "cassandra_contact_points": stand_in.layout.address,
        "cassandra_keyspace": stand_in.keyspace,
        "cassandra_username": role,
        "cassandra_password": password,
        "cassandra_tls_ca_file": str(tls.ca_cert),
        "cassandra_tls_cert_file": str(tls.client_cert),
        "cassandra_tls_key_file": str(tls.client_key),
        "page_state_secret": PAGE_STATE_SECRET,
        "log_level": "warning",
        "metrics_cache_seconds": 0,  # each scrape here must see the refusals counted just before it
    }
    values.update(overrides)
    return load_settings(**values)


@pytest.mark.astra
async def test_a_missing_permission_is_a_502_without_retry_after_and_readiness_fails(
    stand_in: StandIn, role_without_select_on_animals: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    role, password = role_without_select_on_animals
    async with app_client(as_role(stand_in, role, password)) as client:
        assert (await client.get("/plant/Plantago")).status_code == 200
        assert (await client.get("/readyz")).status_code == 200
        before = await metric(client, "app_database_refusals_total", kind="permission")
        refused = [await client.get("/animal/Vanessa/atalanta") for _ in range(3)]
        for response in refused:
            assert response.status_code == 502, response.text
            assert response.json()["error"] == "database_permission_denied"
            assert "retry-after" not in response.headers
            assert role not in response.text  # Cassandra's message (naming the role) goes to the log only
        listing = await client.get("/animal/Vanessa")
        assert (listing.status_code, listing.json()["error"]) == (502, "database_permission_denied")
        ready = await client.get("/readyz")
        assert (ready.status_code, ready.json()["error"]) == (502, "database_permission_denied")
        assert "retry-after" not in ready.headers
        assert await metric(client, "app_database_refusals_total", kind="permission") - before == 4
        lines = error_lines(caplog, "Cassandra refused a statement to the service's role")
        assert len(lines) == 1, [r.getMessage() for r in lines]
        assert f"User {role} has no SELECT permission" in lines[0].getMessage()
        assert "/readyz fails" in lines[0].getMessage()
        assert (await client.get("/plant/Plantago")).status_code == 200  # the rest is served meanwhile

        admin(stand_in, f"GRANT SELECT ON TABLE {stand_in.keyspace}.animals TO {role}")

        async def granted() -> bool:
            return (await client.get("/animal/Vanessa/atalanta")).status_code == 200

        await eventually(granted, within=20, what="the granted permission was used")
        # The listing's statement was refused too: readiness waits until it has run again (or for 30 s).
        assert (await client.get("/readyz")).status_code == 502
        assert (await client.get("/animal/Vanessa")).status_code == 200
        assert (await client.get("/readyz")).status_code == 200


@pytest.mark.astra
async def test_the_rows_api_answers_the_same_but_never_fails_readiness(
    stand_in: StandIn, role_without_select_on_animals: tuple[str, str]
) -> None:
    """A rows API client picks the table: a table the role cannot read must not take the process out of rotation."""
    role, password = role_without_select_on_animals
    async with app_client(as_role(stand_in, role, password)) as client:
        rows = await client.get(f"/v2/keyspaces/{stand_in.keyspace}/animals/Vanessa")
        assert rows.status_code == 502, rows.text
        assert rows.headers["x-error-code"] == "database_permission_denied"
        assert rows.json()["code"] == 502  # Stargate's shape
        assert "retry-after" not in rows.headers
        assert (await client.get(f"/v2/keyspaces/{stand_in.keyspace}/plants/Plantago")).status_code == 200
        assert (await client.get("/readyz")).status_code == 200


# ---- credentials revoked while the service runs (Astra, through the bundle) ------------------------------------


class MetadataThread:
    """A second metadata service of the stand-in's CA, in this process, naming our proxy as the SNI proxy."""

    def __init__(self, stand_in: StandIn, sni_proxy: str) -> None:
        document = metadata_document(
            local_dc=LOCAL_DC, host_ids=[load_state(stand_in.layout)["host_id"]], sni_proxy=sni_proxy
        )
        self.server = MetadataServer((stand_in.layout.address, 0), server_context(stand_in.layout.tls), document)
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def revocable_token(stand_in: StandIn) -> Iterator[tuple[str, str]]:
    role, token = unique("token_"), astra_token()
    admin(
        stand_in,
        f"CREATE ROLE {role} WITH LOGIN = true AND PASSWORD = '{token}'",
        f"GRANT ALL PERMISSIONS ON KEYSPACE {stand_in.keyspace} TO {role}",
    )
    yield role, token
    admin(stand_in, f"DROP ROLE IF EXISTS {role}")


@pytest.fixture
async def behind_a_proxy(
    stand_in: StandIn, revocable_token: tuple[str, str], tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, TcpProxy]]:
    proxy = TcpProxy("127.0.0.1", 0, stand_in.layout.address, 9042)
    metadata = MetadataThread(stand_in, f"127.0.0.1:{proxy.port}")
    bundle = write_bundle(
        stand_in.layout.tls, tmp_path / "secure-connect-proxied.zip", host=stand_in.layout.address, port=metadata.port
    )
    role, token = revocable_token
    settings = stand_in.settings(
        astra_db_client_id=role,
        astra_db_client_secret=token,
        astra_db_secure_bundle_path=str(bundle),
        reconnect_delay=0.5,
        reconnect_max_delay=4,
        log_level="warning",
        metrics_cache_seconds=0,  # each scrape here must see what happened just before it
    )
    try:
        async with app_client(settings) as client:
            yield client, proxy
    finally:
        proxy.close()
        metadata.close()


def _login_refused(stand_in: StandIn, role: str, password: str) -> bool:
    try:
        cluster, _ = admin_session(stand_in.layout, role, password)
    except NoHostAvailable as exc:
        return any(isinstance(e, AuthenticationFailed) for e in exc.errors.values())
    cluster.shutdown()
    return False


@pytest.mark.astra
async def test_a_token_revoked_while_running_is_a_502_and_the_driver_backs_off(
    stand_in: StandIn,
    revocable_token: tuple[str, str],
    behind_a_proxy: tuple[httpx.AsyncClient, TcpProxy],
    caplog: pytest.LogCaptureFixture,
) -> None:
    role, token = revocable_token
    client, proxy = behind_a_proxy
    assert (await client.get("/plant/Plantago")).status_code == 200
    refused_before = await metric(client, "app_database_refusals_total", kind="authentication")

    # Revoke: a new password, as rotating or revoking an Astra token does. Open connections stay authenticated.
    await asyncio.to_thread(change_password, stand_in, role, f"revoked-{secrets.token_hex(8)}")

    async def revoked() -> bool:
        return await asyncio.to_thread(_login_refused, stand_in, role, token)

    await eventually(revoked, within=15, what="the old token is refused to a new login")
    assert (await client.get("/plant/Plantago")).status_code == 200  # still on its old connections
    assert (await client.get("/readyz")).status_code == 200

    # Every connection drops (a proxy or node restart, say): the driver must log in again, and is refused.
    connections_before = proxy.connections
    proxy.cut()
    proxy.resume()
    cut_at = time.monotonic()

    async def auth_failed() -> bool:
        response = await client.get("/plant/Plantago")
        return response.status_code == 502

    took = await eventually(auth_failed, within=15, what="requests answer 502 database_auth_failed")
    answers = [await client.get(path) for path in ("/plant/Plantago", "/animal/Vanessa/atalanta", "/readyz")]
    for response in answers:
        assert response.status_code == 502, response.text
        assert response.json()["error"] == "database_auth_failed"
        assert "retry-after" not in response.headers
    assert await metric(client, "app_database_credentials_refused") == 1

    await asyncio.sleep(max(0.0, 12 - (time.monotonic() - cut_at)))
    attempts = proxy.connections - connections_before
    refused = await metric(client, "app_database_refusals_total", kind="authentication") - refused_before
    # RECONNECT_DELAY 0.5 s doubling up to 4 s: at most 5 attempts in 12 s per reconnection schedule (the control
    # connection's and the node's pool's). A constant 0.5 s would have made about 24 each.
    print(f"\nrevoked token: 502 after {took:.1f} s; {attempts} connection attempts, {refused:.0f} refused, in 12 s")
    assert 2 <= attempts <= 14, attempts
    assert refused >= 2
    lines = error_lines(caplog, "Cassandra refused the service's credentials on reconnecting")
    assert len(lines) == 1, [r.getMessage() for r in lines]
    assert "Provided username" in lines[0].getMessage() or "password are incorrect" in lines[0].getMessage()

    # The token is valid again (restored): the next reconnection is accepted, within RECONNECT_MAX_DELAY or so.
    await asyncio.to_thread(change_password, stand_in, role, token)

    async def recovered() -> bool:
        ready = await client.get("/readyz")
        return ready.status_code == 200 and (await client.get("/plant/Plantago")).status_code == 200

    back = await eventually(recovered, within=20, what="the service recovers once the token is valid again")
    print(f"recovered {back:.1f} s after the token was restored")
    assert await metric(client, "app_database_credentials_refused") == 0


# ---- reconnection policy and the mapping ---------------------------------------------------------------------


def test_reconnection_backs_off_exponentially_and_never_gives_up() -> None:
    cluster = build_cluster(load_settings(reconnect_delay=0.5, reconnect_max_delay=8))
    try:
        delays = list(zip(range(12), cluster.reconnection_policy.new_schedule(), strict=False))
    finally:
        cluster.shutdown()
    values = [delay for _, delay in delays]
    assert len(values) == 12  # max_attempts=None: the schedule does not end
    for step, delay in enumerate(values):
        assert min(0.5 * 2**step, 8) * 0.85 <= delay <= min(0.5 * 2**step, 8) * 1.15


def test_the_reconnection_delays_must_be_ordered() -> None:
    with pytest.raises(Exception, match="RECONNECT_DELAY is larger than RECONNECT_MAX_DELAY"):
        load_settings(reconnect_delay=20, reconnect_max_delay=10)


def test_no_host_for_lack_of_credentials_is_an_auth_failure() -> None:
    refused = NoHostAvailable("no host", {"127.0.0.1:9042": AuthenticationFailed("Bad credentials")})
    assert map_driver_error(refused).error == "database_auth_failed"
    assert map_driver_error(NoHostAvailable("no host", {})).error == "database_unavailable"
    assert map_driver_error(NoHostAvailable("no host", {}), credentials_refused=True).status == 502
    # Cassandra could not read system_auth (a node starting): an authentication error too, but it will pass.
    lookup = AuthenticationFailed('code=0100 message="Unable to perform authentication: Cannot achieve consistency"')
    assert map_driver_error(lookup).status == 503
    assert map_driver_error(NoHostAvailable("no host", {"h": lookup})).error == "database_unavailable"


# ---- the bundle's client certificate ----------------------------------------------------------------------------


@pytest.mark.astra
async def test_the_bundle_certificate_expiry_is_a_metric_and_a_near_one_warns(
    stand_in: StandIn, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    warning = "the Secure Connect Bundle's client certificate expires on"
    async with app_client(stand_in.settings()) as client:
        usual = await metric(client, "app_astra_client_cert_not_after_seconds")
    assert usual - time.time() > 800 * 86_400  # astra_local issues them for 825 days
    assert not [r for r in caplog.records if warning in r.getMessage()]

    soon = issue_client_certificate(stand_in.layout.tls, tmp_path / "soon", validity=datetime.timedelta(days=10))
    bundle = write_bundle(
        soon, tmp_path / "secure-connect-soon.zip", host=stand_in.layout.address, port=stand_in.layout.metadata_port
    )
    async with app_client(stand_in.settings(astra_db_secure_bundle_path=str(bundle))) as client:
        assert (await client.get("/readyz")).status_code == 200  # a valid certificate, only a near one
        not_after = await metric(client, "app_astra_client_cert_not_after_seconds")
    assert abs(not_after - (time.time() + 10 * 86_400)) < 3_600
    warned = [r for r in caplog.records if warning in r.getMessage()]
    assert len(warned) == 1 and warned[0].levelno == logging.WARNING
    assert "(in 10.0 days)" in warned[0].getMessage() or "(in 9.9 days)" in warned[0].getMessage()
