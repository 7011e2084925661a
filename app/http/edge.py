"""The HTTP edge as one pure ASGI layer: every request runs the same steps, in this order, inside one call.

1. `Observe` (`app.http.observability`): the request id in and out, then the access line and the request metrics
   once the last byte is out (streams included); an exception nothing else handled becomes a JSON 500 here.
2. `BodyLimit` (`app.http.body_limit`): 400/413 from the headers, and the body counted as it is read.
3. `AdmissionControl` (`app.http.admission`): a request slot, a short queue, else 503.
4. `ServerTimeout` (`app.http.timeout`): 504 until the status line.
A lifespan runs `one_line_lifespan` (`app.http.startup`): a failed start-up is one line.

One layer instead of one middleware per step: a request pays for one call, one wrapper of `send` (`Exchange`) and
at most one of `receive`, where five middlewares each added their own. Pure ASGI (no BaseHTTPMiddleware): nothing
is buffered, so streams stay streams.
"""

from __future__ import annotations

import asyncio
import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.http.admission import AdmissionControl
from app.http.body_limit import BodyLimit
from app.http.errors import send_error
from app.http.observability import Observe
from app.http.startup import one_line_lifespan
from app.http.timeout import ServerTimeout
from app.logs import request_id
from app.metrics import IN_FLIGHT
from app.server.protocol import ABORT_KEY

error_log = logging.getLogger("app.errors")


class Exchange:
    """The edge's one wrapper of `send`: notes the status and the first byte, stops the server timeout at the status
    line, and adds `X-Request-ID`."""

    __slots__ = ("deadline", "first_byte", "rid_header", "send", "status")

    def __init__(self, send: Send, rid: str) -> None:
        self.send = send
        self.rid_header = (b"x-request-id", rid.encode())
        self.status: int | None = None
        self.first_byte: float | None = None
        self.deadline: asyncio.Timeout | None = None

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
            self.first_byte = time.perf_counter()
            if self.deadline is not None:
                self.deadline.reschedule(None)  # from here on the body streams without a server-side bound
            message = {**message, "headers": [*message.get("headers", []), self.rid_header]}
        await self.send(message)


class Edge:
    """The middleware chain: `observe`, `body_limit`, `admission` and `timeout`, run in that order per request."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        observe: Observe,
        body_limit: BodyLimit,
        admission: AdmissionControl,
        timeout: ServerTimeout,
    ) -> None:
        self.app = app
        self.observe = observe
        self.body_limit = body_limit
        self.admission = admission
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind != "http":
            if kind == "lifespan":
                await one_line_lifespan(self.app, scope, receive, send)
            else:
                await self.app(scope, receive, send)
            return
        observe = self.observe
        rid = observe.request_id(scope)
        token = request_id.set(rid)
        started = time.perf_counter()
        exchange = Exchange(send, rid)
        IN_FLIGHT.inc()
        try:
            await self._steps(scope, receive, exchange)
        except asyncio.CancelledError:
            exchange.status = exchange.status or 499  # nginx's "client closed request": nothing was answered
            raise
        except Exception:
            error_log.exception("unhandled error on %s %s", scope["method"][:16], observe.path(scope))
            if exchange.status is None:
                await send_error(exchange, 500, "internal_error", "an unexpected error occurred", path=scope["path"])
            else:
                abort = scope.get(ABORT_KEY)  # the answer is half sent: cut it, as a failed stream is cut
                if callable(abort):
                    abort()
                    await asyncio.sleep(0)
        except BaseException:
            exchange.status = exchange.status or 500
            raise
        finally:
            IN_FLIGHT.dec()
            observe.record(scope, rid, exchange.status or 500, started, exchange.first_byte)
            request_id.reset(token)

    async def _steps(self, scope: Scope, receive: Receive, send: Exchange) -> None:
        """Steps 2 to 4, then the app."""
        limit = self.body_limit
        if limit.exempt is None or not limit.exempt(scope):
            refused = limit.refusal(scope)
            if refused is not None:
                status, error, detail = refused
                await send_error(send, status, error, detail, {"Connection": "close"}, path=scope["path"])
                return
            receive = limit.limited(scope, receive, send, self.observe.path)
        admission = await self.admission.enter(scope, send)
        if admission is False:
            return  # shed: answered 503
        try:
            timeout = self.timeout
            if timeout.exempt is not None and timeout.exempt(scope):
                await self.app(scope, receive, send)
            else:
                await timeout.run(self.app, scope, receive, send, self.observe.path)
        finally:
            if admission is not None:
                admission.release()
