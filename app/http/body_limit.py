"""413 for a body over MAX_BODY_BYTES: at once from Content-Length, or as soon as the counted bytes pass it.

A request that `exempt` picks is passed through uncounted: the rows API's NDJSON bulk ingest has no total size,
and caps each of its lines at MAX_BODY_BYTES itself (`app.rows.ingest`).
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.http.errors import send_error


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
        declared = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        if declared is not None:
            try:
                length = int(declared)
            except ValueError:
                await send_error(send, 400, "bad_request", "Content-Length is not a number", path=scope["path"])
                return
            if length > limit:
                detail = f"the request body is {length} bytes; the limit is {limit} (MAX_BODY_BYTES)"
                await send_error(send, 413, "payload_too_large", detail, {"Connection": "close"}, path=scope["path"])
                return
        received = 0

        async def receive_limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # FastAPI re-raises an HTTPException met while reading the body: the error handler answers.
                    raise HTTPException(413, f"the request body is over the limit of {limit} bytes (MAX_BODY_BYTES)")
            return message

        await self.app(scope, receive_limited, send)
