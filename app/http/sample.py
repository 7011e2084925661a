"""The sample face's gates: its routes are 404 while SAMPLE_API has the sample off (`SampleOn`); who may call them
(`SampleRead`, `SampleWrite`: API keys, in AUTH_MODE=keys); and `SampleCallDep`, whose `answer` runs a route's
statements as its caller in AUTH_MODE=passthrough, refused in the sample's own shape and words. It is the routes'
one dependency besides the path (the request and the backend in one object), so a route stays callable with only
what the path and the request give.

`SampleOn` is a dependency of the sample's routers, given where main.py includes them: it runs before the routes'
own checks (keys, parameters, body), so an off sample is a 404 whatever the request, as a route that is not there
would be, but one whose body says why. They stay mounted because `auto` is decided in the lifespan, after the routes
exist.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials
from starlette.responses import Response

from app.exceptions import CallerUnauthorized, ServiceError
from app.http import caller
from app.http.auth import bearer_scheme, header_scheme, require_read_access, require_write_access
from app.http.deps import Backend, SettingsDep

# The sample's words for a missing or refused token in pass-through (its shape: {"error", "detail"}).
SAMPLE_WORDS = caller.Words(
    missing="a token is required (AUTH_MODE=passthrough): send your database credential as 'Authorization: Bearer "
    "<token>' or 'X-Cassandra-Token: <token>'",
    invalid="the token was refused:",
)


async def require_sample(request: Request) -> None:
    backend: Backend = request.state.backend
    backend.statements.sample()  # SampleOff (404) when the sample is off


async def require_sample_read(request: Request) -> None:
    """Keys mode: the read rule (`app.http.auth`). Pass-through: `answer` logs the caller in."""
    backend: Backend = request.state.backend
    if backend.identities is None:
        await require_read_access(request)


async def require_sample_write(
    request: Request,
    settings: SettingsDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    header: Annotated[str | None, Depends(header_scheme)],
) -> None:
    """Keys mode: the write rule (`app.http.auth`). Pass-through: `answer` logs the caller in."""
    if settings.auth_mode != "passthrough":
        await require_write_access(request, settings, bearer, header)


@dataclass(frozen=True, slots=True)
class SampleCall:
    """A sample request and the backend it reaches."""

    request: Request
    backend: Backend

    async def answer(self, handler: Callable[[Backend], Awaitable[Response]]) -> Response:
        """`handler` on the service's backend (keys mode), or on the caller's own session (pass-through), the lease
        held until the answer is sent, a stream's last line included."""
        if self.backend.identities is None:
            return await handler(self.backend)
        return await caller.admit(self.request, self.backend, SAMPLE_WORDS, _in_sample_words(handler))


# `async def`, not `def`: FastAPI would run a plain `def` dependency in its thread pool.
async def get_sample_call(request: Request) -> SampleCall:
    return SampleCall(request, request.state.backend)


def _in_sample_words(handler: Callable[[Backend], Awaitable[Response]]) -> Callable[[Backend], Awaitable[Response]]:
    """Cassandra refusing the caller's role: a 401 with Cassandra's own message, without Stargate's gRPC wording."""

    async def run(backend: Backend) -> Response:
        try:
            return await handler(backend)
        except CallerUnauthorized as exc:
            raise ServiceError(401, "unauthorized", exc.message) from None

    return run


SampleOn = Depends(require_sample)
SampleRead = Depends(require_sample_read)
SampleWrite = Depends(require_sample_write)
SampleCallDep = Annotated[SampleCall, Depends(get_sample_call)]
