"""Driver futures as awaitables, and result pages as an async iterator, without blocking the event loop.

The driver completes a `ResponseFuture` on its own IO thread (or at once, on the calling thread, when the answer is
already there). Each completion is handed to the loop with one `call_soon_threadsafe`, one wake-up per page. The
number of requests in flight is bounded so `execute_async` never waits inside the driver for a free stream id.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from typing import Any

from cassandra import Unauthorized
from cassandra.cluster import ResponseFuture, ResultSet, Session
from cassandra.query import Statement

from app.db.credentials import Refusals
from app.db.errors import map_driver_error
from app.exceptions import DatabaseError
from app.metrics import DRIVER_ERRORS

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[Row]
    paging_state: bytes | None


Pages = AsyncGenerator[Page, None]


@dataclass(frozen=True, slots=True)
class Listing:
    """A query whose pages can be fetched from any point: `fetch(page_size, paging_state)`.

    `query` names it for the cursors: a page token sealed for one query never opens for another."""

    query: str
    fetch: Callable[[int, bytes | None], Pages]


class Database:
    """The one seam between the service and the driver: a session, a request timeout, a bound on requests in flight.

    Every driver failure leaves it as a `DatabaseError` (`app.db.errors`); what Cassandra refuses the service itself
    (credentials, permissions) is also kept in `refusals` (`app.db.credentials`), which readiness asks."""

    def __init__(
        self, session: Session, *, request_timeout: float, max_in_flight: int, refusals: Refusals | None = None
    ) -> None:
        self.session = session
        self.request_timeout = request_timeout
        self._slots = asyncio.Semaphore(max_in_flight)
        self.refusals = refusals if refusals is not None else Refusals()

    async def execute(
        self, statement: Statement, *, page_size: int | None = None, paging_state: bytes | None = None
    ) -> Page:
        """Run one request and return its (first) page; driver failures come out as `DatabaseError`."""
        if page_size is not None:
            statement.fetch_size = page_size
        await self._slots.acquire()
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[Page] = loop.create_future()
        try:
            response = self.session.execute_async(statement, paging_state=paging_state, timeout=self.request_timeout)
        except Exception as exc:
            self._slots.release()
            raise self._failure(exc, statement) from exc
        # The slot is released when the driver answers, not when the awaiting task gives up: a cancelled request
        # still occupies a stream id until Cassandra replies or the request times out.
        response.add_callbacks(
            _on_rows,
            _on_error,
            callback_args=(response, loop, waiter, self),
            errback_args=(response, loop, waiter, self),
        )
        try:
            page = await waiter
        except Exception as exc:
            raise self._failure(exc, statement) from exc
        if self.refusals.any_denied:
            self.refusals.permission_ok(_text(statement))
        return page

    async def pages(self, statement: Statement, *, page_size: int, paging_state: bytes | None = None) -> Pages:
        """Yield pages in order, fetching page N+1 only after page N was taken and the consumer came back for more."""
        state = paging_state
        while True:
            page = await self.execute(statement, page_size=page_size, paging_state=state)
            yield page
            if page.paging_state is None:
                return
            state = page.paging_state

    def _done(self) -> None:
        self._slots.release()

    def _failure(self, exc: Exception, statement: Statement) -> DatabaseError:
        """The driver exception as the service's answer, counted once in /metrics by its class."""
        if isinstance(exc, Unauthorized):
            self.refusals.permission_denied(_text(statement), exc)
        answer = map_driver_error(exc, credentials_refused=self.refusals.credentials_refused)
        if answer is not exc:
            DRIVER_ERRORS.labels(type(exc).__name__, answer.error).inc()
        return answer


def _text(statement: Statement) -> str:
    """The CQL of a bound, prepared or simple statement."""
    prepared = getattr(statement, "prepared_statement", None)
    return str((prepared or statement).query_string)


def _on_rows(
    rows: list[Row],
    response: ResponseFuture,
    loop: asyncio.AbstractEventLoop,
    waiter: asyncio.Future[Page],
    db: Database,
) -> None:
    # Runs on the driver's IO thread; an exception here would be swallowed by the driver, so nothing may raise.
    try:
        page = Page(list(rows) if rows else [], ResultSet(response, rows).paging_state)  # a write has no rows
        if rows:
            rows.clear()  # the driver's copy: see _settle
    except BaseException as exc:
        _hand_over(response, loop, waiter, db, None, exc)
        return
    _hand_over(response, loop, waiter, db, page, None)


def _on_error(
    exc: BaseException,
    response: ResponseFuture,
    loop: asyncio.AbstractEventLoop,
    waiter: asyncio.Future[Page],
    db: Database,
) -> None:
    _hand_over(response, loop, waiter, db, None, exc)


def _hand_over(
    response: ResponseFuture,
    loop: asyncio.AbstractEventLoop,
    waiter: asyncio.Future[Page],
    db: Database,
    page: Page | None,
    exc: BaseException | None,
) -> None:
    with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is waiting any more
        loop.call_soon_threadsafe(_settle, response, waiter, db, page, exc)


def _settle(
    response: ResponseFuture, waiter: asyncio.Future[Page], db: Database, page: Page | None, exc: BaseException | None
) -> None:
    # A finished ResponseFuture can outlive its request by a long time: the driver's timer heap drops a cancelled
    # timeout only once every timer ahead of it has come due, and the timer holds the future. Through its callbacks
    # the future would hold our waiter, and the waiter this page: a fast stream then kept every page it ever sent
    # (~40 MB per million rows at 1,000-row pages). Cut both links: no callbacks, and an emptied row list.
    response.clear_callbacks()
    db._done()
    if waiter.done():
        return  # the awaiting task was cancelled; the answer is dropped
    if exc is not None:
        waiter.set_exception(exc)
    elif page is not None:
        waiter.set_result(page)
