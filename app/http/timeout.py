"""An overall server-side bound per request: no client waits longer than SERVER_TIMEOUT for a status line.

The driver's REQUEST_TIMEOUT bounds one database request; this bounds the whole handler (several queries, retries,
the wait for a stream slot) and answers 504 with a JSON body. The wait for a request slot happens outside it, in
`AdmissionControl`, and is bounded by QUEUE_TIMEOUT_MS. It stops counting once the response has started, so a
long stream is never cut by it: a stream's pages are bounded by the driver timeout instead. A request that
`exempt` picks is not bounded here at all: the rows API's NDJSON bulk ingest answers only once the whole body is
read, and bounds each of its stages itself (`app.routes.stargate.ingest`).
Pure ASGI (no BaseHTTPMiddleware), so streamed bodies pass through untouched.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.http.errors import send_error

log = logging.getLogger("app.timeouts")


class ServerTimeout:
    """Cancel a handler that has not started its response after `seconds`, and answer 504 in its place."""

    def __init__(self, app: ASGIApp, *, seconds: float, exempt: Callable[[Scope], bool] | None = None) -> None:
        self.app = app
        self.seconds = seconds
        self.exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (self.exempt is not None and self.exempt(scope)):
            await self.app(scope, receive, send)
            return
        seconds = self.seconds
        started = False

        async def send_once_started(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                deadline.reschedule(None)  # from here on the body streams without a server-side bound
            await send(message)

        try:
            async with asyncio.timeout(seconds) as deadline:
                await self.app(scope, receive, send_once_started)
        except TimeoutError:
            if not deadline.expired():
                raise  # a TimeoutError of the handler's own, not our deadline: the error handlers decide
            if started:
                # The deadline fired just as the response started: the body cannot be finished; close the connection.
                log.warning("server timeout raced the response start on %s", scope.get("path"))
                return
            log.warning("%s %s took longer than %.1f s: 504", scope.get("method"), scope.get("path"), seconds)
            detail = f"the request took longer than {seconds:g} s (SERVER_TIMEOUT)"
            await send_error(send, 504, "server_timeout", detail, path=scope["path"])
