"""Driver futures as awaitables, and result pages as an async iterator, without blocking the event loop.

Where the driver completes a `ResponseFuture` depends on its IO. With `DRIVER_IO=loop` (app.db.loop_connection) the
callback runs on this loop's own thread, and the awaiting future is settled right there. With libev it runs on the
driver's IO thread and is handed to the loop with one `call_soon_threadsafe`, one wake-up per page. Either way the
driver may also complete on a foreign thread (its executor on retries and re-prepares, a fresh thread when a failing
connection errors 100+ requests): those always take the threadsafe path. The number of requests in flight is bounded
so `execute_async` never waits inside the driver for a free stream id.

The callbacks hold the awaiting future, never the driver's `ResponseFuture`: a future reachable from its own
callbacks is a reference cycle, which only the cyclic garbage collector frees, one per request.
"""

from __future__ import annotations

import asyncio
import copy
import weakref
from collections.abc import AsyncGenerator, Callable, Sequence
from dataclasses import dataclass
from threading import get_ident
from typing import Any

from cassandra import Unauthorized
from cassandra.cluster import EXEC_PROFILE_DEFAULT, ExecutionProfile, ResponseFuture, Session
from cassandra.query import BatchStatement, BatchType, BoundStatement, Statement, tuple_factory

from app.db.credentials import Refusals
from app.db.errors import map_driver_error, server_message
from app.db.loop_connection import LoopConnection
from app.exceptions import CallerUnauthorized, ServiceError
from app.metrics import DRIVER_ERRORS

Row = dict[str, Any]
RawRow = tuple[Any, ...]
_tuple_profiles: weakref.WeakKeyDictionary[Session, ExecutionProfile | None] = weakref.WeakKeyDictionary()


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[Row]
    paging_state: bytes | None


Pages = AsyncGenerator[Page, None]


@dataclass(frozen=True, slots=True)
class RawPage:
    """A page of rows as the driver parsed them: tuples in the statement's column order (`execute_rows`)."""

    rows: list[RawRow]
    paging_state: bytes | None


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
        self._thread: int | None = None  # the loop's thread: a completion there settles at once
        # libev's timer heap keeps a cancelled timer, and through it the finished ResponseFuture and its rows, until
        # every timer ahead of it came due: a fast stream then kept every page it had sent (~40 MB per million rows
        # at 1,000-row pages), so under libev a page's rows are copied out of the driver's list and that list
        # emptied. A loop timer drops its callback as it is cancelled: under DRIVER_IO=loop nothing needs cutting.
        self._retains = not issubclass(session.cluster.connection_class, LoopConnection)
        self.refusals = refusals if refusals is not None else Refusals()
        self._caller = False  # a view on a caller's session (`on`): their refusals are theirs
        self._tuples = _tuple_profile(session)

    def on(self, session: Session) -> Database:
        """A view that runs statements on `session` (a caller's, pass-through) within this one's limits: the same
        in-flight bound, timeout and readiness refusals, except that Cassandra refusing the caller's role is the
        caller's 401 (`CallerUnauthorized`), not the service's missing permission."""
        view = copy.copy(self)
        view.session = session
        view._caller = True
        view._tuples = _tuple_profile(session)
        return view

    async def execute(
        self, statement: Statement, *, page_size: int | None = None, paging_state: bytes | None = None
    ) -> Page:
        """Run one request and return its (first) page; driver failures come out as `DatabaseError`."""
        rows, response = await self._run(statement, page_size, paging_state, EXEC_PROFILE_DEFAULT)
        return Page(rows, response._paging_state)

    async def execute_batch(self, statements: Sequence[BoundStatement]) -> Page:
        """Bound statements as one UNLOGGED batch: one request, one in-flight slot, REQUEST_TIMEOUT, the first
        statement's consistency and routing. Meant for one partition (`app.rows.batches`): one mutation then."""
        first = statements[0]
        batch = _Batch(
            batch_type=BatchType.UNLOGGED,
            consistency_level=first.consistency_level,
            serial_consistency_level=first.serial_consistency_level,
        )
        for statement in statements:
            batch.add(statement)
        batch.is_idempotent = all(statement.is_idempotent for statement in statements)
        batch.query_string = _text(first)
        return await self.execute(batch)

    async def execute_rows(
        self, statement: Statement, *, page_size: int | None = None, paging_state: bytes | None = None
    ) -> RawPage:
        """`execute`, with the rows as the driver parsed them (tuples): no dict per row (`app.rows.page_encoder`)."""
        if self._tuples is None:  # a session of the driver's legacy settings: its own row factory, as tuples
            rows, response = await self._run(statement, page_size, paging_state, EXEC_PROFILE_DEFAULT)
            rows = [tuple(row.values()) if type(row) is dict else tuple(row) for row in rows]
            return RawPage(rows, response._paging_state)
        rows, response = await self._run(statement, page_size, paging_state, self._tuples)
        return RawPage(rows, response._paging_state)

    async def change_schema(self, statement: Statement, *, within: float) -> bool:
        """Run one schema change (DDL) within `within` seconds, not REQUEST_TIMEOUT: the driver settles it only once the
        nodes agree on the schema or its own wait ran out. Whether they agreed (`ResponseFuture.is_schema_agreed`)."""
        _, response = await self._run(statement, None, None, EXEC_PROFILE_DEFAULT, within)
        return bool(response.is_schema_agreed)

    async def _run(
        self,
        statement: Statement,
        page_size: int | None,
        paging_state: bytes | None,
        profile: object,
        within: float | None = None,
    ) -> tuple[list[Any], ResponseFuture]:
        """The rows of one request, and its answered future: `_paging_state` is what ResultSet.paging_state returns
        (building a ResultSet only to read it cost ~1 us a reply; tests/db checks that the two agree)."""
        if page_size is not None:
            statement.fetch_size = page_size
        await self._slots.acquire()
        loop = asyncio.get_running_loop()
        self._thread = get_ident()
        waiter: asyncio.Future[list[Any] | None] = loop.create_future()
        try:
            response = self.session.execute_async(
                statement, paging_state=paging_state, timeout=within or self.request_timeout, execution_profile=profile
            )
        except Exception as exc:
            self._slots.release()
            raise self._failure(exc, statement) from exc
        # The slot is released when the driver answers, not when the awaiting task gives up: a cancelled request
        # still occupies a stream id until Cassandra replies or the request times out.
        args = (loop, waiter, self)
        response.add_callbacks(_on_rows, _on_error, callback_args=args, errback_args=args)
        try:
            rows = await waiter
        except Exception as exc:
            raise self._failure(exc, statement) from exc
        if self.refusals.any_denied and not self._caller:
            self.refusals.permission_ok(_text(statement))
        if not rows:
            return [], response  # a write has no rows (None)
        if self._retains:
            kept = list(rows)
            rows.clear()  # the driver's own list, which its finished future keeps
            rows = kept
        return rows, response

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

    def _failure(self, exc: Exception, statement: Statement) -> ServiceError:
        """The driver exception as the service's answer, counted once in /metrics by its class."""
        if self._caller and isinstance(exc, Unauthorized):
            DRIVER_ERRORS.labels(type(exc).__name__, "caller_unauthorized").inc()
            return CallerUnauthorized(server_message(exc))
        if isinstance(exc, Unauthorized):
            self.refusals.permission_denied(_text(statement), exc)
        answer = map_driver_error(exc, credentials_refused=self.refusals.credentials_refused)
        if answer is not exc:
            DRIVER_ERRORS.labels(type(exc).__name__, answer.error).inc()
        return answer


