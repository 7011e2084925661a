"""What both baseline apps share: the same driver set-up, statements and encoder as the service, so only the
concurrency pattern differs between (a), (b) and (c)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import anyio
from cassandra.cluster import Session
from fastapi import FastAPI, Request

from app.config import load_settings
from app.db.cluster import connect, connection_class_for, default_consistency
from app.db.database import Database, Row
from app.db.statements import Statements, prepare_statements
from app.rows.types import float32_shortest


def make_lifespan(*, loop_io: bool) -> Callable[[FastAPI], AbstractAsyncContextManager[dict[str, Any]]]:
    """The service's driver set-up; `loop_io` False keeps libev whatever DRIVER_IO says (the blocking baseline's
    `session.execute` on the loop thread can only work with the driver's IO on a thread of its own)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        settings = load_settings()
        io = connection_class_for(settings) if loop_io else None
        cluster, session = await anyio.to_thread.run_sync(
            lambda: connect(settings, keyspace=settings.keyspace, connection_class=io)
        )
        read_cl, write_cl = default_consistency(settings, cluster)
        statements = await anyio.to_thread.run_sync(
            lambda: prepare_statements(session, read_consistency=read_cl, write_consistency=write_cl)
        )
        # The bridge, for the floor reference (f); the two baselines use the session directly.
        db = Database(session, request_timeout=settings.request_timeout, max_in_flight=settings.max_in_flight)
        try:
            yield {"session": session, "statements": statements, "db": db}
        finally:
            await anyio.to_thread.run_sync(cluster.shutdown)

    return lifespan


lifespan = make_lifespan(loop_io=True)


def deps(request: Request) -> tuple[Session, Statements]:
    return request.state.session, request.state.statements


def animal_row(row: Row) -> Row:
    row["size_cm"] = float32_shortest(row["size_cm"])
    return row
