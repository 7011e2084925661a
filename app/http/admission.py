"""Admission control, a step of the edge (`app.http.edge`): a slot per request, a short bounded queue, then 503
with Retry-After.

The gates themselves are `app.http.limits`. A listing that turns into a stream calls `admit_stream`, which trades
the request's slot for one of MAX_STREAMS stream slots: the `Admission` it trades is kept in the request's scope
under `SCOPE_KEY` by the step below, and read back only here.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Literal

from starlette.requests import Request
from starlette.types import Scope, Send

from app.http.errors import RETRY_AFTER_SECONDS, send_error
from app.http.limits import Admission, Limits, Ticket
from app.metrics import SHED

SCOPE_KEY = "app.admission"


class AdmissionControl:
    """`enter(scope)`: the request's `Admission` (None for an exempt path), or `False` when it is shed, already
    answered 503 through `send`. The edge releases what it holds once the request is done."""

    def __init__(self, limits: Limits, *, exempt: Collection[str] = ()) -> None:
        self.limits = limits
        # Probes and metrics are never queued or shed: an overloaded process must still say how it is.
        self.exempt = frozenset(exempt)

    async def enter(self, scope: Scope, send: Send) -> Admission | Literal[False] | None:
        if scope["path"] in self.exempt:
            return None
        limits = self.limits
        if not await limits.requests.enter():
            SHED.labels("requests").inc()
            detail = (
                f"the service is at capacity ({limits.requests.capacity} requests in progress, "
                f"MAX_CONCURRENT_REQUESTS); retry after {RETRY_AFTER_SECONDS} s"
            )
            await send_error(send, 503, "overloaded", detail, path=scope["path"])
            return False
        admission = Admission(limits)
        admission.held.append(Ticket(limits.requests))
        scope[SCOPE_KEY] = admission
        return admission


async def admit_stream(request: Request) -> None:
    """Take a stream slot for this request (or raise `Shed`); a no-op where no admission control is installed."""
    admission = request.scope.get(SCOPE_KEY)
    if isinstance(admission, Admission):
        await admission.open_stream()
