"""Issue 5, fault 4: the node dies while large streams are being sent.

After the status line has gone out, an NDJSON stream ends with one last `{"error": ..., "detail": ...}` line, and a
JSON array is cut off without its closing `]` (so no client mistakes the prefix for the whole). The next request,
once the node is back, works.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import orjson
import pytest

from app.config import Settings
from tests.support.cluster import LocalCluster
from tests.support.poll import eventually
from tests.support.report import Report
from tests.support.service import Launch, api_client

pytestmark = [pytest.mark.faults, pytest.mark.slow]

PAGE_SIZE = 100  # ~200 KB pages: the streams are far from done when the node dies


async def read_at_least(chunks: AsyncIterator[bytes], size: int) -> bytes:
    data = b""
    async for chunk in chunks:
        data += chunk
        if len(data) >= size:
            break
    return data


async def read_rest(chunks: AsyncIterator[bytes]) -> tuple[bytes, Exception | None]:
    """Everything until the end of the body, and the error that ended it early, if any."""
    data = b""
    try:
        async for chunk in chunks:
            data += chunk
    except httpx.HTTPError as exc:
        return data, exc
    return data, None


async def test_node_death_mid_stream_ends_ndjson_with_an_error_line_and_cuts_json_arrays(
    fault_node: LocalCluster, fault_settings: Settings, big_genus: tuple[str, int], launch: Launch
) -> None:
    genus, rows = big_genus
    server = launch(fault_settings)
    async with api_client(server.url, 60) as client:
        ndjson_url = f"/animal/{genus}?format=ndjson&page_size={PAGE_SIZE}"
        json_url = f"/animal/{genus}?format=json&page_size={PAGE_SIZE}"
        async with client.stream("GET", ndjson_url) as nd, client.stream("GET", json_url) as js:
            assert nd.status_code == 200 and js.status_code == 200
            nd_chunks, js_chunks = nd.aiter_bytes(), js.aiter_bytes()
            nd_head = await read_at_least(nd_chunks, 256 * 1024)
            js_head = await read_at_least(js_chunks, 256 * 1024)
            await asyncio.to_thread(fault_node.kill, 1)
            killed = time.monotonic()
            (nd_tail, nd_error), (js_tail, js_error) = await asyncio.gather(read_rest(nd_chunks), read_rest(js_chunks))
            ended = time.monotonic() - killed
        nd_body, js_body = nd_head + nd_tail, js_head + js_tail

        lines = nd_body.splitlines()
        assert nd_error is None, f"the NDJSON stream was cut instead of ending with an error line: {nd_error!r}"
        last = orjson.loads(lines[-1])
        assert set(last) == {"error", "detail"}, last
        assert last["error"].startswith("database_")
        streamed = [orjson.loads(line) for line in lines[:-1]]
        assert all("species" in row for row in streamed)
        assert len(streamed) < rows

        assert isinstance(js_error, httpx.RemoteProtocolError), f"the JSON array was not aborted: {js_error!r}"
        assert js_body.startswith(b"[") and not js_body.rstrip().endswith(b"]")

        restarted = time.monotonic()
        await asyncio.to_thread(fault_node.start)
        await asyncio.to_thread(fault_node.wait)
        answered_cql = time.monotonic()

        async def full_stream_works() -> bool:
            response = await client.get(ndjson_url.replace(f"page_size={PAGE_SIZE}", "page_size=2000"))
            return response.status_code == 200 and len(response.content.splitlines()) == rows

        recovery = await eventually(full_stream_works, within=60, what="a whole stream works again", interval=0.2)
    Report.add(
        "4. Node killed mid-stream (one node, streams of 12,000 rows / ~24 MB, 100-row pages)",
        f"NDJSON: {len(streamed)} rows, then the error line {last}; JSON array: {len(js_body) / 1e6:.1f} MB, "
        f"cut without `]` ({type(js_error).__name__}); both ended {ended:.2f} s after the SIGKILL; node restart to CQL "
        f"{answered_cql - restarted:.1f} s; the next full stream ({rows} rows) succeeded {recovery:.2f} s after that",
    )
