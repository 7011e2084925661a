"""TLS to self-hosted Cassandra: CASSANDRA_TLS_CA_FILE / _CERT_FILE / _KEY_FILE, host names checked.

The node is the Astra stand-in's (`scripts/astra-local`), used as a plain self-hosted cluster: it accepts only TLS
connections that present a client certificate of its CA (`require_client_auth`), and checks passwords. Without
these settings the service cannot reach it at all. A password over a non-loopback address without TLS is refused
at configuration.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app.config import Settings, load_settings
from app.db.cluster import build_cluster
from app.exceptions import ConfigError, StartupError
from astra_local.certs import TlsFiles, make_certificates
from astra_local.stand_in import TOKEN_ROLE, admin_session, load_state
from bench.harness.proxy import TcpProxy
from tests.support.app import app_client
from tests.support.processes import PAGE_STATE_SECRET, ROOT, failed_start, free_port, service_env
from tests.support.sample import assert_sample_plantago
from tests.support.stand_in import StandIn


def tls_settings(stand_in: StandIn, tls: TlsFiles | None = None, **overrides: Any) -> Settings:
    """Self-hosted settings for the stand-in's node: its address, its keyspace, the token role, TLS with `tls`."""
    files = tls or stand_in.layout.tls
    values: dict[str, Any] = {
        "_env_file": None,
        "cassandra_contact_points": stand_in.layout.address,
        "cassandra_keyspace": stand_in.keyspace,
        "cassandra_username": TOKEN_ROLE,
        "cassandra_password": load_state(stand_in.layout)["token_secret"],
        "cassandra_tls_ca_file": str(files.ca_cert),
        "cassandra_tls_cert_file": str(files.client_cert),
        "cassandra_tls_key_file": str(files.client_key),
        "page_state_secret": PAGE_STATE_SECRET,
        "connect_timeout": 5,
        "log_level": "warning",
    }
    values.update(overrides)
    return load_settings(**values)


def tls_env(settings: Settings, **extra: str) -> dict[str, str]:
    env = service_env(settings, CONNECT_TIMEOUT="5")
    env.update(
        CASSANDRA_USERNAME=settings.cassandra_username or "",
        CASSANDRA_PASSWORD=settings.cassandra_password.get_secret_value() if settings.cassandra_password else "",
        CASSANDRA_TLS_CA_FILE=str(settings.cassandra_tls_ca_file or ""),
        CASSANDRA_TLS_CERT_FILE=str(settings.cassandra_tls_cert_file or ""),
        CASSANDRA_TLS_KEY_FILE=str(settings.cassandra_tls_key_file or ""),
    )
    env.update(extra)
    return env


# ---- against the node ---------------------------------------------------------------------------------------


@pytest.mark.astra
async def test_tls_with_a_client_certificate_serves_the_sample(stand_in: StandIn) -> None:
    settings = tls_settings(stand_in)
    assert settings.describe.endswith(f"over TLS, keyspace {stand_in.keyspace}")
    async with app_client(settings) as client:
        assert (await client.get("/readyz")).status_code == 200
        assert_sample_plantago(await client.get("/plant/Plantago"))
    cluster, admin = admin_session(stand_in.layout)
    try:
        rows = list(admin.execute("SELECT username, ssl_enabled FROM system_views.clients"))
    finally:
        cluster.shutdown()
    assert rows and all(row.ssl_enabled for row in rows)


@pytest.mark.astra
def test_without_tls_settings_the_node_is_unreachable(stand_in: StandIn, tmp_path: Path) -> None:
    """What the service could do before these settings existed: nothing (the node speaks only TLS)."""
    settings = tls_settings(stand_in)
    env = tls_env(settings, CASSANDRA_TLS_CA_FILE="", CASSANDRA_TLS_CERT_FILE="", CASSANDRA_TLS_KEY_FILE="")
    output = failed_start(env, tmp_path / "server.log")
    assert f"start-up failed: cannot reach Cassandra at {stand_in.layout.address}:9042" in output


@pytest.mark.astra
def test_a_ca_that_did_not_sign_the_node_fails_start_up_in_one_line(stand_in: StandIn, tmp_path: Path) -> None:
    other = make_certificates(tmp_path / "other-ca", addresses=[stand_in.layout.address], label="another")
    env = tls_env(tls_settings(stand_in, other))
    output = failed_start(env, tmp_path / "server.log")
    assert f"start-up failed: TLS to Cassandra at {stand_in.layout.address}:9042 over TLS" in output
    assert "certificate verify failed" in output
    assert "check CASSANDRA_TLS_* and the nodes' certificates" in output


@pytest.mark.astra
def test_the_host_name_is_checked(stand_in: StandIn, tmp_path: Path) -> None:
    """The right CA and client certificate, but the node reached as 127.0.0.1, which its certificate does not name."""
    proxy = TcpProxy("127.0.0.1", 0, stand_in.layout.address, 9042)
    try:
        settings = tls_settings(stand_in, cassandra_contact_points="127.0.0.1", cassandra_port=proxy.port)
        output = failed_start(tls_env(settings), tmp_path / "server.log")
    finally:
        proxy.close()
    assert proxy.connections >= 1, "the driver never reached the proxy"
    assert "start-up failed: TLS to Cassandra at 127.0.0.1" in output
    assert "IP address mismatch, certificate is not valid for '127.0.0.1'" in output


