"""Framing a sequence of result pages as an HTTP answer: a streamed JSON array, NDJSON, or one page with a cursor.

The first page is fetched before the status line goes out, so a query that fails at once still gets a real
status. After that, pages are fetched as the client consumes them: uvicorn pauses `send()` when its buffer fills,
which pauses this generator, which stops asking the driver for pages.

A client that stops taking bytes would hold its stream slot for ever that way, so every `send()` of a stream is
bounded by STREAM_IDLE_TIMEOUT, and the whole stream by MAX_STREAM_SECONDS when that is set (`PageStream`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

import anyio
import orjson
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Message, Receive, Scope, Send

from app.config import Settings
from app.db.database import Page, Pages
from app.db.errors import map_driver_error
from app.encoding import json_array_page, json_response, ndjson_page
from app.exceptions import DatabaseError, StreamAborted
from app.http.errors import error_body
from app.metrics import PAGES_FETCHED, PAGES_SENT, ROWS_STREAMED, STREAMS_CUT
from app.page_state import PageStateCodec
from app.server.protocol import ABORT_KEY

log = logging.getLogger("app.streaming")

NDJSON_TYPES = ("application/x-ndjson", "application/jsonl", "application/json-lines", "application/ndjson")


class Framing(StrEnum):
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


@dataclass(frozen=True, slots=True)
class StreamLimits:
    """How a stream is paged and bounded: read one page ahead; STREAM_IDLE_TIMEOUT; MAX_STREAM_SECONDS."""

    read_ahead: bool = True
    idle_timeout: float = 30.0
    max_seconds: float | None = None

    @classmethod
    def of(cls, settings: Settings) -> StreamLimits:
        return cls(settings.stream_read_ahead, settings.stream_idle_timeout, settings.max_stream_seconds)


class _Idle(Exception):
    """One `send()` of a stream waited STREAM_IDLE_TIMEOUT for the client to take bytes."""


class PageStream(StreamingResponse):
    """A StreamingResponse that always closes its page generator, and cuts a stream its client stopped reading.

    Starlette cancels `stream_response` when the client disconnects; if that happens while the generator waits at a
    `yield`, nothing would close it until the garbage collector does. A `StreamAborted` ends the response without
    its last chunk: the ASGI server then closes the connection, and the client sees a truncated transfer.
    A stream whose client takes no bytes for `idle_timeout` seconds is cut the same way, and so is one that runs
    past `max_seconds` (an NDJSON stream first gets an error line, in case its client is still reading). A cut
    stream resets its connection where the server offers that (`app.server.protocol`): closing would wait for the
    client to take what is buffered.
    """

    def __init__(
        self,
        content: AsyncIterator[bytes],
        *,
        limits: StreamLimits,
        ndjson: bool,
        media_type: str,
        headers: Mapping[str, str],
    ) -> None:
        super().__init__(content, media_type=media_type, headers=headers)
        self.limits = limits
        self.ndjson = ndjson
        self._abort: Callable[[], None] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        abort = scope.get(ABORT_KEY)
        self._abort = abort if callable(abort) else None
        await super().__call__(scope, receive, send)

    async def stream_response(self, send: Send) -> None:
        idle = self.limits.idle_timeout
        started = False

        async def send_or_give_up(message: Message) -> None:
            nonlocal started
            started = True
            try:
                async with asyncio.timeout(idle):
                    await send(message)
            except TimeoutError:
                raise _Idle from None

        try:
            async with asyncio.timeout(self.limits.max_seconds) as whole:
                await super().stream_response(send_or_give_up)
        except StreamAborted:
            return
        except _Idle:
            STREAMS_CUT.labels("idle").inc()
            log.warning("cutting a stream: its client took no bytes for %g s (STREAM_IDLE_TIMEOUT)", idle)
            await self._cut()
        except TimeoutError:
            if not whole.expired():
                raise
            STREAMS_CUT.labels("too_long").inc()
            log.warning("cutting a stream after %g s (MAX_STREAM_SECONDS)", self.limits.max_seconds)
            if not (self.ndjson and started and await self._end_with_error_line(send_or_give_up)):
                await self._cut()
        finally:
            aclose = getattr(self.body_iterator, "aclose", None)
            if aclose is not None:
                with anyio.CancelScope(shield=True):
                    await aclose()

    async def _end_with_error_line(self, send: Send) -> bool:
        """End an NDJSON stream as a failed page does: a last line that cannot be mistaken for a row."""
        detail = f"the stream ran longer than {self.limits.max_seconds:g} s (MAX_STREAM_SECONDS)"
        line = orjson.dumps(error_body("stream_too_long", detail)) + b"\n"
        try:
            await send({"type": "http.response.body", "body": line, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except _Idle:
            return False
        return True

    async def _cut(self) -> None:
        if self._abort is not None:
            self._abort()
            await asyncio.sleep(0)  # the server sees the connection gone before this response returns unfinished


async def count_pages(pages: Pages, framing: Framing) -> Pages:
    """Pass pages through, counting them (and a stream's rows) in /metrics; closing this closes the source."""
    fetched = PAGES_FETCHED.labels(framing.value)
    rows = ROWS_STREAMED.labels(framing.value) if framing is not Framing.PAGE else None
    try:
        async for page in pages:
            fetched.inc()
            if rows is not None:
                rows.inc(len(page.rows))
            yield page
    finally:
        await pages.aclose()


async def read_ahead(pages: Pages) -> Pages:
    """Overlap fetching page N+1 with sending page N: never more than one page ahead of the consumer."""
    pending: asyncio.Future[Page] | None = asyncio.ensure_future(anext(pages))
    try:
        while pending is not None:
            try:
                page = await pending
            except StopAsyncIteration:
                return
            pending = asyncio.ensure_future(anext(pages)) if page.paging_state is not None else None
            yield page
    finally:
        if pending is not None and not pending.done():
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration, Exception):
                await pending
        await pages.aclose()


