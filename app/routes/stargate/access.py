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
from starlette.types import Receive, Scope, Send

from app.access import Refusal, decide, presented_key
from app.db.identities import Lease
from app.exceptions import RowsError, ServiceError
from app.http.audit import audit_write
from app.http.deps import Backend
from app.http.principal import set_principal
from app.identity.credentials import credential_from_token, presented_token
from app.identity.issued import RENEWED_HEADER
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


async def lease_for(request: Request, backend: Backend) -> tuple[Lease, str | None]:
    """Pass-through: a session logged in as the caller's token (401 in Stargate's words when there is none, or when
    Cassandra refuses it), and a renewed token when it is one of ours stamped a while ago. The principal is the role's
    name."""
    assert backend.identities is not None
    token = presented_token(request.headers)
    if token is None:
        raise RowsError(401, MISSING_TOKEN, "unauthorized")
    renewed = None
    try:
        if backend.tokens is not None and backend.tokens.looks_issued(token):
            opened = backend.tokens.open(token)
            credential, renewed = opened.credential, opened.renewed
        else:
            credential = credential_from_token(token)
        client = request.client.host if request.client else None
        lease = await backend.identities.session_for(credential, client=client)
    except ServiceError as exc:
        if exc.status != 401:
            raise  # shed, or the database unreachable: not the caller's fault
        raise RowsError(401, f"{BAD_TOKEN} {exc.detail}", "unauthorized") from None
    set_principal(request.scope, lease.username)
    return lease, renewed


class Leased:
    """A response that releases its lease once it is sent, or its sending ends any other way (a stream cut short)."""

    __slots__ = ("lease", "response")

    def __init__(self, response: Response, lease: Lease) -> None:
        self.response = response
        self.lease = lease

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.response(scope, receive, send)
        finally:
            self.lease.release()


async def admit(request: Request, backend: Backend, handler: Callable[[Backend], Awaitable[Response]]) -> Leased:
    """Pass-through: `handler` on the caller's backend view, the lease held until the answer is sent."""
    lease, renewed = await lease_for(request, backend)
    try:
        response = await handler(backend.as_caller(lease.session))
    except BaseException:
        lease.release()
        raise
    if renewed is not None:  # the token's sliding window: the client sends this one from now on
        response.headers[RENEWED_HEADER] = renewed
    return Leased(response, lease)


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
