"""Framing a sequence of result pages as an HTTP answer: a streamed JSON array, NDJSON, or one page with a cursor.

The first page is fetched before the status line goes out, so a query that fails at once still gets a real
status. After that, pages are fetched as the client consumes them: uvicorn pauses `send()` when its buffer fills,
which pauses this generator, which stops asking the driver for pages.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from enum import Enum

import orjson
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Send

from app.bridge import Page
from app.encoding import json_array_page, json_response, ndjson_page
from app.errors import DatabaseError, classify, error_body
from app.page_state import PageStateCodec

log = logging.getLogger("app.streaming")

NDJSON_TYPES = ("application/x-ndjson", "application/jsonl", "application/json-lines", "application/ndjson")


class Framing(str, Enum):
    JSON = "json"
    NDJSON = "ndjson"
    PAGE = "page"


def choose_framing(request: Request, format: Framing | None, page_state: str | None) -> tuple[Framing, str]:
    """`?format=` wins, then a `page_state` parameter (cursor paging), then the Accept header; JSON by default."""
    accept = request.headers.get("accept", "").lower()
    if format is None:
        if page_state is not None:
            format = Framing.PAGE
        elif any(kind in accept for kind in NDJSON_TYPES):
            format = Framing.NDJSON
        else:
            format = Framing.JSON
    if format is Framing.NDJSON:
        media = next((kind for kind in NDJSON_TYPES if kind in accept), NDJSON_TYPES[0])
        return format, media
    return format, "application/json"


class PageStream(StreamingResponse):
    """A StreamingResponse that always closes its page generator, so a gone client stops the paging at once."""

    async def stream_response(self, send: Send) -> None:
        try:
            await super().stream_response(send)
        finally:
            aclose = getattr(self.body_iterator, "aclose", None)
            if aclose is not None:
                await aclose()


async def read_ahead(pages: AsyncIterator[Page]) -> AsyncIterator[Page]:
    """Overlap fetching page N+1 with sending page N: never more than one page ahead of the consumer."""
    pending: asyncio.Task[Page] | None = asyncio.ensure_future(anext(pages))  # type: ignore[arg-type]
    try:
        while pending is not None:
            try:
                page = await pending
            except StopAsyncIteration:
                return
            pending = asyncio.ensure_future(anext(pages)) if page.paging_state is not None else None  # type: ignore[arg-type]
            yield page
    finally:
        if pending is not None and not pending.done():
            pending.cancel()
            try:
                await pending
            except (asyncio.CancelledError, StopAsyncIteration, Exception):
                pass
        await pages.aclose()  # type: ignore[attr-defined]


async def stream_pages(pages: AsyncIterator[Page], framing: Framing, media_type: str, *, read_ahead_pages: int) -> Response:
    source = read_ahead(pages) if read_ahead_pages > 0 else pages
    try:
        first = await anext(source)  # type: ignore[call-overload]
    except StopAsyncIteration:
        first = Page([], None)
    except BaseException:
        await source.aclose()  # type: ignore[attr-defined]
        raise
    body = _ndjson_body(first, source) if framing is Framing.NDJSON else _json_array_body(first, source)
    headers = {"X-Accel-Buffering": "no", "Cache-Control": "no-store"}
    return PageStream(body, media_type=media_type, headers=headers)


async def _json_array_body(first: Page, rest: AsyncIterator[Page]) -> AsyncIterator[bytes]:
    wrote_rows = bool(first.rows)
    yield b"[" + json_array_page(first.rows, first=True)
    try:
        async for page in rest:
            chunk = json_array_page(page.rows, first=not wrote_rows)
            wrote_rows = wrote_rows or bool(page.rows)
            if chunk:
                yield chunk
    except Exception as exc:
        # No way to signal an error in-band in a JSON array: abort, so no client mistakes the prefix for the whole.
        log.warning("aborting a JSON array stream after a database error: %s", classify(exc).detail)
        raise StreamAborted(classify(exc).detail) from None
    finally:
        await rest.aclose()  # type: ignore[attr-defined]
    yield b"]"


async def _ndjson_body(first: Page, rest: AsyncIterator[Page]) -> AsyncIterator[bytes]:
    if first.rows:
        yield ndjson_page(first.rows)
    try:
        async for page in rest:
            if page.rows:
                yield ndjson_page(page.rows)
    except Exception as exc:
        failure = classify(exc)
        log.warning("ending an NDJSON stream with an error line: %s", failure.detail)
        yield orjson.dumps(error_body(failure.error, failure.detail)) + b"\n"
    finally:
        await rest.aclose()  # type: ignore[attr-defined]


class StreamAborted(Exception):
    """Raised inside a JSON-array stream so the server closes the connection without the closing bracket."""


async def one_page(
    pages: AsyncIterator[Page], codec: PageStateCodec, query: str
) -> Response:
    """Cursor paging: `{"items": [...], "next_page_state": token | null}`."""
    try:
        page = await anext(pages)  # type: ignore[call-overload]
    except StopAsyncIteration:
        page = Page([], None)
    finally:
        await pages.aclose()  # type: ignore[attr-defined]
    token = codec.seal(page.paging_state, query) if page.paging_state else None
    return json_response({"items": page.rows, "next_page_state": token})


__all__ = ["DatabaseError", "Framing", "choose_framing", "one_page", "stream_pages"]