@pytest.mark.astra
def test_the_client_certificate_is_presented(stand_in: StandIn, tmp_path: Path) -> None:
    """The node requires a client certificate: the CA alone is not enough, so the certificate was what let us in."""
    settings = tls_settings(stand_in)
    env = tls_env(settings, CASSANDRA_TLS_CERT_FILE="", CASSANDRA_TLS_KEY_FILE="")
    output = failed_start(env, tmp_path / "server.log")
    assert f"start-up failed: cannot reach Cassandra at {stand_in.layout.address}:9042 over TLS" in output or (
        "start-up failed: TLS to Cassandra" in output
    ), output


# ---- configuration ------------------------------------------------------------------------------------------


def test_a_password_to_a_remote_node_without_tls_is_refused() -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(cassandra_contact_points="127.0.0.1,10.1.2.3", cassandra_username="app", cassandra_password="pw")
    assert str(refused.value) == (
        "CASSANDRA_USERNAME/CASSANDRA_PASSWORD would cross the network in clear text to 10.1.2.3: set "
        "CASSANDRA_TLS_CA_FILE (TLS to the nodes), or CASSANDRA_ALLOW_PLAINTEXT=true to accept that"
    )


@pytest.mark.parametrize(
    "overrides",
    [
        {"cassandra_contact_points": "10.1.2.3", "cassandra_allow_plaintext": True},
        {"cassandra_contact_points": "10.1.2.3", "cassandra_tls_ca_file": "/etc/ssl/certs/ca-certificates.crt"},
        {"cassandra_contact_points": "127.0.0.1,localhost,::1,127.0.0.21"},
        {"cassandra_contact_points": "cassandra.internal", "cassandra_username": None},
    ],
)
def test_plaintext_is_allowed_on_loopback_by_choice_or_without_a_password(overrides: dict[str, Any]) -> None:
    values: dict[str, Any] = {"cassandra_username": "app", "cassandra_password": "pw", **overrides}
    load_settings(**values)


def test_a_name_is_not_taken_for_loopback() -> None:
    with pytest.raises(ConfigError, match=r"in clear text to cassandra\.internal"):
        load_settings(cassandra_contact_points="cassandra.internal", cassandra_username="app")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"cassandra_tls_cert_file": "/x.crt"}, "CASSANDRA_TLS_CERT_FILE and CASSANDRA_TLS_KEY_FILE go together"),
        (
            {"cassandra_tls_cert_file": "/x.crt", "cassandra_tls_key_file": "/x.key"},
            "CASSANDRA_TLS_CERT_FILE needs CASSANDRA_TLS_CA_FILE",
        ),
        (
            {
                "astra_db_client_id": "token",
                "astra_db_client_secret": "AstraCS:x",
                "astra_db_secure_bundle_path": "/tmp/b.zip",
                "astra_db_keyspace": "ks",
                "cassandra_tls_ca_file": "/ca.crt",
            },
            "CASSANDRA_TLS_CA_FILE set with an Astra bundle: the bundle brings its own TLS",
        ),
    ],
)
def test_contradictory_tls_settings_are_one_line(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(**overrides)


def test_unreadable_tls_files_name_their_variable(tmp_path: Path) -> None:
    with pytest.raises(StartupError, match=f"CASSANDRA_TLS_CA_FILE: {tmp_path}/none.crt is not a readable PEM"):
        build_cluster(load_settings(cassandra_tls_ca_file=str(tmp_path / "none.crt")))
    files = make_certificates(tmp_path / "tls", addresses=["127.0.0.1"])
    with pytest.raises(StartupError, match="CASSANDRA_TLS_CERT_FILE / CASSANDRA_TLS_KEY_FILE: "):
        build_cluster(
            load_settings(
                cassandra_tls_ca_file=str(files.ca_cert),
                cassandra_tls_cert_file=str(files.client_cert),
                cassandra_tls_key_file=str(files.server_key),  # not the certificate's key
            )
        )


def test_tls_is_the_drivers_standard_context_with_host_names_checked(tmp_path: Path) -> None:
    files = make_certificates(tmp_path / "tls", addresses=["127.0.0.1"])
    cluster = build_cluster(load_settings(cassandra_tls_ca_file=str(files.ca_cert)))
    try:
        assert cluster.ssl_context.check_hostname is True
        assert cluster.ssl_options is None
    finally:
        cluster.shutdown()


def test_the_launcher_refuses_a_plaintext_password_in_one_line() -> None:
    env = service_env(load_settings(), CASSANDRA_CONTACT_POINTS="10.1.2.3")
    env.update(CASSANDRA_USERNAME="app", CASSANDRA_PASSWORD="hunter2-not-to-be-echoed")
    done = subprocess.run(
        [sys.executable, "-m", "app", "--port", str(free_port())],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("configuration error: CASSANDRA_USERNAME/CASSANDRA_PASSWORD would cross")
    assert "hunter2" not in done.stderr and done.stderr.strip().count("\n") == 0
