"""One log format for the whole process: the app's, uvicorn's and the driver's records are all JSON lines; the access
line names the client (through trusted proxies) and, when asked, the route template instead of the path."""

from __future__ import annotations

import ipaddress
import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
from cassandra.cluster import Session
from starlette.types import Scope

from app.config import Settings, load_settings
from app.exceptions import ConfigError
from app.http.client_address import ClientAddress
from tests.support.app import hardened_client
from tests.support.processes import ROOT, Server, free_port, service_env, stop_server, wait_until_answering


@pytest.fixture(scope="module")
def served_lines(settings: Settings, cql: Session, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Everything `python -m app` wrote while it started, answered one read (X-Request-ID: logged-once) and
    stopped."""
    log = tmp_path_factory.mktemp("served") / "service.log"
    port = free_port()
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "app", "--port", str(port)],
            cwd=ROOT,
            env=service_env(settings, LOG_LEVEL="info"),
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    server = wait_until_answering(Server(f"http://127.0.0.1:{port}", process, log), "/readyz", 60)
    try:
        read = httpx.get(f"{server.url}/plant/Plantago/major", headers={"X-Request-ID": "logged-once"}, timeout=10)
        assert read.status_code == 200
    finally:
        stop_server(server)
    return server.output().splitlines()


def test_every_line_of_a_served_process_is_json(served_lines: list[str]) -> None:
    records = [orjson.loads(line) for line in served_lines]  # raises on any plain-text line
    loggers = {record["logger"] for record in records}
    assert {"app", "uvicorn.error"} <= loggers, loggers
    assert any(record["msg"].startswith("Started server process") for record in records)


def test_a_request_is_logged_once_by_the_access_line_and_never_by_uvicorns_access_log(served_lines: list[str]) -> None:
    records = [orjson.loads(line) for line in served_lines]
    of_the_read = [r["logger"] for r in records if r.get("request_id") == "logged-once"]
    assert of_the_read == ["app.access"]
    assert not [r for r in records if r["logger"] == "uvicorn.access"]


# ---- who called, and which path: the client address and ACCESS_LOG_PATHS (issue 19, item 5) ----------------------

TRUSTED = "127.0.0.1,10.0.0.0/8"  # the in-process client's peer is 127.0.0.1 (httpx's ASGI transport)


@pytest.fixture(scope="module")
async def direct(settings: Settings, cql: Session) -> AsyncIterator[httpx.AsyncClient]:
    """No TRUSTED_PROXIES: the peer is the client, whatever it forwards."""
    async with hardened_client(settings, log_level="info") as client:
        yield client


@pytest.fixture(scope="module")
async def proxied(settings: Settings, cql: Session) -> AsyncIterator[httpx.AsyncClient]:
    """Behind trusted proxies, with route templates in the access line instead of paths."""
    async with hardened_client(
        settings, log_level="info", trusted_proxies=TRUSTED, access_log_paths="template"
    ) as client:
        yield client


async def logged(
    client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str], path: str, **headers: str
) -> list[dict[str, Any]]:
    """The JSON lines the service wrote to stderr for one request (by its request id)."""
    capsys.readouterr()
    rid = f"logs-{len(path)}-{abs(hash(tuple(headers.items()))) % 10**8}"
    await client.get(path, headers={"X-Request-ID": rid, **headers})
    lines = [orjson.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("request_id") == rid]


def access_line(lines: list[dict[str, Any]]) -> dict[str, Any]:
    (line,) = [line for line in lines if line["logger"] == "app.access"]
    return line


async def test_the_access_line_names_the_client_address(
    direct: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    line = access_line(await logged(direct, capsys, "/plant/Plantago/afra"))
    assert line["client"] == "127.0.0.1" and line["path"] == "/plant/Plantago/afra"


async def test_a_forwarded_address_from_an_untrusted_peer_is_not_believed(
    direct: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    line = access_line(await logged(direct, capsys, "/healthz", **{"X-Forwarded-For": "203.0.113.9"}))
    assert line["client"] == "127.0.0.1"


async def test_behind_trusted_proxies_the_client_is_the_rightmost_untrusted_hop(
    proxied: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    forwarded = "203.0.113.9, 198.51.100.7, 10.1.2.3"  # the client's own claim, the client, our inner proxy
    line = access_line(await logged(proxied, capsys, "/healthz", **{"X-Forwarded-For": forwarded}))
    assert line["client"] == "198.51.100.7"


async def test_template_paths_keep_the_key_out_of_every_line_of_the_request(
    proxied: httpx.AsyncClient, capsys: pytest.CaptureFixture[str], settings: Settings
) -> None:
    lines = await logged(proxied, capsys, f"/v2/keyspaces/{settings.keyspace}/animals/Secretgenus/secretspecies")
    line = access_line(lines)
    assert line["path"] == line["route"] == "/v2/keyspaces/{keyspace}/{table}/{key:path}"
    assert not [text for text in map(str, lines) if "secret" in text.lower()]


async def test_template_paths_name_the_sample_route(
    proxied: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    line = access_line(await logged(proxied, capsys, "/plant/Plantago/afra"))
    assert (line["path"], line["status"]) == ("/plant/{genus}/{species}", 200)


def peer(forwarded: str | bytes | None, host: str = "10.0.0.1") -> Scope:
    headers = (
        []
        if forwarded is None
        else [(b"x-forwarded-for", forwarded if isinstance(forwarded, bytes) else forwarded.encode())]
    )
    return {"type": "http", "client": (host, 5000), "headers": headers}


CLIENTS = ClientAddress([ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("fd00::/8")])


@pytest.mark.parametrize(
    ("forwarded", "client"),
    [
        (None, "10.0.0.1"),  # a trusted peer that forwards nothing is the client as far as we can see
        ("198.51.100.7", "198.51.100.7"),
        ("[2001:db8::1]:4711, 10.9.9.9", "2001:db8::1"),
        ("198.51.100.7:443", "198.51.100.7"),
        ("10.2.2.2, 10.3.3.3", "10.2.2.2"),  # every hop is ours: the leftmost
        ("198.51.100.7, not-an-address", "10.0.0.1"),  # a hop that is no address: nothing left of it is believed
        ("fd00::5", "fd00::5"),
    ],
)
def test_the_rightmost_untrusted_hop_is_the_client(forwarded: str | None, client: str) -> None:
    assert CLIENTS(peer(forwarded)) == client


def test_an_untrusted_peer_is_the_client_whatever_it_forwards() -> None:
    assert CLIENTS(peer("198.51.100.7", host="203.0.113.1")) == "203.0.113.1"


def test_a_huge_forwarded_header_is_read_from_its_tail_only() -> None:
    forwarded = ", ".join(["198.51.100.1"] * 100_000) + ", 198.51.100.7"
    assert CLIENTS(peer(forwarded)) == "198.51.100.7"


def test_trusted_proxies_that_are_not_addresses_stop_start_up() -> None:
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        load_settings(trusted_proxies="10.0.0.0/8,proxy.internal", _env_file=None)


def test_access_log_paths_is_raw_or_template() -> None:
    with pytest.raises(ConfigError, match="ACCESS_LOG_PATHS"):
        load_settings(access_log_paths="hashed", _env_file=None)
