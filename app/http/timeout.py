"""A step of the edge (`app.http.edge`): no client waits longer than SERVER_TIMEOUT for a status line.

The driver's REQUEST_TIMEOUT bounds one database request; this bounds the whole handler (several queries, retries,
the wait for a stream slot) and answers 504 with a JSON body. The wait for a request slot happens outside it, in
the admission step, and is bounded by QUEUE_TIMEOUT_MS. It stops counting once the response has started, so a
long stream is never cut by it: a stream's pages are bounded by the driver timeout instead. A request that
`exempt` picks is not bounded here at all: the rows API's NDJSON bulk ingest answers only once the whole body is
read, and bounds each of its stages itself (`app.routes.stargate.ingest`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Receive, Scope

from app.http.errors import send_error

if TYPE_CHECKING:
    from app.http.edge import Exchange

log = logging.getLogger("app.timeouts")

DEADLINE_KEY = "app.deadline"  # the request's SERVER_TIMEOUT deadline, in its scope, for `allow_longer`


def allow_longer(scope: Scope, seconds: float) -> None:
    """A handler whose work is known to be slow and bounded otherwise (a schema change): SERVER_TIMEOUT gives it
    `seconds` from now, never less than it had."""
    deadline: asyncio.Timeout | None = scope.get(DEADLINE_KEY)
    if deadline is None or deadline.expired():
        return
    when = asyncio.get_running_loop().time() + seconds
    current = deadline.when()
    if current is None or current < when:
        deadline.reschedule(when)


class ServerTimeout:
    """Cancel a handler that has not started its response after `seconds`, and answer 504 in its place."""

    def __init__(self, seconds: float, *, exempt: Callable[[Scope], bool] | None = None) -> None:
        self.seconds = seconds
        self.exempt = exempt

    async def run(
        self, app: ASGIApp, scope: Scope, receive: Receive, send: Exchange, path: Callable[[Scope], str]
    ) -> None:
        """`app` within the deadline; the edge's `send` stops it at the status line."""
        seconds = self.seconds
        try:
            async with asyncio.timeout(seconds) as deadline:
                send.deadline = deadline
                scope[DEADLINE_KEY] = deadline
                try:
                    await app(scope, receive, send)
                finally:
                    send.deadline = None  # a finished deadline cannot be stopped: answers after it need no stop
        except TimeoutError:
            if not deadline.expired():
                raise  # a TimeoutError of the handler's own, not our deadline: the error handlers decide
            if send.status is not None:
                # The deadline fired just as the response started: the body cannot be finished; close the connection.
                log.warning("server timeout raced the response start on %s", path(scope))
                return
            log.warning("%s %s took longer than %.1f s: 504", scope.get("method"), path(scope), seconds)
            detail = f"the request took longer than {seconds:g} s (SERVER_TIMEOUT)"
            await send_error(send, 504, "server_timeout", detail, path=scope["path"])
