"""A step of the edge (`app.http.edge`): 413 for a body over MAX_BODY_BYTES, at once from Content-Length, or as
soon as the counted bytes pass it.

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
from typing import TYPE_CHECKING

from starlette.exceptions import HTTPException
from starlette.types import Message, Receive, Scope

from app.server.protocol import ABORT_KEY

if TYPE_CHECKING:
    from app.http.edge import Exchange

log = logging.getLogger("app.body_limit")
NO_BODY = frozenset({"GET", "HEAD"})  # methods whose handlers here never read a body

Refusal = tuple[int, str, str]  # status, error code, detail


class BodyLimit:
    """`refusal(scope)` from the headers, before the app runs; `limited(...)`, the body counted as it is read."""

    def __init__(self, max_bytes: int, *, exempt: Callable[[Scope], bool] | None = None) -> None:
        self.max_bytes = max_bytes
        self.exempt = exempt

    def refusal(self, scope: Scope) -> Refusal | None:
        """400 for a `Content-Length` that is not one number, 413 for one over the limit; None to go on."""
        declared = [v for k, v in scope["headers"] if k == b"content-length"]
        if not declared:
            return None
        if len(declared) > 1 or not declared[0].isdigit():
            return 400, "bad_request", "Content-Length must be given once, as digits only"
        length = int(declared[0])
        if length > self.max_bytes:
            detail = f"the request body is {length} bytes; the limit is {self.max_bytes} (MAX_BODY_BYTES)"
            return 413, "payload_too_large", detail
        return None

    def limited(self, scope: Scope, receive: Receive, send: Exchange, path: Callable[[Scope], str]) -> Receive:
        """`receive`, counting the body's bytes: past the limit, a 413 (an `HTTPException` the app's handlers
        answer) or, once the answer has started or on a GET or HEAD, the connection cut."""
        limit = self.max_bytes
        received = 0

        async def receive_limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    if send.status is not None or scope["method"] in NO_BODY:
                        log.info(
                            "cutting %s %s: its body passed MAX_BODY_BYTES mid-answer", scope["method"], path(scope)
                        )
                        abort = scope.get(ABORT_KEY)
                        if callable(abort):
                            abort()
                            await asyncio.sleep(0)  # the server sees the connection gone before the app returns
                        return {"type": "http.disconnect"}
                    # FastAPI re-raises an HTTPException met while reading the body: the error handler answers.
                    raise HTTPException(413, f"the request body is over the limit of {limit} bytes (MAX_BODY_BYTES)")
            return message

        return receive_limited
