"""Pass-through, face-neutral: a request's lease on a session logged in as its caller, and a response that holds the
lease until it is sent. A face words the two refusals (`TokenMissing`, `TokenRefused`) in its own shape: the sample's
and Stargate's through `Words` (`lease_for`, `admit`), the Data API's `MISSING_AUTHENTICATION_TOKEN` /
`UNAUTHENTICATED_REQUEST` in `app.routes.data_api.transport` (`open_lease`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from app.db.identities import Lease
from app.exceptions import ServiceError
from app.http.deps import Backend
from app.http.principal import set_principal
from app.identity.credentials import credential_from_token, presented_token
from app.identity.issued import RENEWED_HEADER


@dataclass(frozen=True, slots=True)
class Words:
    """A face's 401 texts: no token at all; a token that is none of ours or that Cassandra refused (the reason is
    appended after a space)."""

    missing: str
    invalid: str


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


async def lease_for(request: Request, backend: Backend, words: Words) -> tuple[Lease, str | None]:
    """`open_lease`, its refusals a 401 in the face's words."""
    try:
        return await open_lease(request, backend)
    except TokenMissing:
        raise ServiceError(401, "unauthorized", words.missing) from None
    except TokenRefused as exc:
        raise ServiceError(401, "unauthorized", f"{words.invalid} {exc}") from None


class Leased(Response):
    """A response that releases its lease once it is sent, or its sending ends any other way (a stream cut short).

    A `Response` to FastAPI (which returns it as is) and an ASGI app to Starlette; everything else it has is the
    wrapped response's."""

    def __init__(self, response: Response, lease: Lease) -> None:  # no super().__init__: nothing of its own to render
        self.response = response
        self.lease = lease
        self.status_code = response.status_code
        self.raw_headers = response.raw_headers  # the same list: a header set on either is sent

    @property
    def background(self) -> BackgroundTask | None:
        return self.response.background

    @background.setter
    def background(self, task: BackgroundTask | None) -> None:
        self.response.background = task

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.response(scope, receive, send)
        finally:
            self.lease.release()


async def admit(
    request: Request, backend: Backend, words: Words, handler: Callable[[Backend], Awaitable[Response]]
) -> Leased:
    """`handler` on the caller's backend view, the lease held until the answer is sent."""
    lease, renewed = await lease_for(request, backend, words)
    try:
        response = await handler(backend.as_caller(lease.session))
    except BaseException:
        lease.release()
        raise
    if renewed is not None:  # the token's sliding window: the client sends this one from now on
        response.headers[RENEWED_HEADER] = renewed
    return Leased(response, lease)
