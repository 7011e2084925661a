"""Fixtures for the connection-class contract: a fresh event loop per test (uvloop, as uvicorn runs, and asyncio, as
the in-process tests run), a controllable link to the real node, and a Cluster whose IO runs on that loop."""

from __future__ import annotations

import asyncio
import faulthandler
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar

import pytest
import uvloop

from app.config import Settings
from tests.support.link import Link
from tests.support.loop_db import Run

T = TypeVar("T")
LOOPS: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {
    "uvloop": uvloop.new_event_loop,
    "asyncio": asyncio.new_event_loop,
}
# A test that deadlocks its own loop could not time itself out: the process dumps every stack and exits instead.
HANG_GUARD_SECONDS = 180


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
