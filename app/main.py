"""The ASGI application: `app.main:app`, or `create_app()` for tests and other settings.

It reads top to bottom: the settings, the middleware chain (outermost first), the routers and error handlers, then
the lifespan, which is the only part that connects to anything.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import anyio
from cassandra.cluster import Cluster, Session
from fastapi import FastAPI
from starlette.middleware import Middleware
from starlette.types import ASGIApp

from app import __version__
from app.config import Mode, Settings, load_settings
from app.config.posture import log_posture
from app.db.cluster import connect, connection_class_for, default_consistency, serial_consistency
from app.db.credentials import watch_bundle_certificate
from app.db.database import Database
from app.db.identities import Identities
from app.db.schema import apply_schema
from app.db.statements import Statements, decide_sample, prepare_statements
from app.exceptions import ConfigError, StartupError
from app.http import errors
from app.http.admission import AdmissionControl
from app.http.body_limit import BodyLimit
from app.http.client_address import ClientAddress
from app.http.deps import Backend
from app.http.docs import fastapi_with_offline_docs
from app.http.edge import Edge
from app.http.errors import EXCEPTION_HANDLERS
from app.http.hot_routes import HotRoutes
from app.http.limits import Limits
from app.http.observability import Observe
from app.http.sample import SampleOn
from app.http.startup import refuse_to_start, report_startup_failure
from app.http.timeout import ServerTimeout
from app.identity.issued import IssuedTokens
from app.logs import configure_logging
from app.openapi import document as rows_openapi
from app.page_state import PageStateCodec
from app.routes import animals, auth, health, metrics, plants, stargate
from app.routes.data_api.transport import routes as data_api_routes
from app.routes.stargate.ingest import is_ingest
from app.routes.stargate.switch import switched
from app.rows.budget import ColdPathBudget
from app.rows.catalog import Catalog, Served
from app.rows.engine import Consistency, RowsEngine
from app.rows.query import QueryLimits
from app.rows.statements import StatementCache
from app.rows.types import configure_limits, install_timestamp_guard
from app.server.loopback_hosts import install_host_check

log = logging.getLogger("app")

# Never queued or shed: an overloaded process must still say how it is. The docs pages, their assets and the
# OpenAPI documents are admitted like any request: they cost a worker thread (a walk of the schema, a file read).
UNLIMITED_PATHS = ("/healthz", "/readyz", "/metrics")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    configure_logging(settings.log_level)
    log_posture(settings)  # anonymous access that is on, settings the mode ignores or does not know (secure defaults)
    errors.configure(settings)  # Stargate's error bodies: with or without our `error` code
    secrets = settings.page_state_keys
    if not secrets:
        log.warning("PAGE_STATE_SECRETS is not set: page tokens are valid only in this process")
    middleware = [
        # The edge: one ASGI layer whose steps run in this order (app/http/edge.py); a lifespan gets its start-up
        # failure as one line (app/http/startup.py).
        Middleware(
            Edge,
            # request id, the access line (its client through TRUSTED_PROXIES), request metrics
            observe=Observe(clients=ClientAddress(settings.trusted_proxies), paths=settings.access_log_paths),
            # 413; a bulk ingest has no total size and answers after its whole body: it bounds its lines itself
            body_limit=BodyLimit(settings.max_body_bytes, exempt=is_ingest),
            # a request slot, a short queue, else 503; probes and /metrics are never queued
            admission=AdmissionControl(Limits.from_settings(settings), exempt=UNLIMITED_PATHS),
            # 504 until the status line (not for a bulk ingest, which bounds its stages itself)
            timeout=ServerTimeout(settings.server_timeout, exempt=is_ingest),
        ),
        # The hot routes (rows reads and writes, the sample's point reads) matched once, before FastAPI's router;
        # anything else goes on to FastAPI (app/http/hot_routes.py).
        Middleware(HotRoutes),
    ]
    app = fastapi_with_offline_docs(  # FastAPI, with /docs and /redoc served offline (app/http/docs.py)
        title="Cassandra sample API (async-native)",
        summary="Animals and plants from Apache Cassandra or Astra DB, streamed.",
        version=__version__,
        middleware=middleware,
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan(settings, PageStateCodec(secrets, ttl=settings.page_state_ttl)),
        # FastAPI's native OpenTelemetry hooks look up the global providers on every request (~3% of a point
        # read's CPU); this service reports through /metrics (Prometheus) and JSON logs with request ids instead.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    for router in (animals.router, plants.router):
        app.include_router(router, dependencies=[SampleOn])  # 404 while SAMPLE_API has the sample off
    for router in (health.router, metrics.router):
        app.include_router(router)
    app.router.routes.extend(switched(stargate.routes(), settings.rows_api))  # ROWS_API: readwrite, read or off
    app.router.routes.extend(data_api_routes())  # the Data API face; before /v1/auth, which it shares (transport)
    if settings.auth_mode == "passthrough":  # Stargate's POST /v1/auth: a login has no meaning with API keys
        app.router.routes.extend(auth.routes())
    rows_openapi.install(app, settings)  # /openapi.json describes the rows API too, each served table typed
    install_host_check(app, settings)  # LOOPBACK_HOSTS_ONLY (the local demo): no DNS rebinding
    return app


def lifespan(
    settings: Settings, codec: PageStateCodec
) -> Callable[[FastAPI], AbstractAsyncContextManager[dict[str, object]]]:
    """Per process, after any fork: connect, prepare every statement, serve, then close the driver."""

    @asynccontextmanager
    async def connected(app: FastAPI) -> AsyncIterator[dict[str, object]]:
        with report_startup_failure(app):
            install_timestamp_guard()  # before any row is read: out-of-range timestamps must not kill connections
            configure_limits(settings.max_number_digits)  # varint and decimal digits, in every codec
            log.info("connecting to %s", settings.describe)
            if settings.init_schema_on_startup:
                await anyio.to_thread.run_sync(_init_schema, settings)
            # DRIVER_IO=loop binds the driver's sockets to this loop: from here on, every blocking driver call runs
            # in a worker thread while the loop drives the IO, and the Cluster is shut down before the loop ends.
            io = connection_class_for(settings)
            cluster, session = await anyio.to_thread.run_sync(
                lambda: connect(settings, keyspace=settings.keyspace, connection_class=io)
            )
            try:
                statements = await anyio.to_thread.run_sync(_prepare, settings, cluster, session)
            except BaseException:
                await anyio.to_thread.run_sync(cluster.shutdown)
                raise
        if settings.mode is Mode.ASTRA and settings.astra_db_secure_bundle_path is not None:
            watch_bundle_certificate(settings.astra_db_secure_bundle_path)
        backend = _backend(settings, codec, cluster, session, statements)
        engine, identities = backend.engine, backend.identities
        state: dict[str, object] = {"backend": backend}  # routes reach it through BackendDep (app.http.deps)
        if identities is not None and backend.tokens is not None:
            state["auth_api"] = auth.AuthApi(auth.login_with(identities), backend.tokens)
        log.info("ready: %s (AUTH_MODE=%s)", settings.describe, settings.auth_mode)
        rows_openapi.serve(app, engine.catalog)
        try:
            yield state
        finally:
            rows_openapi.serve(app, None)
            if identities is not None:
                await identities.close()  # the callers' sessions first: they stand on the Cluster
            await anyio.to_thread.run_sync(cluster.shutdown)
            log.info("driver shut down")

    return connected


def _backend(
    settings: Settings, codec: PageStateCodec, cluster: Cluster, session: Session, statements: Statements
) -> Backend:
    """What the routes reach: the database seam, the rows engine, and (AUTH_MODE=passthrough) the callers' own
    sessions on this Cluster (app.db.identities)."""
    db = Database(
        session,
        request_timeout=settings.request_timeout,
        max_in_flight=settings.max_in_flight,
        refusals=cluster.refusals,
    )
    db.refusals.set_essential(statements.essential_cql)
    read_cl, write_cl = default_consistency(settings, cluster)
    budget = ColdPathBudget.of_settings(settings)  # prepares and schema refreshes share it
    engine = RowsEngine(
        db,
        Catalog(cluster, Served(settings.served_keyspaces), budget=budget, session=session),
        StatementCache(session, capacity=settings.rows_statement_cache, budget=budget),
        Consistency(read_cl, write_cl, serial_consistency(settings)),
        max_page_bytes=settings.max_page_bytes,
        key_shape_tables=settings.key_shape_tables,
        limits=QueryLimits.of(settings),
    )
    identities = Identities.from_settings(cluster, settings) if settings.auth_mode == "passthrough" else None
    tokens = IssuedTokens.from_settings(settings)
    return Backend(db, statements, settings, cursors=codec, engine=engine, identities=identities, tokens=tokens)


def _init_schema(settings: Settings) -> None:
    cluster, session = connect(settings)
    try:
        apply_schema(session, settings)
    finally:
        cluster.shutdown()


def _prepare(settings: Settings, cluster: Cluster, session: Session) -> Statements:
    keyspace = cluster.metadata.keyspaces.get(settings.keyspace)
    sample, why = decide_sample(settings.sample_api, settings.keyspace, keyspace.tables if keyspace else {})
    log.info("the sample API (/animal, /plant) is %s: %s", "on" if sample else "off", why)
    read_cl, write_cl = default_consistency(settings, cluster)
    try:
        return prepare_statements(
            session,
            read_consistency=read_cl,
            write_consistency=write_cl,
            sample=sample,
            why=why,
            keyspace=settings.keyspace,
        )
    except StartupError:
        raise
    except Exception as exc:
        raise StartupError(f"preparing statements failed: {exc} (run scripts/init-db?)") from None


def _module_app() -> ASGIApp:
    # Under a plain `uvicorn app.main:app` a bad configuration is still one line, not an import traceback.
    try:
        return create_app()
    except ConfigError as exc:
        return refuse_to_start(f"configuration error: {exc}")


app = _module_app()
