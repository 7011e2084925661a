"""What a route may ask for: the `Backend` the lifespan put in the request's state, behind one dependency."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated

from cassandra.cluster import Session
from fastapi import Depends, Request

from app.config import Settings
from app.db.database import Database
from app.db.identities import Identities
from app.db.statements import Statements
from app.identity.issued import IssuedTokens
from app.page_state import PageStateCodec
from app.rows.engine import RowsEngine


@dataclass(frozen=True, slots=True)
class Backend:
    """Everything the routes use, behind one dependency: FastAPI resolves every dependency of a route on every
    request, ~10 µs each on a point read here, so one per object added up."""

    db: Database
    statements: Statements
    settings: Settings
    cursors: PageStateCodec  # seals and opens page-state tokens
    engine: RowsEngine  # the rows API's catalog, statements and queries
    identities: Identities | None = None  # AUTH_MODE=passthrough: the callers' sessions
    tokens: IssuedTokens | None = None  # opens the tokens of our own POST /v1/auth

    def as_caller(self, session: Session) -> Backend:
        """This backend with every statement of the rows face running on `session` (a caller's, pass-through)."""
        db = self.db.on(session)
        return replace(self, db=db, engine=self.engine.as_caller(db))


# `async def`, not `def`: FastAPI runs a plain `def` dependency in its thread pool, one thread hop per dependency
# per request; these only read the request's state.
async def get_backend(request: Request) -> Backend:
    backend: Backend = request.state.backend
    return backend


async def get_settings(request: Request) -> Settings:
    backend: Backend = request.state.backend
    return backend.settings


BackendDep = Annotated[Backend, Depends(get_backend)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
