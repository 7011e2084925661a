"""An overall server-side bound per request: no client waits longer than SERVER_TIMEOUT for a status line.

The driver's REQUEST_TIMEOUT bounds one database request; this bounds the whole handler (queueing for a slot,
retries, several queries) and answers 504 with a JSON body. It stops counting once the response has started, so
a long stream is never cut by it: a stream's pages are bounded by the driver timeout instead.
Pure ASGI (no BaseHTTPMiddleware), so streamed bodies pass through untouched.
"""

from __future__ import annotations

import asyncio
import logging

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.deps import settings_in_scope
from app.errors import error_body

log = logging.getLogger("app.timeouts")


DEFAULT_SECONDS = 10.0


class ServerTimeout:
    """Cancel a handler that has not started its response after SERVER_TIMEOUT, and answer 504 in its place.

    The bound comes from the lifespan's settings (in the request's state), so it follows whatever configuration
    the process actually started with.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        settings = settings_in_scope(scope)
        seconds = settings.server_timeout if settings else DEFAULT_SECONDS
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
            body = orjson.dumps(
                error_body("server_timeout", f"the request took longer than {seconds:g} s (SERVER_TIMEOUT)")
            )
            await send(
                {
                    "type": "http.response.start",
                    "status": 504,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
                }
            )
            await send({"type": "http.response.body", "body": body})
