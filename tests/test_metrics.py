"""/metrics, request ids and the JSON access log; the middlewares pass streams through chunk by chunk."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
from cassandra.cluster import Session
from cassandra.query import SimpleStatement
from prometheus_client import REGISTRY

from app.config import Settings
from app.db.database import Database
from app.db.errors import map_driver_error
from app.exceptions import DatabaseError
from app.http.observability import SANE_REQUEST_ID
from app.main import create_app
from tests.support.app import hardened_client, hardened_settings, lifespan


@pytest.fixture(scope="module")
async def api(settings: Settings, cql: Session) -> AsyncIterator[httpx.AsyncClient]:
    async with hardened_client(settings, log_level="info") as client:
        yield client


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_requests_are_counted_per_route_template_and_status(api: httpx.AsyncClient) -> None:
    labels = {"method": "GET", "route": "/plant/{genus}/{species}"}
    ok = sample("app_requests_total", **labels, status="200")
    missing = sample("app_requests_total", **labels, status="404")
    await api.get("/plant/Plantago/afra")
    await api.get("/plant/Plantago/no-such-species")
    assert sample("app_requests_total", **labels, status="200") == ok + 1
    assert sample("app_requests_total", **labels, status="404") == missing + 1
    assert sample("app_request_duration_seconds_count", **labels, status="200") >= 1


async def test_metrics_endpoint_serves_the_text_format(api: httpx.AsyncClient) -> None:
    await api.get("/plant/Plantago/afra")
    response = await api.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    for name in (
        "app_requests_total",
        "app_request_duration_seconds_bucket",
        "app_requests_in_flight",
        "app_open_streams",
        "app_rows_streamed_total",
        "app_pages_fetched_total",
        "app_driver_errors_total",
    ):
        assert name in text, name


async def test_unmatched_paths_share_one_label(api: httpx.AsyncClient) -> None:
    before = sample("app_requests_total", method="GET", route="unmatched", status="404")
    await api.get("/nowhere/secret-looking-path-123")
    assert sample("app_requests_total", method="GET", route="unmatched", status="404") == before + 1
    assert "secret-looking-path-123" not in (await api.get("/metrics")).text


async def test_a_stream_counts_its_rows_and_pages_and_closes(api: httpx.AsyncClient) -> None:
    rows = sample("app_rows_streamed_total", framing="ndjson")
    pages = sample("app_pages_fetched_total", framing="ndjson")
    response = await api.get("/plant/Plantago", params={"format": "ndjson", "page_size": 10})
    assert len(response.text.splitlines()) == 88
    assert sample("app_rows_streamed_total", framing="ndjson") == rows + 88
    assert sample("app_pages_fetched_total", framing="ndjson") - pages >= 9
    assert sample("app_open_streams") == 0


async def test_driver_errors_are_counted_by_type(cql: Session) -> None:
    """Counted where the database seam maps them, once per raw driver exception."""
    before = sample("app_driver_errors_total", type="OperationTimedOut", error="database_timeout")
    impatient = Database(cql, request_timeout=0.00001, max_in_flight=4)
    for _ in range(2):
        with pytest.raises(DatabaseError) as raised:
            await impatient.execute(SimpleStatement("SELECT release_version FROM system.local"))
        assert raised.value.status == 504
        assert map_driver_error(raised.value) is raised.value  # an answer already mapped is not mapped again
    assert sample("app_driver_errors_total", type="OperationTimedOut", error="database_timeout") == before + 2


async def test_a_sane_request_id_is_echoed(api: httpx.AsyncClient) -> None:
    response = await api.get("/healthz", headers={"X-Request-ID": "abc-123.retry:2"})
    assert response.headers["x-request-id"] == "abc-123.retry:2"


@pytest.mark.parametrize("incoming", ["has spaces", "x" * 200, "new\tline", ""])
async def test_an_insane_or_missing_request_id_is_replaced(api: httpx.AsyncClient, incoming: str) -> None:
    headers = {"X-Request-ID": incoming} if incoming else {}
    response = await api.get("/healthz", headers=headers)
    generated = response.headers["x-request-id"]
    assert generated != incoming
    assert SANE_REQUEST_ID.match(generated)


async def test_one_json_access_line_per_request(api: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    response = await api.get("/plant/Plantago/afra", headers={"X-Request-ID": "line-test-1"})
    lines = [orjson.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    access = [line for line in lines if line.get("logger") == "app.access" and line.get("request_id") == "line-test-1"]
    assert len(access) == 1
    entry = access[0]
    assert response.headers["x-request-id"] == "line-test-1"
    assert entry["method"] == "GET" and entry["route"] == "/plant/{genus}/{species}" and entry["status"] == 200
    assert entry["duration_ms"] >= 0 and entry["level"] == "info"


async def test_middlewares_pass_a_stream_through_chunk_by_chunk(settings: Settings, cql: Session) -> None:
    """Raw ASGI: each driver page reaches the server as its own body message, nothing is held back."""
    application = create_app(hardened_settings(settings))
    async with lifespan(application) as manager:
        messages: list[dict[str, Any]] = []
        sent_request = False

        async def receive() -> dict[str, Any]:
            nonlocal sent_request
            if not sent_request:
                sent_request = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await asyncio.Event().wait()  # the client never leaves
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            messages.append(message)

        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": "/plant/Plantago",
            "raw_path": b"/plant/Plantago",
            "root_path": "",
            "query_string": b"format=ndjson&page_size=10",
            "headers": [(b"host", b"api.test")],
            "client": ("127.0.0.1", 1),
            "server": ("api.test", 80),
        }
        await manager.app(scope, receive, send)  # type: ignore[arg-type]
    start = messages[0]
    assert start["status"] == 200
    assert not any(name == b"content-length" for name, _ in start["headers"])
    chunks = [m["body"] for m in messages[1:] if m.get("body")]
    assert len(chunks) >= 9
    assert b"".join(chunks).count(b"\n") == 88