async def stream_pages(pages: Pages, framing: Framing, media_type: str, *, limits: StreamLimits) -> Response:
    """Fetch the first page (a failure here is still a real status), then stream the rest in the chosen framing."""
    source = read_ahead(pages) if limits.read_ahead else pages
    try:
        first = await anext(source)
    except StopAsyncIteration:
        first = Page([], None)
    except BaseException:
        await source.aclose()
        raise
    body = _ndjson_body(first, source) if framing is Framing.NDJSON else _json_array_body(first, source)
    headers = {"X-Accel-Buffering": "no", "Cache-Control": "no-store"}
    ndjson = framing is Framing.NDJSON
    return PageStream(body, limits=limits, ndjson=ndjson, media_type=media_type, headers=headers)


async def _json_array_body(first: Page, rest: Pages) -> AsyncIterator[bytes]:
    wrote_rows = bool(first.rows)
    sent = PAGES_SENT.labels(Framing.JSON.value)
    try:
        yield b"[" + json_array_page(first.rows, first=True)
        sent.inc()
        async for page in rest:
            chunk = json_array_page(page.rows, first=not wrote_rows)
            wrote_rows = wrote_rows or bool(page.rows)
            if chunk:
                yield chunk
            sent.inc()
    except Exception as exc:
        # No way to signal an error in-band in a JSON array: abort, so no client mistakes the prefix for the whole.
        log.warning("aborting a JSON array stream after the first byte: %s", _failure(exc).detail)
        raise StreamAborted(_failure(exc).detail) from None
    finally:
        await rest.aclose()
    yield b"]"


async def _ndjson_body(first: Page, rest: Pages) -> AsyncIterator[bytes]:
    sent = PAGES_SENT.labels(Framing.NDJSON.value)
    try:
        if first.rows:
            yield ndjson_page(first.rows)
        sent.inc()
        async for page in rest:
            if page.rows:
                yield ndjson_page(page.rows)
            sent.inc()
    except Exception as exc:
        # The status line is gone: the only honest signal left is a last line that cannot be mistaken for a row.
        failure = _failure(exc)
        log.warning("ending an NDJSON stream with an error line: %s", failure.detail)
        yield orjson.dumps(error_body(failure.error, failure.detail)) + b"\n"
    finally:
        await rest.aclose()


def _failure(exc: Exception) -> DatabaseError:
    if isinstance(exc, DatabaseError):
        return exc
    if isinstance(exc, TypeError):  # orjson could not encode a value
        log.exception("encoding a stream failed")
        return DatabaseError(500, "internal_error", "a row could not be encoded")
    return map_driver_error(exc)


async def one_page(pages: Pages, codec: PageStateCodec, query: str) -> Response:
    """Cursor paging: `{"items": [...], "next_page_state": token | null}`."""
    try:
        page = await anext(pages)
    except StopAsyncIteration:
        page = Page([], None)
    finally:
        await pages.aclose()
    token = codec.seal(page.paging_state, query) if page.paging_state else None
    return json_response({"items": page.rows, "next_page_state": token})
