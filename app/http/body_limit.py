"""413 for a body over MAX_BODY_BYTES: at once from Content-Length, or as soon as the counted bytes pass it.

`Content-Length` must be digits only, and given once; anything else is a 400 (`int()` would take `+5`, `1_000` or
` 7 `, and two differing lengths are a classic of request smuggling). A body that passes the limit once the response
has started, or on a GET or HEAD (whose handlers never read one), cannot get its 413: it is met by Starlette
listening for a disconnect during a stream (a GET listing with a chunked body, say), and an exception there would
be a traceback after the status line. Then the connection is cut and the app told the client is gone, quietly.
A request that `exempt` picks is passed through uncounted: the rows API's NDJSON bulk ingest has no total size,
and caps each of its lines at MAX_BODY_BYTES itself (`app.routes.stargate.ingest`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.http.errors import send_error
from app.server.protocol import ABORT_KEY

log = logging.getLogger("app.body_limit")
NO_BODY = frozenset({"GET", "HEAD"})  # methods whose handlers here never read a body


class BodyLimit:
    def __init__(self, app: ASGIApp, *, max_bytes: int, exempt: Callable[[Scope], bool] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (self.exempt is not None and self.exempt(scope)):
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        declared = [v for k, v in scope["headers"] if k == b"content-length"]
        if declared:
            if len(declared) > 1 or not declared[0].isdigit():
                detail = "Content-Length must be given once, as digits only"
                await send_error(send, 400, "bad_request", detail, {"Connection": "close"}, path=scope["path"])
                return
            length = int(declared[0])
            if length > limit:
                detail = f"the request body is {length} bytes; the limit is {limit} (MAX_BODY_BYTES)"
                await send_error(send, 413, "payload_too_large", detail, {"Connection": "close"}, path=scope["path"])
                return
        received = 0
        started = False

        async def send_noting_start(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        async def receive_limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    if started or scope["method"] in NO_BODY:
                        log.info(
                            "cutting %s %s: its body passed MAX_BODY_BYTES mid-answer", scope["method"], scope["path"]
                        )
                        abort = scope.get(ABORT_KEY)
                        if callable(abort):
                            abort()
                            await asyncio.sleep(0)  # the server sees the connection gone before the app returns
                        return {"type": "http.disconnect"}
                    # FastAPI re-raises an HTTPException met while reading the body: the error handler answers.
                    raise HTTPException(413, f"the request body is over the limit of {limit} bytes (MAX_BODY_BYTES)")
            return message

        await self.app(scope, receive_limited, send_noting_start)
