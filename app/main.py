"""The ASGI application: `app.main:app`, or `create_app()` for tests and other settings."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.bridge import Database
from app.cluster import connect, default_consistency
from app.config import Settings, load_settings
from app.deps import Backend
from app.errors import StartupError, install_error_handlers
from app.logs import configure_logging
from app.middleware import install as install_hardening
from app.page_state import PageStateCodec
from app.routes import animals, health, plants
from app.schema import apply_schema
from app.statements import prepare_statements
from app.timeouts import ServerTimeout

log = logging.getLogger("app")


def create_app(settings: Settings | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        # Everything with a connection is made here, per process, after any fork: never at import time.
        try:
            active = settings or load_settings()
            configure_logging(active.log_level)
            log.info("connecting to %s", active.describe)
            if active.init_schema_on_startup:
                await anyio.to_thread.run_sync(_init_schema, active)
            cluster, session = await anyio.to_thread.run_sync(lambda: connect(active, keyspace=active.keyspace))
        except StartupError as exc:
            app.state.startup_error = str(exc)
            raise
        try:
            read_cl, write_cl = default_consistency(active, cluster)
            statements = await anyio.to_thread.run_sync(
                lambda: prepare_statements(session, read_consistency=read_cl, write_consistency=write_cl)
            )
        except StartupError as exc:
            app.state.startup_error = str(exc)
            await anyio.to_thread.run_sync(cluster.shutdown)
            raise
        except Exception as exc:
            app.state.startup_error = f"preparing statements failed: {exc} (run scripts/init-db?)"
            await anyio.to_thread.run_sync(cluster.shutdown)
            raise
        secret = active.page_state_secret.get_secret_value().encode() if active.page_state_secret else None
        if secret is None:
            log.warning("PAGE_STATE_SECRET is not set: page tokens are valid only in this process")
        db = Database(session, request_timeout=active.request_timeout, max_in_flight=active.max_in_flight)
        log.info("ready: %s", active.describe)
        try:
            # Routes get it through BackendDep, pure ASGI middlewares through settings_in_scope (app.deps).
            yield {"backend": Backend(db, statements, active, PageStateCodec(secret))}
        finally:
            await anyio.to_thread.run_sync(cluster.shutdown)
            log.info("driver shut down")

    app = FastAPI(
        title="Cassandra sample API (async-native)",
        summary="Animals and plants from Apache Cassandra or Astra DB, streamed.",
        version="1.0.0",
        lifespan=lifespan,
        # FastAPI's native OpenTelemetry hooks look up the global providers on every request (~3% of a point
        # read's CPU); this service reports through /metrics (Prometheus) and JSON logs with request ids instead.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    install_error_handlers(app)
    app.include_router(animals.router)
    app.include_router(plants.router)
    app.include_router(health.router)
    app.add_middleware(ServerTimeout)
    install_hardening(app)  # request ids, logs, metrics, body limit, admission control, /metrics
    app.add_middleware(OneLineStartupFailure)
    return app


def _init_schema(settings: Settings) -> None:
    cluster, session = connect(settings)
    try:
        apply_schema(session, settings)
    finally:
        cluster.shutdown()


class OneLineStartupFailure:
    """Replace Starlette's start-up traceback with the StartupError's one line, which is all an operator needs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        owner = scope.get("app")

        async def send_clean(message: Message) -> None:
            error = getattr(getattr(owner, "state", None), "startup_error", None)
            if message["type"] == "lifespan.startup.failed" and error:
                message = {"type": "lifespan.startup.failed", "message": f"start-up failed: {error}"}
            await send(message)

        await self.app(scope, receive, send_clean)


def _create_default_app() -> FastAPI:
    return create_app()


app = _create_default_app()
