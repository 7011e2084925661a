"""Anonymous writes only for the local demo: `scripts/run` -> `python -m app --local-demo`; and, served on loopback,
answers only for `Host: localhost` or a loopback address (LOOPBACK_HOSTS_ONLY: DNS rebinding).

Only the node scripts/run starts itself (no Astra bundle, no CASSANDRA_CONTACT_POINTS, no password), on loopback,
served on a loopback HOST, with neither API_KEYS nor ALLOW_ANONYMOUS_WRITES configured, gets anonymous writes. Any
other backend starts with writes closed, and a warning says how to open them. Before, scripts/run opened them
whenever no keys were set: Astra included, and HOST=0.0.0.0 included.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cassandra.cluster import Session

from app.config import Settings, load_settings
from app.main import create_app
from app.server.local_demo import apply_local_demo, why_not_local_demo
from app.server.loopback_hosts import is_loopback_host
from tests.support.names import unique
from tests.support.processes import (
    PAGE_STATE_SECRET,
    ROOT,
    Server,
    free_port,
    service_env,
    stop_process,
    stop_server,
    wait_until_answering,
)
from tests.support.stand_in import StandIn

ASTRA = {
    "astra_db_client_id": "token",
    "astra_db_client_secret": "AstraCS:not-a-real-secret",
    "astra_db_secure_bundle_path": "/tmp/bundle.zip",
    "astra_db_keyspace": "sample",
}


DEMO_VARIABLES = ("ALLOW_ANONYMOUS_WRITES", "LOOPBACK_HOSTS_ONLY")


def settings_of(**values: Any) -> Settings:
    return load_settings(_env_file=None, **values)


@pytest.mark.parametrize(
    ("values", "host", "reason"),
    [
        ({}, "127.0.0.1", None),
        ({}, "localhost", None),
        ({}, "::1", None),
        (ASTRA, "127.0.0.1", "the database is Astra DB"),
        ({"cassandra_contact_points": "127.0.0.1"}, "127.0.0.1", "CASSANDRA_CONTACT_POINTS names a cluster"),
        ({"cassandra_contact_points": "10.0.0.5"}, "127.0.0.1", "CASSANDRA_CONTACT_POINTS names a cluster"),
        ({"cassandra_username": "app"}, "127.0.0.1", "Cassandra is configured with CASSANDRA_USERNAME"),
        ({}, "0.0.0.0", "the service listens on 0.0.0.0, not on a loopback address"),
        ({}, "192.168.1.10", "the service listens on 192.168.1.10"),
    ],
)
def test_only_the_local_node_served_on_loopback_is_the_demo(
    values: dict[str, Any], host: str, reason: str | None
) -> None:
    found = why_not_local_demo(settings_of(**values), host)
    if reason is None:
        assert found is None
    else:
        assert found is not None and found.startswith(reason)


@pytest.fixture
def clean_writes_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The variables apply_local_demo sets for the workers, unset before and after (they would leak into the next
    test's settings)."""
    for name in DEMO_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    yield
    for name in DEMO_VARIABLES:
        os.environ.pop(name, None)


def test_the_demo_opens_writes_for_the_workers_environment(clean_writes_env: None) -> None:
    assert apply_local_demo(settings_of(), "127.0.0.1") is True
    assert os.environ["ALLOW_ANONYMOUS_WRITES"] == "true"
    assert load_settings(_env_file=None).allow_anonymous_writes is True


@pytest.mark.parametrize("values", [{"api_keys": "a-key-of-sixteen-chars"}, {"allow_anonymous_writes": False}, ASTRA])
def test_keys_an_explicit_choice_or_another_backend_leave_writes_closed(
    clean_writes_env: None, values: dict[str, Any]
) -> None:
    assert apply_local_demo(settings_of(**values), "127.0.0.1") is False
    assert "ALLOW_ANONYMOUS_WRITES" not in os.environ


def test_the_demo_on_loopback_answers_loopback_hosts_only(clean_writes_env: None) -> None:
    apply_local_demo(settings_of(), "127.0.0.1")
    assert load_settings(_env_file=None).loopback_hosts_only is True


@pytest.mark.parametrize(
    ("values", "host"),
    [({}, "0.0.0.0"), ({"loopback_hosts_only": False}, "127.0.0.1")],
    ids=["not-loopback", "explicit"],
)
def test_the_host_check_stays_off_off_loopback_or_when_set_explicitly(
    clean_writes_env: None, values: dict[str, Any], host: str
) -> None:
    apply_local_demo(settings_of(**values), host)
    assert "LOOPBACK_HOSTS_ONLY" not in os.environ


