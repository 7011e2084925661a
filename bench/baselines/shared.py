"""What both baseline apps share: the same driver set-up, statements and encoder as the service, so only the
concurrency pattern differs between (a), (b) and (c)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from cassandra.cluster import Session
from fastapi import FastAPI, Request

from app.config import load_settings
from app.db.cluster import connect, default_consistency
from app.db.database import Database, Row
from app.db.statements import Statements, prepare_statements
from app.encoding import float32_shortest


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
    settings = load_settings()
    cluster, session = await anyio.to_thread.run_sync(lambda: connect(settings, keyspace=settings.keyspace))
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


def deps(request: Request) -> tuple[Session, Statements]:
    return request.state.session, request.state.statements


def animal_row(row: Row) -> Row:
    row["size_cm"] = float32_shortest(row["size_cm"])
    return row
