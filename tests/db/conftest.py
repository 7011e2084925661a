"""Fixtures for the connection-class contract: a fresh event loop per test (uvloop, as uvicorn runs, and asyncio, as
the in-process tests run), a controllable link to the real node, and a Cluster whose IO runs on that loop."""

from __future__ import annotations

import asyncio
import faulthandler
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import pytest
import uvloop
from cassandra.cluster import Cluster, Session
from cassandra.query import SimpleStatement

from app.config import Settings, load_settings
from app.db.cluster import build_cluster
from app.db.loop_connection import LoopConnection
from tests.support.link import Link

T = TypeVar("T")
LOOPS: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {
    "uvloop": uvloop.new_event_loop,
    "asyncio": asyncio.new_event_loop,
}
# A test that deadlocks its own loop could not time itself out: the process dumps every stack and exits instead.
HANG_GUARD_SECONDS = 180

Run = Callable[[Coroutine[Any, Any, T]], T]


def local() -> SimpleStatement:
    return SimpleStatement("SELECT release_version FROM system.local")


@pytest.fixture(params=sorted(LOOPS))
def run(request: pytest.FixtureRequest) -> Iterator[Run[Any]]:
    """Run one scenario to its end on a fresh loop of the parametrised kind (never pytest-asyncio's own loop)."""

    def runner(coro: Coroutine[Any, Any, T]) -> T:
        faulthandler.dump_traceback_later(HANG_GUARD_SECONDS, exit=True)
        try:
            with asyncio.Runner(loop_factory=LOOPS[request.param]) as loop_runner:
                return loop_runner.run(asyncio.wait_for(coro, HANG_GUARD_SECONDS - 30))
        finally:
            faulthandler.cancel_dump_traceback_later()

    yield runner


@pytest.fixture
def link(settings: Settings) -> Iterator[Link]:
    running = Link(settings.cassandra_contact_points[0], settings.cassandra_port)
    yield running
    running.close()


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
