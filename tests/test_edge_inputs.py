"""Small holes at the edge: an over-long chunked body on a stream, a lax Content-Length, a request id or keyspace
with a trailing newline, API keys compared by length, short keys. (The Astra stand-in's secrets, 0600 from their
first byte, are tests/test_astra_local_files.py's, on the rows branch.)
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import httpx
import orjson
import pytest
from cassandra.cluster import Session
from fastapi import FastAPI
from pydantic import SecretStr

import app.access as auth
from app.config import Settings, load_settings
from app.exceptions import ConfigError
from tests.support.asgi import raw_call
from tests.support.names import unique
from tests.support.processes import Server, service_env, start_app, stop_server
from tests.support.rows import filled_table
from tests.support.service import json_lines, port_of

BODY_LIMIT = 4096


# ---- a chunked body over the limit on a stream -------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_table(cql: Session) -> str:
    return filled_table(cql, "p text, c int, PRIMARY KEY (p, c)", "p, c", [("k", i) for i in range(50)])


@pytest.fixture(scope="module")
def service(settings: Settings, cql: Session, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    env = service_env(settings, MAX_BODY_BYTES=str(BODY_LIMIT), LOG_LEVEL="info")
    running = start_app(env, tmp_path_factory.mktemp("edge") / "server.log")
    yield running
    stop_server(running)


@pytest.mark.parametrize("kind", ["listing", "rows"])
def test_a_chunked_body_over_the_limit_on_a_stream_ends_it_quietly(
    service: Server, settings: Settings, small_table: str, kind: str
) -> None:
    # One row a page, so the stream is still under way when the body passes the limit: with every row in one page
    # it could end first now and then (it did on a loaded CI), and then there is nothing to cut.
    path = (
        "/plant/Plantago?format=ndjson&page_size=1"
        if kind == "listing"
        else f"/v2/keyspaces/{settings.keyspace}/{small_table}/k?page-size=1"
    )
    logged = len(service.output().splitlines())
    with socket.create_connection(("127.0.0.1", port_of(service)), timeout=10) as sock:
        sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: test\r\nAccept: application/x-ndjson\r\n"
            "Transfer-Encoding: chunked\r\n\r\n".encode()
        )
        chunk = b"x" * 1024
        answer = b""
        try:  # the service may cut the connection while the body is still being sent: a reset, here or below
            for _ in range(4 * BODY_LIMIT // len(chunk)):
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sock.sendall(b"0\r\n\r\n")
            while data := sock.recv(65536):
                answer += data
        except (ConnectionResetError, BrokenPipeError):
            pass
    time.sleep(0.3)
    # Starlette reads the body while the stream starts (listening for a disconnect): the stream is cut, before or
    # after its status line, depending on which comes first.
    assert answer == b"" or answer.startswith(b"HTTP/1.1 200")
    assert b"\r\n0\r\n\r\n" not in answer  # never a complete answer: it was cut
    new = service.output().splitlines()[logged:]
    assert [line for line in new if not line.startswith("{")] == []
    entries = [orjson.loads(line) for line in json_lines("\n".join(new))]
    assert [e for e in entries if e["level"] in ("error", "critical") or "exc" in e] == []  # no traceback
    assert any("passed MAX_BODY_BYTES mid-answer" in str(e["msg"]) for e in entries)
    assert httpx.get(f"{service.url}/plant/Plantago/afra", timeout=10).status_code == 200  # still serving


# ---- Content-Length -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lengths", [[b"+5"], [b"1_000"], [b" 7"], [b"-1"], [b"5 "], [b"0x5"], [b"5", b"5"], [b"5", b"50"]]
)
async def test_content_length_must_be_digits_given_once(app: FastAPI, lengths: list[bytes]) -> None:
    headers = [(b"content-type", b"application/json"), *((b"content-length", value) for value in lengths)]
    status, answer_headers, body = await raw_call(app, "POST", "/plant", headers, b'{"a":1}')
    assert status == 400
    assert orjson.loads(body) == {"error": "bad_request", "detail": "Content-Length must be given once, as digits only"}
    assert answer_headers[b"connection"] == b"close"


async def test_a_plain_content_length_still_works(app: FastAPI, client: httpx.AsyncClient) -> None:
    # `client` waits for the session app to be ready: a long synchronous test before this one stalls its loop.
    body = orjson.dumps({"genus": unique("cl"), "species": "cl", "sightings": 1})  # never the sample's genera
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    status, _, _ = await raw_call(app, "POST", "/plant", headers, body)
    assert status == 200


# ---- request ids and identifiers with a trailing newline ---------------------------------------------------------


async def test_a_request_id_with_a_trailing_newline_is_replaced(app: FastAPI) -> None:
    _, echoed, _ = await raw_call(app, "GET", "/healthz", [(b"x-request-id", b"abc-123")])
    _, replaced, _ = await raw_call(app, "GET", "/healthz", [(b"x-request-id", b"abc-123\n")])
    assert echoed[b"x-request-id"] == b"abc-123"
    assert replaced[b"x-request-id"] != b"abc-123\n" and b"\n" not in replaced[b"x-request-id"]


def test_a_keyspace_with_a_trailing_newline_is_refused() -> None:
    with pytest.raises(ConfigError, match="not a valid CQL identifier"):
        load_settings(cassandra_keyspace="sample\n")


# ---- API keys ---------------------------------------------------------------------------------------------------


def test_keys_shorter_than_16_characters_are_refused_without_being_echoed() -> None:
    with pytest.raises(ConfigError, match=r"API_KEYS: 2 key\(s\) shorter than 16 characters") as refused:
        load_settings(api_keys="fifteen-chars-1,sixteen-chars-12,k3y-for-ci")
    assert "fifteen" not in str(refused.value) and "k3y" not in str(refused.value)
    assert len(load_settings(api_keys="sixteen-chars-12").api_keys) == 1


def test_keys_are_compared_as_digests_of_one_length(monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[tuple[int, int]] = []
    real = auth.hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((len(a), len(b)))
        return real(a, b)

    monkeypatch.setattr(auth.hmac, "compare_digest", spy)
    keys = [SecretStr("a-key-of-sixteen"), SecretStr("a-much-longer-key-of-forty-characters-00")]
    assert auth.key_matches("a-key-of-sixteen", keys)
    assert not auth.key_matches("x", keys)
    assert not auth.key_matches("a-key-of-sixteen-and-more", keys)
    assert set(compared) == {(32, 32)}  # whatever the lengths: nothing to learn from how long a comparison took
