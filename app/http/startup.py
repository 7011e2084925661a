"""A failed start-up is one line naming what to fix, not Starlette's traceback.

Two halves that only work together: `report_startup_failure` wraps the lifespan's start-up steps and keeps the
`StartupError`'s line on the app's state; `one_line_lifespan`, the edge's lifespan step, puts that line into
the `lifespan.startup.failed` message that uvicorn prints.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from starlette.applications import Starlette
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.exceptions import StartupError
from app.http.errors import send_error


@contextmanager
def report_startup_failure(app: Starlette) -> Iterator[None]:
    try:
        yield
    except StartupError as exc:
        app.state.startup_error = str(exc)
        raise


async def one_line_lifespan(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    """The lifespan of `app`, its `lifespan.startup.failed` message carrying the line `report_startup_failure` kept."""
    owner = scope.get("app")

    async def send_clean(message: Message) -> None:
        error = getattr(getattr(owner, "state", None), "startup_error", None)
        if message["type"] == "lifespan.startup.failed" and error:
            message = {"type": "lifespan.startup.failed", "message": f"start-up failed: {error}"}
        await send(message)

    await app(scope, receive, send_clean)


def refuse_to_start(message: str) -> ASGIApp:
    """An app that only fails its start-up with `message`: what `app.main:app` is when the settings are invalid."""

    async def refusing(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await receive()
            await send({"type": "lifespan.startup.failed", "message": message})
            return
        if scope["type"] == "http":
            await send_error(send, 500, "internal_error", message)

    return refusing
