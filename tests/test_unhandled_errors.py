"""A 500 is still one of ours: a bug's exception becomes a JSON 500 with `X-Request-ID` and one JSON log line that
carries the request id; uvicorn never sees the exception, so it logs no second traceback.

The service runs as `python -m app` runs it (uvicorn, httptools, the guarded protocol, JSON logs), against the real
node, with two routes of the test's own added: one fails before answering, one after its first bytes.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import httpx
import orjson
import pytest
from cassandra.cluster import Session

from app.config import Settings
from tests.support.processes import ROOT, Server, free_port, service_env, stop_server, wait_until_answering
from tests.support.service import json_lines, non_json_lines

LAUNCHER = """
import sys

import uvicorn
from starlette.responses import StreamingResponse

from app.server.config import PROTOCOL
from app.main import create_app

app = create_app()


async def fails_at_once() -> None:
    raise RuntimeError("a bug before the answer")


async def fails_mid_answer() -> StreamingResponse:
    async def body():
        yield b"[1,"
        raise RuntimeError("a bug mid-answer")

    return StreamingResponse(body(), media_type="application/json")


app.add_api_route("/test-only/fails-at-once", fails_at_once)
app.add_api_route("/test-only/fails-mid-answer", fails_mid_answer)
config = uvicorn.Config(
    app, port=int(sys.argv[1]), loop="uvloop", http=PROTOCOL, log_config=None, log_level="info", access_log=False
)
uvicorn.Server(config).run()
"""


@pytest.fixture(scope="module")
def service(settings: Settings, cql: Session, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    port = free_port()
    log = tmp_path_factory.mktemp("unhandled") / "server.log"
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER, str(port)],
            cwd=ROOT,
            env=service_env(settings, LOG_LEVEL="info"),
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    running = wait_until_answering(Server(f"http://127.0.0.1:{port}", process, log), "/healthz", 60)
    yield running
    stop_server(running)


def lines_about(server: Server, rid: str) -> list[dict[str, object]]:
    return [entry for entry in map(orjson.loads, json_lines(server.output())) if entry.get("request_id") == rid]


def errors(server: Server) -> list[dict[str, object]]:
    return [entry for entry in map(orjson.loads, json_lines(server.output())) if entry["level"] == "error"]


def test_an_unhandled_exception_is_a_json_500_with_the_request_id_and_one_log_line(service: Server) -> None:
    rid = "bug-report-1"
    before = len(errors(service))
    response = httpx.get(f"{service.url}/test-only/fails-at-once", headers={"X-Request-ID": rid}, timeout=10)
    assert response.status_code == 500
    assert response.json() == {"error": "internal_error", "detail": "an unexpected error occurred"}
    assert response.headers["x-request-id"] == rid
    assert "bug before" not in response.text  # nothing of the exception reaches the client
    httpx.get(f"{service.url}/healthz", timeout=10)  # the log of the failed request is written by now
    new_errors = errors(service)[before:]
    assert len(new_errors) == 1, new_errors  # one line: not a second traceback from uvicorn
    [line] = new_errors
    assert line["request_id"] == rid and line["logger"] == "app.errors"
    assert "RuntimeError: a bug before the answer" in str(line["exc"])
    access = [entry for entry in lines_about(service, rid) if entry["logger"] == "app.access"]
    assert [entry["status"] for entry in access] == [500]
    assert non_json_lines(service.output()) == []


def test_an_exception_after_the_first_byte_cuts_the_answer_with_one_log_line(service: Server) -> None:
    rid = "bug-report-2"
    before = len(errors(service))
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):  # cut: no prefix passes for the whole
        httpx.get(f"{service.url}/test-only/fails-mid-answer", headers={"X-Request-ID": rid}, timeout=10)
    httpx.get(f"{service.url}/healthz", timeout=10)
    new_errors = errors(service)[before:]
    assert len(new_errors) == 1, new_errors
    assert new_errors[0]["request_id"] == rid and "a bug mid-answer" in str(new_errors[0]["exc"])
    assert non_json_lines(service.output()) == []