def _tuple_profile(session: Session) -> ExecutionProfile | None:
    """The session's default execution profile with tuple rows: the same policies, its own cluster's (None for a
    Cluster made with the driver's legacy settings, which has no profiles). Made once per session: a caller's view
    (`Database.on`) is made per request."""
    if session in _tuple_profiles:
        return _tuple_profiles[session]
    try:
        profile: ExecutionProfile | None = session.execution_profile_clone_update(
            EXEC_PROFILE_DEFAULT, row_factory=tuple_factory
        )
    except ValueError:
        profile = None
    _tuple_profiles[session] = profile
    return profile


class _Batch(BatchStatement):  # type: ignore[misc]
    """A batch named by its first statement's CQL, as the refusals name any statement (`_text`)."""

    query_string = ""


def _text(statement: Statement) -> str:
    """The CQL of a bound, prepared or simple statement."""
    prepared = getattr(statement, "prepared_statement", None)
    return str((prepared or statement).query_string)


# The callbacks run where the driver completes the future (see the module's docstring); an exception in them would
# be swallowed by the driver, so they do nothing that can raise.


def _on_rows(
    rows: list[Row] | None, loop: asyncio.AbstractEventLoop, waiter: asyncio.Future[list[Any] | None], db: Database
) -> None:
    _hand_over(loop, waiter, db, rows, None)


def _on_error(
    exc: BaseException, loop: asyncio.AbstractEventLoop, waiter: asyncio.Future[list[Any] | None], db: Database
) -> None:
    _hand_over(loop, waiter, db, None, exc)


def _hand_over(
    loop: asyncio.AbstractEventLoop,
    waiter: asyncio.Future[list[Any] | None],
    db: Database,
    rows: list[Any] | None,
    exc: BaseException | None,
) -> None:
    if get_ident() == db._thread:
        _settle(waiter, db, rows, exc)
        return
    try:  # noqa: SIM105 -- once per reply: try costs nothing in 3.11, contextlib.suppress builds an object
        loop.call_soon_threadsafe(_settle, waiter, db, rows, exc)
    except RuntimeError:
        pass  # the loop is closed: nobody is waiting any more


def _settle(
    waiter: asyncio.Future[list[Any] | None], db: Database, rows: list[Any] | None, exc: BaseException | None
) -> None:
    db._done()
    if waiter.done():
        # The awaiting task was cancelled; the answer is dropped (under libev, emptied: see Database._retains).
        if rows and db._retains:
            rows.clear()
        return
    if exc is not None:
        waiter.set_exception(exc)
    else:
        waiter.set_result(rows)
