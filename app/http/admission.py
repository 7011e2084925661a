"""Admission control at the HTTP edge: a slot per request, a short bounded queue, then 503 with Retry-After.

The gates themselves are `app.http.limits`. A listing that turns into a stream calls `admit_stream`, which trades
the request's slot for one of MAX_STREAMS stream slots: the `Admission` it trades is kept in the request's scope
under `SCOPE_KEY` by the middleware below, and read back only here.
"""

from __future__ import annotations

from collections.abc import Collection

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from app.http.errors import RETRY_AFTER_SECONDS, send_error
from app.http.limits import Admission, Limits, Ticket
from app.metrics import SHED

SCOPE_KEY = "app.admission"


class AdmissionControl:
    def __init__(self, app: ASGIApp, *, limits: Limits, exempt: Collection[str] = ()) -> None:
        self.app = app
        self.limits = limits
        # Probes, metrics and docs are never queued or shed: an overloaded process must still say how it is.
        self.exempt = frozenset(exempt)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        limits = self.limits
        if not await limits.requests.enter():
            SHED.labels("requests").inc()
            detail = (
                f"the service is at capacity ({limits.requests.capacity} requests in progress, "
                f"MAX_CONCURRENT_REQUESTS); retry after {RETRY_AFTER_SECONDS} s"
            )
            await send_error(send, 503, "overloaded", detail, path=scope["path"])
            return
        admission = Admission(limits)
        admission.held.append(Ticket(limits.requests))
        scope[SCOPE_KEY] = admission
        try:
            await self.app(scope, receive, send)
        finally:
            admission.release()


async def admit_stream(request: Request) -> None:
    """Take a stream slot for this request (or raise `Shed`); a no-op where no admission control is installed."""
    admission = request.scope.get(SCOPE_KEY)
    if isinstance(admission, Admission):
        await admission.open_stream()
