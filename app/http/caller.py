"""Pass-through, for every face: the session of the caller whose token a request carries, leased until its answer is
sent. Each face words the two refusals (`TokenMissing`, `TokenRefused`) in its own shape: Stargate's 401
(`app.routes.stargate.access`), the Data API's `MISSING_AUTHENTICATION_TOKEN` / `UNAUTHENTICATED_REQUEST`
(`app.routes.data_api.transport`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from app.db.identities import Lease
from app.exceptions import ServiceError
from app.http.deps import Backend
from app.http.principal import set_principal
from app.identity.credentials import credential_from_token, presented_token


class TokenMissing(Exception):
    """The request carries no token."""


class TokenRefused(Exception):
    """The token is none we read, or Cassandra refused the credential it stands for; the message says which."""


async def open_lease(request: Request, backend: Backend) -> tuple[Lease, str | None]:
    """A session logged in as the caller's token, and a renewed token when it is one of ours stamped a while ago.
    The principal is the role's name. Shed or an unreachable database stays the `ServiceError` it is."""
    assert backend.identities is not None
    token = presented_token(request.headers)
    if token is None:
        raise TokenMissing
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
        raise TokenRefused(exc.detail) from None
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
