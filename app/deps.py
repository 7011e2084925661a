"""What a route may ask for; all of it is created in the lifespan and lives in the request's state."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.types import Scope

from app.bridge import Database
from app.config import Settings
from app.page_state import PageStateCodec
from app.statements import Statements


# `async def`, not `def`: FastAPI runs a plain `def` dependency in its thread pool, one thread hop per dependency
# per request; these only read the request's state.
async def get_db(request: Request) -> Database:
    return request.state.db  # type: ignore[no-any-return]


async def get_statements(request: Request) -> Statements:
    return request.state.statements  # type: ignore[no-any-return]


async def get_settings(request: Request) -> Settings:
    return request.state.settings  # type: ignore[no-any-return]


def settings_in_scope(scope: Scope) -> Settings | None:
    """The lifespan's settings as a pure ASGI middleware sees them (None outside a running lifespan)."""
    settings = scope.get("state", {}).get("settings")
    return settings if isinstance(settings, Settings) else None


async def get_codec(request: Request) -> PageStateCodec:
    return request.state.codec  # type: ignore[no-any-return]


DatabaseDep = Annotated[Database, Depends(get_db)]
StatementsDep = Annotated[Statements, Depends(get_statements)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
CodecDep = Annotated[PageStateCodec, Depends(get_codec)]
