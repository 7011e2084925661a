"""Who may call the Stargate face, refused in Stargate's words.

- `AUTH_MODE=keys`: the one access rule (`app.access`), on the routed keyspace and table, so that a scoped key is
  held to its scopes (403 naming the missing one).
- `AUTH_MODE=passthrough`: the caller's token is their database credential (`app.identity.credentials`). The request
  holds a lease on a session logged in as them (`app.db.identities`) until its answer is sent, a stream included,
  and every statement of the request runs on it: Cassandra's GRANTs decide, and its refusal is Stargate's 401.

Every rows and schema endpoint goes through `endpoint` (the schema routes through `admit`); a refusal, like every
other `ServiceError` a handler raises, is answered by the one handler in `app.http.errors`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from app.access import Refusal, decide, presented_key
from app.db.identities import Lease
from app.exceptions import RowsError, ServiceError
from app.http import caller as passthrough
from app.http.audit import audit_write
from app.http.caller import Leased as Leased  # schemas.py imports it from here
from app.http.caller import Words
from app.http.deps import Backend
from app.http.principal import set_principal
from app.identity.keys_file import Action

# Stargate's texts: its clients send X-Cassandra-Token, and may match on these.
MISSING_TOKEN = "Role unauthorized for operation: Missing token, expecting one in the X-Cassandra-Token header."
BAD_TOKEN = "Role unauthorized for operation: Invalid token."

Handler = Callable[[Request, Backend], Awaitable[Response]]


def authorize(
    request: Request,
    backend: Backend,
    *,
    write: bool,
    keyspace: str | None = None,
    table: str | None = None,
    action: Action | None = None,
) -> None:
    """Keys mode: the one access rule, on `keyspace.table` when the route names them (`action`: `admin` for a
    schema change)."""
    decision = decide(
        backend.settings, presented_key(request.headers), write=write, keyspace=keyspace, table=table, action=action
    )
    set_principal(request.scope, decision.principal)
    if decision.refusal is None:
        return
    if decision.refusal is Refusal.NO_KEYS:
        what = "writes are disabled" if write else "PROTECT_READS is on"
        raise RowsError(403, f"{what} but no API_KEYS are configured: set API_KEYS (comma-separated)", "forbidden")
    if decision.refusal is Refusal.SCOPE:
        raise RowsError(403, decision.detail, "forbidden")
    if decision.detail:  # an expired key
        raise RowsError(401, decision.detail, "unauthorized")
    raise RowsError(401, MISSING_TOKEN if decision.refusal is Refusal.MISSING else BAD_TOKEN, "unauthorized")


STARGATE_WORDS = Words(MISSING_TOKEN, BAD_TOKEN)


async def lease_for(request: Request, backend: Backend) -> tuple[Lease, str | None]:
    """Pass-through (`app.http.caller`), refused in Stargate's words."""
    return await passthrough.lease_for(request, backend, STARGATE_WORDS)


async def admit(request: Request, backend: Backend, handler: Callable[[Backend], Awaitable[Response]]) -> Leased:
    """Pass-through: `handler` on the caller's backend view, the lease held until the answer is sent."""
    return await passthrough.admit(request, backend, STARGATE_WORDS, handler)


def endpoint(handler: Handler, *, write: bool) -> Callable[[Request], Awaitable[Response | Leased]]:
    """A Starlette endpoint: the backend from the request's state, access checked, then the handler."""

    async def checked(request: Request) -> Response | Leased:
        backend: Backend = request.state.backend
        if backend.identities is not None:
            return await admit(request, backend, lambda caller: handler(request, caller))
        routed = request.path_params
        authorize(request, backend, write=write, keyspace=routed.get("keyspace"), table=routed.get("table"))
        return await handler(request, backend)

    async def audited(request: Request) -> Response | Leased:
        """A write: its audit line once it is answered (`app.http.audit`), refused or not."""
        routed = request.path_params
        status = 500
        try:
            answer = await checked(request)
            status = (answer.response if isinstance(answer, Leased) else answer).status_code
            return answer
        except ServiceError as exc:
            status = exc.status
            raise
        finally:
            audit_write(request.scope, keyspace=routed.get("keyspace"), table=routed.get("table"), status=status)

    if write:
        audited.__name__ = handler.__name__
        return audited

    checked.__name__ = handler.__name__
    return checked
