"""Who may call the Stargate face: the one access rule (`app.access`), refused in Stargate's words.

Every rows and schema endpoint goes through `endpoint`; a refusal, like every other `ServiceError` a handler
raises, is answered by the one handler in `app.http.errors` (Stargate's body shape under its paths).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from app.access import Refusal, decide, presented_key
from app.exceptions import RowsError
from app.http.deps import Backend

# Stargate's texts: its clients send X-Cassandra-Token, and may match on these.
MISSING_TOKEN = "Role unauthorized for operation: Missing token, expecting one in the X-Cassandra-Token header."
BAD_TOKEN = "Role unauthorized for operation: Invalid token."

Handler = Callable[[Request, Backend], Awaitable[Response]]


def authorize(request: Request, backend: Backend, *, write: bool) -> None:
    decision = decide(backend.settings, presented_key(request.headers), write=write)
    if decision.refusal is None:
        return
    if decision.refusal is Refusal.NO_KEYS:
        what = "writes are disabled" if write else "PROTECT_READS is on"
        raise RowsError(403, f"{what} but no API_KEYS are configured: set API_KEYS (comma-separated)", "forbidden")
    raise RowsError(401, MISSING_TOKEN if decision.refusal is Refusal.MISSING else BAD_TOKEN, "unauthorized")


def endpoint(handler: Handler, *, write: bool) -> Callable[[Request], Awaitable[Response]]:
    """A Starlette endpoint: the backend from the request's state, access checked, then the handler."""

    async def checked(request: Request) -> Response:
        backend: Backend = request.state.backend
        authorize(request, backend, write=write)
        return await handler(request, backend)

    checked.__name__ = handler.__name__
    return checked
