"""What the connection-class contract tests (tests/db/) share beside their fixtures: settings that reach the node only
through a `Link`, a Cluster whose IO runs on the current loop, and a cheap statement."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from cassandra.cluster import Cluster, Session
from cassandra.query import SimpleStatement

from app.config import Settings, load_settings
from app.db.cluster import build_cluster
from app.db.loop_connection import LoopConnection
from tests.support.link import Link

T = TypeVar("T")
# The `run` fixture (tests/db/conftest.py): one scenario run to its end on a fresh loop.
Run = Callable[[Coroutine[Any, Any, T]], T]


def local() -> SimpleStatement:
    return SimpleStatement("SELECT release_version FROM system.local")


def link_settings(link: Link, **overrides: Any) -> Settings:
    """Settings that reach the node only through `link` (the driver uses the cluster's port for every host)."""
    values: dict[str, Any] = {
        "cassandra_contact_points": link.host,
        "cassandra_port": link.port,
        "connect_timeout": 5.0,
        "reconnect_delay": 0.2,
        "request_timeout": 5.0,
        "_env_file": None,
    }
    values.update(overrides)
    return load_settings(**values)


@asynccontextmanager
async def loop_cluster(settings: Settings, **cluster_attributes: Any) -> AsyncIterator[tuple[Cluster, Session]]:
    """A Cluster whose IO is this loop's, connected and shut down in worker threads as the lifespan does."""
    cluster = build_cluster(settings, connection_class=LoopConnection.bind())
    for name, value in cluster_attributes.items():
        setattr(cluster, name, value)
    session = await asyncio.to_thread(cluster.connect)
    try:
        yield cluster, session
    finally:
        await asyncio.to_thread(cluster.shutdown)


def pool_connections(session: Session) -> list[Any]:
    return [c for pool in session.get_pools() for c in pool.get_connections()]
