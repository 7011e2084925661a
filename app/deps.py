"""What a route may ask for; all of it is created in the lifespan and lives in the request's state."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from starlette.types import Scope

from app.bridge import Database
from app.config import Settings
from app.page_state import PageStateCodec
from app.statements import Statements


@dataclass(frozen=True, slots=True)
class Backend:
    """Everything the lifespan made for the routes, behind one dependency: FastAPI resolves every dependency of a
    route on every request, ~10 µs each on a point read here, so one per object added up."""

    db: Database
    statements: Statements
    settings: Settings
    codec: PageStateCodec


# `async def`, not `def`: FastAPI runs a plain `def` dependency in its thread pool, one thread hop per dependency
# per request; these only read the request's state.
async def get_backend(request: Request) -> Backend:
    return request.state.backend  # type: ignore[no-any-return]


async def get_settings(request: Request) -> Settings:
    return request.state.backend.settings  # type: ignore[no-any-return]


def settings_in_scope(scope: Scope) -> Settings | None:
    """The lifespan's settings as a pure ASGI middleware sees them (None outside a running lifespan)."""
    backend = scope.get("state", {}).get("backend")
    return backend.settings if isinstance(backend, Backend) else None


BackendDep = Annotated[Backend, Depends(get_backend)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