def test_pass_through_never_gets_the_demos_anonymous_writes(clean_writes_env: None) -> None:
    assert apply_local_demo(settings_of(auth_mode="passthrough"), "127.0.0.1") is False
    assert "ALLOW_ANONYMOUS_WRITES" not in os.environ


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("LOCALHOST:8000", True),
        ("127.0.0.1:8000", True),
        ("127.45.6.7", True),
        ("[::1]:8000", True),
        ("[::1]", True),
        ("rebind.example", False),
        ("rebind.example:8000", False),
        ("localhost.rebind.example", False),
        ("127.0.0.1.nip.io", False),
        ("10.0.0.1:8000", False),
        ("[::2]:8000", False),
        ("", False),
    ],
)
def test_only_localhost_and_loopback_addresses_are_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback


async def test_another_host_is_421_with_a_json_body() -> None:
    app = create_app(settings_of(loopback_hosts_only=True))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost:8000") as client:
        assert (await client.get("/healthz")).status_code == 200
        refused = await client.get("/healthz", headers={"host": "rebind.example:8000"})
    assert refused.status_code == 421
    assert refused.json() == {
        "error": "misdirected_request",
        "detail": "this service answers only Host: localhost or a loopback address (LOOPBACK_HOSTS_ONLY), not "
        "'rebind.example:8000'",
    }


def test_python_m_app_local_demo_refuses_a_rebound_host(settings: Settings, cql: Session, tmp_path: Path) -> None:
    """The real launcher: its decision reaches the worker through the environment (a process, for that reason)."""
    port = free_port()
    log = tmp_path / "demo.log"
    command = [sys.executable, "-m", "app", "--local-demo", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=service_env(settings), stdout=out, stderr=subprocess.STDOUT)
    server = wait_until_answering(Server(f"http://127.0.0.1:{port}", process, log), "/readyz", 90)
    try:
        local = httpx.get(f"{server.url}/healthz", headers={"host": f"localhost:{port}"}, timeout=10)
        rebound = httpx.get(f"{server.url}/healthz", headers={"host": f"rebind.example:{port}"}, timeout=10)
    finally:
        stop_server(server)
    assert local.status_code == 200
    assert (rebound.status_code, rebound.json()["error"]) == (421, "misdirected_request")


# ---- scripts/run, end to end -----------------------------------------------------------------------------------


def run_service(env: dict[str, str], log: Path, *, host: str = "127.0.0.1") -> tuple[subprocess.Popen[bytes], str]:
    """`scripts/run` (INIT_DB=0) on a free port, until /readyz answers."""
    port = free_port()
    env = {**env, "HOST": host, "PORT": str(port), "INIT_DB": "0", "LOG_LEVEL": "warning"}
    with log.open("wb") as out:
        process = subprocess.Popen(["scripts/run"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while True:
        if process.poll() is not None:
            pytest.fail(f"scripts/run exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return process, url
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            stop_process(process)
            pytest.fail(f"scripts/run did not serve within 180 s:\n{log.read_text()}")
        time.sleep(0.3)


def base_env() -> dict[str, str]:
    """This environment without any database, key or write setting of its own."""
    prefixes = ("ASTRA_DB_", "CASSANDRA_", "API_KEYS", "ALLOW_ANONYMOUS_WRITES", "PAGE_STATE_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env["PAGE_STATE_SECRET"] = PAGE_STATE_SECRET
    return env


def post_plant(url: str) -> httpx.Response:
    plant = {"genus": unique("Demo"), "species": "localis", "sightings": 1}
    return httpx.post(f"{url}/plant", json=plant, timeout=10)


@pytest.mark.parametrize(
    ("host", "open_writes", "line"),
    [
        ("127.0.0.1", True, "writes are open to anyone (the local demo: a local node, served on 127.0.0.1)"),
        ("0.0.0.0", False, "writes are closed: the service listens on 0.0.0.0, not on a loopback address"),
    ],
)
def test_scripts_run_opens_writes_only_for_the_local_node_on_loopback(
    settings: Settings, cql: Session, tmp_path: Path, host: str, open_writes: bool, line: str
) -> None:
    env = {**base_env(), "CASSANDRA_KEYSPACE": settings.keyspace}
    process, url = run_service(env, tmp_path / "run.log", host=host)
    try:
        answer = post_plant(url)
    finally:
        stop_process(process)
    output = (tmp_path / "run.log").read_text()
    assert line in output, output
    if open_writes:
        assert answer.status_code == 200, answer.text
    else:
        assert answer.status_code == 403, answer.text
        assert "Set API_KEYS=key1,key2 to accept writes with a key, or ALLOW_ANONYMOUS_WRITES=true" in output


@pytest.mark.astra
def test_scripts_run_on_astra_keeps_writes_closed_and_says_how_to_open_them(stand_in: StandIn, tmp_path: Path) -> None:
    env = {**base_env(), **stand_in.variables}
    process, url = run_service(env, tmp_path / "run.log")
    try:
        answer = post_plant(url)
        read = httpx.get(f"{url}/plant/Plantago", timeout=10)
    finally:
        stop_process(process)
    output = (tmp_path / "run.log").read_text()
    assert answer.status_code == 403, answer.text  # before: 200, anyone could write to the Astra database
    assert read.status_code == 200
    assert "writes are closed: the database is Astra DB" in output
    assert "Writes are open to anyone" not in output
